import { randomBytes } from 'node:crypto';
import type { HuaweiTokenCheck, HuaweiTokenInfo, HuaweiTokenValidator } from '../huawei/huawei-gateway.auth.js';

export const DEFAULT_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface IssuedToken extends HuaweiTokenInfo {
  /** The `X-Subject-Token` value. */
  value: string;
  /** Epoch ms. */
  issuedAt: number;
  userId: string;
  domainId: string;
}

/**
 * Tokens issued by the IAM emulator, shared in-process with the service emulators that
 * accept them (`HuaweiTokenValidator`). The lifetime and the clock are knobs so tests can
 * watch a token expire without waiting a day.
 */
export class IamTokenStore implements HuaweiTokenValidator {
  private readonly tokens = new Map<string, IssuedToken & { revoked: boolean }>();
  lifetimeMs: number;
  readonly now: () => number;

  constructor(options: { lifetimeMs?: number; now?: () => number } = {}) {
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  issue(subject: Omit<IssuedToken, 'value' | 'issuedAt' | 'expiresAt'>, lifetimeMs = this.lifetimeMs): IssuedToken {
    const issuedAt = this.now();
    // Real tokens are long base64 PKI blobs starting "MII"; clients must not assume a length.
    const value = `MII${randomBytes(96).toString('base64url')}`;
    const token: IssuedToken = { ...subject, value, issuedAt, expiresAt: issuedAt + lifetimeMs };
    this.tokens.set(value, { ...token, revoked: false });
    return { ...token };
  }

  validate(value: string): HuaweiTokenCheck {
    const token = this.tokens.get(value);
    if (!token) return { ok: false, reason: 'unknown' };
    if (token.revoked) return { ok: false, reason: 'revoked' };
    if (this.now() >= token.expiresAt) return { ok: false, reason: 'expired' };
    const { revoked: _revoked, value: _value, ...info } = token;
    return { ok: true, token: info };
  }

  /** Details of a token still valid, as IAM's `GET /v3/auth/tokens` returns them. */
  lookup(value: string): IssuedToken | undefined {
    const token = this.tokens.get(value);
    if (!token || token.revoked || this.now() >= token.expiresAt) return undefined;
    const { revoked: _revoked, ...issued } = token;
    return issued;
  }

  /** Returns false when the token is unknown or already revoked. */
  revoke(value: string): boolean {
    const token = this.tokens.get(value);
    if (!token || token.revoked) return false;
    token.revoked = true;
    return true;
  }

  /** Expires every token at once, for "the upstream says my token is stale" tests. */
  expireAll(): void {
    const now = this.now();
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Tokens issued since the last clear(), whatever their state. */
  get issuedCount(): number {
    return this.tokens.size;
  }

  clear(): void {
    this.tokens.clear();
  }
}
