import { createHash, createHmac } from 'node:crypto';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';

/**
 * Huawei Cloud AK/SK request signing, `SDK-HMAC-SHA256` (docs/vendors/huawei-modelarts.md, "Auth and signing"), as the API gateway
 * in front of HSS, CSMS and ModelArts checks it. Written from the published algorithm and
 * checked against both the documented vector and the official Node SDK's `AKSKSigner.sign`
 * (test/sources/huawei/huawei-aksk.signer.test.ts).
 *
 * It signs the request as it goes on the wire (`willSendRequest` hands it the final URL,
 * headers and body), and it signs every header the request carries, as the official SDK
 * does, so no header can be changed in transit unnoticed.
 */

export const SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** A request on its way out; `sign` adds `X-Sdk-Date` (when absent) and `Authorization`. */
export interface HuaweiSignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface HuaweiAkSkSignerOptions {
  accessKey: string;
  secretKey: string;
  /** Clock for `X-Sdk-Date`; injectable so tests can sign at a fixed instant. */
  now?: () => Date;
}

/** The intermediate values, for debugging a signature the gateway refuses. */
export interface HuaweiSignature {
  sdkDate: string;
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
  authorization: string;
}

/**
 * Headers left unsigned: the one that carries the signature, and hop-by-hop headers that
 * the HTTP stack may set or drop on its own (undici computes `content-length` itself).
 */
const UNSIGNED_HEADERS = new Set(['authorization', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade']);

export class HuaweiAkSkSigner {
  private readonly accessKey: string;
  private readonly secretKey: string;
  private readonly now: () => Date;

  constructor(options: HuaweiAkSkSignerOptions) {
    this.accessKey = options.accessKey;
    this.secretKey = options.secretKey;
    this.now = options.now ?? (() => new Date());
  }

  /** Signs `request` in place and returns the intermediate values. */
  sign(request: HuaweiSignableRequest): HuaweiSignature {
    // An X-Sdk-Date already on the request is kept: it is what the gateway will check.
    let sdkDate = headerValue(request.headers, 'x-sdk-date');
    if (sdkDate === undefined) {
      sdkDate = formatSdkDate(this.now());
      request.headers['x-sdk-date'] = sdkDate;
    }

    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!UNSIGNED_HEADERS.has(lower)) headers.set(lower, value.trim());
    }
    // fetch sends Host from the URL (with a non-default port); sign that same value.
    if (!headers.has('host')) headers.set('host', request.url.host);
    const names = [...headers.keys()].sort();
    const signedHeaders = names.join(';');
    const canonicalHeaders = names.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join('');

    const canonicalRequest = [
      request.method.toUpperCase(),
      canonicalUri(request.url.pathname),
      canonicalQueryString(request.url.search),
      canonicalHeaders,
      signedHeaders,
      sha256Hex(request.body),
    ].join('\n');
    const stringToSign = `${SDK_SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.secretKey).update(stringToSign, 'utf8').digest('hex');
    const authorization = `${SDK_SIGNING_ALGORITHM} Access=${this.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;

    for (const name of Object.keys(request.headers)) {
      if (name.toLowerCase() === 'authorization') delete request.headers[name];
    }
    request.headers['authorization'] = authorization;
    return { sdkDate, canonicalRequest, stringToSign, signedHeaders, signature, authorization };
  }
}

/** `YYYYMMDDTHHMMSSZ`, UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Each path segment RFC 3986-encoded, ending in `/`. A URL's pathname is already
 * percent-encoded (WHATWG encodes spaces and non-ASCII, but leaves `:@!$&'()*+,;=` alone),
 * so each segment is decoded first and encoded again: the gateway canonicalises the decoded
 * path the same way. (The official Node SDK differs for characters that `url.parse` escapes
 * before it encodes, such as a space, which it signs as `%2520`; the Go and Python signers
 * decode first, as here. Our path segments are ids, so the difference stays theoretical.)
 */
function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((segment) => encodeRfc3986(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Keys and values RFC 3986-encoded, sorted by key (then value, for repeated keys). */
function canonicalQueryString(search: string): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      // No `+`-as-space here: the upstream core encodes a space as %20, and a literal `+`
      // must stay a `+` (%2B) in what we sign.
      return [encodeRfc3986(safeDecode(key)), encodeRfc3986(safeDecode(value))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function headerValue(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === lowerName) return value;
  }
  return undefined;
}
