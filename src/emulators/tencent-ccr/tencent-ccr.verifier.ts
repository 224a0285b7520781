import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The emulator's own check of Tencent Cloud's legacy API 2.0 signature (docs/vendors/tencent-ccr.md),
 * written apart from the client's signer so that one cannot hide a bug of the other.
 *
 * String to sign: METHOD + host + path + "?" + every parameter but Signature, sorted by
 * name, as `name=value` with raw (decoded) values and `_` in names written as `.`, joined
 * by `&`. The signature is base64(HMAC-SHA1 or HMAC-SHA256(SecretKey, that string)).
 */

export type TencentSignatureMethod = 'HmacSHA1' | 'HmacSHA256';

export function legacyStringToSign(method: string, host: string, path: string, params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((name) => name !== 'Signature').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const joined = names.map((name) => `${name.replace(/_/g, '.')}=${params.get(name)}`).join('&');
  return `${method.toUpperCase()}${host}${path}?${joined}`;
}

export function legacySignature(stringToSign: string, secretKey: string, method: TencentSignatureMethod): string {
  return createHmac(method === 'HmacSHA256' ? 'sha256' : 'sha1', secretKey).update(stringToSign, 'utf8').digest('base64');
}

/** Constant-time comparison of two base64 signatures. */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Remembers the nonces seen per SecretId for as long as a timestamp stays acceptable, so
 * a replayed request is refused and memory stays bounded.
 */
export class NonceStore {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(private readonly windowMs: number) {}

  /** True the first time (secretId, nonce) is offered within the window; false for a replay. */
  accept(secretId: string, nonce: string, now: number): boolean {
    let nonces = this.seen.get(secretId);
    if (!nonces) {
      nonces = new Map();
      this.seen.set(secretId, nonces);
    }
    for (const [value, at] of nonces) {
      if (now - at > this.windowMs) nonces.delete(value);
      else break; // insertion order is arrival order: the rest are younger
    }
    if (nonces.has(nonce)) return false;
    nonces.set(nonce, now);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}
