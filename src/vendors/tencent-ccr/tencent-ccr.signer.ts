import { createHmac } from 'node:crypto';

/**
 * Tencent Cloud's legacy API 2.0 request signature (docs/vendors/tencent-ccr.md), as the official
 * `qcloudapi-sdk` computes it:
 *
 *   Signature = base64(HMAC-SHA1|SHA256(SecretKey,
 *                 METHOD + host + path + "?" + sorted `name=value` pairs joined by "&"))
 *
 * Values are the raw, unencoded ones, and `_` in a name is written as `.` (the SDK's rule
 * for flattened array parameters). The wire then carries every value URL-encoded once,
 * the signature included.
 */

export type TencentSignatureMethod = 'HmacSHA256' | 'HmacSHA1';

export interface LegacySigningInput {
  method: 'GET' | 'POST';
  /** Host as the request sends it, with the port when it is not the scheme's default. */
  host: string;
  /** e.g. `/v2/index.php`. */
  path: string;
  /** Every parameter but `Signature`, common ones included. */
  params: Readonly<Record<string, string>>;
}

export function stringToSign(input: LegacySigningInput): string {
  const names = Object.keys(input.params)
    .filter((name) => name !== 'Signature')
    // Byte order, as the SDK's Array.prototype.sort() on ASCII names gives.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pairs = names.map((name) => `${name.replace(/_/g, '.')}=${input.params[name]}`);
  return `${input.method}${input.host}${input.path}?${pairs.join('&')}`;
}

export function sign(text: string, secretKey: string, method: TencentSignatureMethod): string {
  return createHmac(method === 'HmacSHA256' ? 'sha256' : 'sha1', secretKey).update(text, 'utf8').digest('base64');
}

export function signRequest(input: LegacySigningInput, secretKey: string, method: TencentSignatureMethod): string {
  return sign(stringToSign(input), secretKey, method);
}
