import { createHash, createHmac } from 'node:crypto';

/**
 * A small SDK-HMAC-SHA256 signer for the emulator tests, written apart from both the
 * emulator's verifier and the product's client signer (docs/vendors/huawei-modelarts.md, "Auth and signing"), so a mistake in one
 * of them shows up as a 401 here instead of being shared.
 */

export interface TestSignRequest {
  method: string;
  /** The full URL exactly as it will be sent (fetch sends `URL.pathname` + `URL.search`). */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  accessKey: string;
  secretKey: string;
  /** Signing time; default now. */
  date?: Date;
}

/** Headers to add to the request: X-Sdk-Date, Authorization, and the given ones. */
export function signForTest(request: TestSignRequest): Record<string, string> {
  const url = new URL(request.url);
  const sdkDate = (request.date ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  const toSign: Record<string, string> = { host: url.host, 'x-sdk-date': sdkDate };
  for (const [name, value] of Object.entries(request.headers ?? {})) toSign[name.toLowerCase()] = value;
  const names = Object.keys(toSign).sort();

  const segments = url.pathname.split('/').map(strictEncode).join('/');
  const canonicalPath = segments.endsWith('/') ? segments : `${segments}/`;
  const canonicalQuery = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const [k = '', v = ''] = pair.split(/=(.*)/s);
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return `${strictEncode(decode(k))}=${strictEncode(decode(v))}`;
    })
    .sort()
    .join('&');
  const canonical = [
    request.method.toUpperCase(),
    canonicalPath,
    canonicalQuery,
    names.map((n) => `${n}:${(toSign[n] ?? '').trim()}\n`).join(''),
    names.join(';'),
    createHash('sha256').update(request.body ?? '').digest('hex'),
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${sdkDate}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', request.secretKey).update(stringToSign).digest('hex');

  const out: Record<string, string> = { ...(request.headers ?? {}), 'X-Sdk-Date': sdkDate };
  out.Authorization = `SDK-HMAC-SHA256 Access=${request.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return out;
}

function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
