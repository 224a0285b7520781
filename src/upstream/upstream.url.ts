/**
 * URL and header helpers shared by the upstream core and the vendor signers. They live in
 * one place because a signer must canonicalise exactly what the core puts on the wire.
 */

/**
 * Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
 * `encodeURIComponent` leaves `! ' ( ) *` alone, and signers that canonicalise the query
 * (Huawei's SDK-HMAC-SHA256 among them) encode those; sending the same bytes we sign means
 * no gateway has to re-encode the query to check a signature.
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Builds a query string (without `?`) from parameters. Undefined values are left out, so a
 * client can pass every optional parameter and only the given ones go upstream; an empty
 * string is a value and is sent. Keys are sorted so that the same question always yields the
 * same URL, which is what a cache key needs.
 */
export function buildQueryString(query: Record<string, string | number | undefined> | undefined): string {
  if (!query) return '';
  return Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(String(value))}`)
    .join('&');
}

/**
 * Reads a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns
 * milliseconds from `now`, never negative, or undefined when absent or unreadable (an
 * unreadable header falls back to our own backoff rather than failing the call).
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
