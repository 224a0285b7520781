import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Independent verifier of Huawei Cloud `SDK-HMAC-SHA256` request signatures (docs/vendors/huawei-modelarts.md, "Auth and signing"),
 * as the API gateway checks them. It shares no code with any client signer: a bug copied
 * into both sides would otherwise pass every test.
 *
 * The request is described as it was on the wire: the raw path and query exactly as sent
 * (never a decoded or re-encoded form), the headers, and the raw body bytes.
 */

export const HUAWEI_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** The gateway refuses an `X-Sdk-Date` further than this from its own clock. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequestOnTheWire {
  method: string;
  /** Path exactly as sent, without the query string, e.g. `/v1/p/services`. */
  rawPath: string;
  /** Query string exactly as sent, without `?`; '' when none. */
  rawQuery: string;
  /** Header names in any case; values as Node exposes them. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Raw body bytes; absent or empty for GET. */
  body?: Uint8Array | string;
}

export type AkskFailureReason =
  | 'missing-authorization'
  | 'unsupported-algorithm'
  | 'malformed-authorization'
  | 'missing-date'
  | 'malformed-date'
  | 'date-not-signed'
  | 'clock-skew'
  | 'unknown-access-key'
  | 'missing-signed-header'
  | 'malformed-request'
  | 'signature-mismatch';

export type AkskVerification =
  | { ok: true; accessKey: string; signedHeaders: string[] }
  | { ok: false; reason: AkskFailureReason; message: string; accessKey?: string };

export interface HuaweiAkskVerifierOptions {
  /** The SK for an AK, or undefined when the AK is unknown. */
  secretFor: (accessKey: string) => string | undefined;
  /** Injectable so fixed test vectors (dated 2024-01-01) can be checked. Default Date.now. */
  now?: () => number;
  maxClockSkewMs?: number;
}

export type HuaweiAkskVerifier = (request: SignedRequestOnTheWire) => AkskVerification;

export function createHuaweiAkskVerifier(options: HuaweiAkskVerifierOptions): HuaweiAkskVerifier {
  return (request) => verifyHuaweiAkskRequest(request, options);
}

export function verifyHuaweiAkskRequest(
  request: SignedRequestOnTheWire,
  options: HuaweiAkskVerifierOptions,
): AkskVerification {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return fail('missing-authorization', 'Authorization header is missing');
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) return parsed;
  const { accessKey, signedHeaders, signature } = parsed;

  const sdkDate = header(request.headers, 'x-sdk-date');
  if (sdkDate === undefined) return fail('missing-date', 'X-Sdk-Date header is missing', accessKey);
  const signedAt = parseSdkDate(sdkDate.trim());
  if (signedAt === undefined) {
    return fail('malformed-date', `X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHMMSSZ`, accessKey);
  }
  if (!signedHeaders.includes('x-sdk-date')) {
    return fail('date-not-signed', 'x-sdk-date is not in SignedHeaders', accessKey);
  }
  const now = (options.now ?? Date.now)();
  const maxSkew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (Math.abs(now - signedAt) > maxSkew) {
    return fail(
      'clock-skew',
      `X-Sdk-Date ${sdkDate} is more than ${Math.round(maxSkew / 60000)} minutes from server time ${formatSdkDate(now)}`,
      accessKey,
    );
  }

  const secretKey = options.secretFor(accessKey);
  if (secretKey === undefined) return fail('unknown-access-key', `access key ${accessKey} does not exist`, accessKey);

  const canonical = canonicalRequest(request, signedHeaders);
  if (!canonical.ok) return { ...canonical, accessKey };

  const stringToSign = [HUAWEI_SIGNING_ALGORITHM, sdkDate.trim(), sha256Hex(canonical.text)].join('\n');
  const expected = createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
  if (!constantTimeEqual(expected, signature)) {
    return fail('signature-mismatch', 'signature does not match', accessKey);
  }
  return { ok: true, accessKey, signedHeaders };
}

/**
 * The canonical request of docs/vendors/huawei-modelarts.md, "Auth and signing", rebuilt from the wire. Exported for diagnostics
 * (a 401 in a test is much easier to fix when the canonical text can be printed).
 */
export function canonicalRequest(
  request: SignedRequestOnTheWire,
  signedHeaders: readonly string[],
): { ok: true; text: string } | { ok: false; reason: AkskFailureReason; message: string } {
  let uri: string;
  let query: string;
  try {
    uri = canonicalUri(request.rawPath);
    query = canonicalQuery(request.rawQuery);
  } catch (error) {
    return { ok: false, reason: 'malformed-request', message: `cannot canonicalise the URL: ${(error as Error).message}` };
  }
  let headerLines = '';
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) {
      return { ok: false, reason: 'missing-signed-header', message: `signed header ${name} is not in the request` };
    }
    headerLines += `${name}:${value.trim()}\n`;
  }
  const payloadHash =
    header(request.headers, 'x-sdk-content-sha256')?.trim() === 'UNSIGNED-PAYLOAD'
      ? 'UNSIGNED-PAYLOAD'
      : sha256Hex(request.body ?? '');
  return {
    ok: true,
    text: [request.method.toUpperCase(), uri, query, headerLines, signedHeaders.join(';'), payloadHash].join('\n'),
  };
}

/**
 * Each raw path segment RFC 3986-encoded as it stands: the official SDK signs the path it
 * puts on the wire, so an already percent-encoded segment is encoded again (`%20` ->
 * `%2520`) on both sides. Decoding first would make the verifier disagree with the SDK.
 */
export function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  const encoded = path.split('/').map(rfc3986).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/**
 * Query parameters decoded from the wire, then each key and value RFC 3986-encoded and the
 * pairs sorted. `+` decodes to a space: the official SDK sends spaces as `+` (Node's
 * querystring) or `%20` (WHATWG URL) and signs both as `%20`. A parameter without `=`
 * has the empty value, as the SDK signs `key=`.
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([rfc3986(formDecode(key)), rfc3986(formDecode(value))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => compareBytes(ka, kb) || compareBytes(va, vb));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function rfc3986(text: string): string {
  // encodeURIComponent leaves !'()* alone; RFC 3986 reserves them.
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function compareBytes(a: string, b: string): number {
  // Encoded strings are ASCII, so UTF-16 order is byte order.
  return a < b ? -1 : a > b ? 1 : 0;
}

type ParsedAuthorization =
  | { ok: true; accessKey: string; signedHeaders: string[]; signature: string }
  | { ok: false; reason: AkskFailureReason; message: string };

/** `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; spacing after commas varies by signer. */
function parseAuthorization(value: string): ParsedAuthorization {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== HUAWEI_SIGNING_ALGORITHM) {
    return { ok: false, reason: 'unsupported-algorithm', message: `algorithm ${algorithm} is not ${HUAWEI_SIGNING_ALGORITHM}` };
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signedHeaderList = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKey || !signedHeaderList || !signature) {
    return {
      ok: false,
      reason: 'malformed-authorization',
      message: 'Authorization must carry Access, SignedHeaders and Signature',
    };
  }
  const signedHeaders = signedHeaderList.split(';').map((h) => h.trim().toLowerCase());
  if (signedHeaders.some((h) => h === '')) {
    return { ok: false, reason: 'malformed-authorization', message: 'SignedHeaders has an empty entry' };
  }
  return { ok: true, accessKey, signedHeaders, signature };
}

const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseSdkDate(value: string): number | undefined {
  const m = SDK_DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Reject calendar overflow such as 20240231 that Date.UTC would silently roll over.
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return t;
}

export function formatSdkDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function header(headers: SignedRequestOnTheWire['headers'], name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend the comparison so the answer time does not reveal the length check.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

function fail(reason: AkskFailureReason, message: string, accessKey?: string): AkskVerification {
  return accessKey === undefined ? { ok: false, reason, message } : { ok: false, reason, message, accessKey };
}
