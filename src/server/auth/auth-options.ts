/*
 * The `auth` section as the server takes it. It has the shape the configuration schema
 * (src/config/auth-config.schema.ts) parses to, restated here because the server layer does
 * not import the configuration layer: main.ts hands the parsed section over, and a test can
 * hand over one written in code.
 */

export interface ApiKeyOptions {
  readonly name: string;
  /** `scrypt$N$r$p$salt$hash`, printed by `npm run hash-key`. */
  readonly hash: string;
  readonly sources: readonly string[];
  readonly kinds?: readonly string[] | undefined;
  readonly maxCost?: number | undefined;
}

export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

export interface JwtOptions {
  /** Exactly one of `jwksUrl` and `publicKey`. */
  readonly jwksUrl?: string | undefined;
  readonly publicKey?: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly clockToleranceSeconds: number;
  readonly claims: { readonly name: string; readonly sources: string; readonly kinds: string };
  readonly defaultSources?: readonly string[] | undefined;
}

export type AuthOptions =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'required';
      readonly apiKeys?: readonly ApiKeyOptions[] | undefined;
      readonly jwt?: JwtOptions | undefined;
    };

/** Knobs of the verifiers that the configuration does not expose; tests shorten them. */
export interface AuthTuning {
  /**
   * How long after fetching the JWKS an unknown `kid` waits before the set is fetched again
   * (jose's `cooldownDuration`), so that tokens with made-up key ids cannot make the server
   * hammer the identity provider. 30 s by default.
   */
  readonly jwksCooldownMs?: number;
  /** How long the JWKS is used before it is fetched again regardless (jose's `cacheMaxAge`). 10 min by default. */
  readonly jwksMaxAgeMs?: number;
  /** Timeout of one JWKS fetch. 5 s by default. */
  readonly jwksTimeoutMs?: number;
}

/**
 * An `auth` section the server cannot use, found when it is set up (a PEM key that fits no
 * configured algorithm, a hash outside scrypt's bounds). Names the key, never the value.
 */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}
