import {
  createRemoteJWKSet,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import type { Principal } from '../../graphql/principal.js';
import { AuthConfigError, type AuthTuning, type JwtAlgorithm, type JwtOptions } from './auth-options.js';

/** The verdict on a presented token. */
export type JwtVerdict =
  | { readonly kind: 'accepted'; readonly principal: Principal }
  /** Not accepted; `reason` is safe to send to the client (it never repeats the token). */
  | { readonly kind: 'rejected'; readonly reason: string }
  /** The token could not be checked: the identity provider's key set is out of reach. */
  | { readonly kind: 'unavailable'; readonly reason: string };

type KeyResolver = (header: JWSHeaderParameters) => Promise<CryptoKey>;

/** Thrown by the key resolver when the JWKS cannot be had: the server's problem, not the token's. */
class KeySetUnavailable extends Error {}

/**
 * Checks JSON Web Tokens with jose against one public key (PEM) or a provider's JWKS, and
 * maps their claims to a `Principal`.
 *
 * The JWKS is fetched on the first token, kept for `jwksMaxAgeMs`, and fetched again when a
 * token names a key id the set does not have (a rotation), at most once per
 * `jwksCooldownMs`: jose's remote key set does both.
 */
export class JwtVerifier {
  private constructor(
    private readonly options: JwtOptions,
    private readonly resolveKey: KeyResolver,
  ) {}

  /** Imports the PEM key up front, so that a key that fits none of the algorithms fails at start. */
  static async create(options: JwtOptions, tuning: AuthTuning = {}): Promise<JwtVerifier> {
    if ((options.jwksUrl === undefined) === (options.publicKey === undefined)) {
      throw new AuthConfigError('auth.jwt: give exactly one of jwksUrl and publicKey');
    }
    if (options.jwksUrl !== undefined) {
      const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: tuning.jwksCooldownMs ?? 30_000,
        cacheMaxAge: tuning.jwksMaxAgeMs ?? 600_000,
        timeoutDuration: tuning.jwksTimeoutMs ?? 5_000,
      });
      const resolveKey: KeyResolver = async (header) => {
        try {
          return await remote(header);
        } catch (error) {
          // No key for the token's kid or algorithm is the token's fault; anything else
          // (the fetch failed, timed out, or brought no key set) is the provider's.
          if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
          throw new KeySetUnavailable(error instanceof Error ? error.message : String(error), { cause: error });
        }
      };
      return new JwtVerifier(options, resolveKey);
    }
    // A CryptoKey is bound to one algorithm, and an RSA key can serve RS* and PS* alike:
    // import it once per configured algorithm it fits.
    const keys = new Map<string, CryptoKey>();
    for (const algorithm of options.algorithms) {
      try {
        keys.set(algorithm, await importSPKI(options.publicKey!, algorithm));
      } catch {
        // Not this algorithm's key type; another configured one may fit.
      }
    }
    if (keys.size === 0) {
      throw new AuthConfigError(`auth.jwt.publicKey fits none of auth.jwt.algorithms (${options.algorithms.join(', ')}): check the key's type (RSA, EC, Ed25519) against them`);
    }
    const resolveKey: KeyResolver = async (header) => {
      const key = header.alg === undefined ? undefined : keys.get(header.alg);
      if (!key) throw new joseErrors.JWKSNoMatchingKey();
      return key;
    };
    return new JwtVerifier(options, resolveKey);
  }

  async verify(token: string): Promise<JwtVerdict> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.resolveKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...this.options.algorithms] as JwtAlgorithm[],
        clockTolerance: this.options.clockToleranceSeconds,
      }));
    } catch (error) {
      if (error instanceof KeySetUnavailable) return { kind: 'unavailable', reason: "the identity provider's key set (auth.jwt.jwksUrl) could not be read; try again shortly" };
      return { kind: 'rejected', reason: rejectionReason(error) };
    }
    return principalOfClaims(payload, this.options);
  }
}

/** Why jose refused a token, in words a client can act on; never the token itself. */
function rejectionReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token was not issued by the expected issuer';
    if (error.claim === 'aud') return 'the token is not meant for this audience';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's "${error.claim}" claim is not accepted`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's signing algorithm is not allowed";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key the server trusts matches the token (its kid or alg)';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof joseErrors.JOSENotSupported) return "the token's algorithm or key type is not supported";
  return 'the token is malformed';
}

/**
 * The caller a verified token names. `claims.name` must be a non-empty string; the sources
 * and kinds claims may be an array of strings or one space-separated string (OAuth's `scope`
 * style). A token that names no sources gets `defaultSources`, or none: every source is then
 * forbidden, which is safer than every source allowed.
 */
export function principalOfClaims(payload: JWTPayload, options: Pick<JwtOptions, 'claims' | 'defaultSources'>): JwtVerdict {
  const { claims } = options;
  const name = payload[claims.name];
  if (typeof name !== 'string' || name.trim() === '') return { kind: 'rejected', reason: `the token has no "${claims.name}" claim naming the caller` };
  const sources = listClaim(payload[claims.sources]);
  if (sources === 'invalid') return { kind: 'rejected', reason: `the token's "${claims.sources}" claim must be an array of source names or a space-separated string` };
  const kinds = listClaim(payload[claims.kinds]);
  if (kinds === 'invalid') return { kind: 'rejected', reason: `the token's "${claims.kinds}" claim must be an array of event kinds or a space-separated string` };
  const principal: Principal = Object.freeze({
    name: name.slice(0, 256),
    sources: Object.freeze([...(sources ?? options.defaultSources ?? [])]),
    ...(kinds ? { kinds: Object.freeze(kinds) } : {}),
  });
  return { kind: 'accepted', principal };
}

/** An array of non-empty strings, or a space-separated string; undefined when absent. */
function listClaim(value: unknown): string[] | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.split(/\s+/).filter((part) => part !== '');
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return (value as string[]).map((part) => part.trim()).filter((part) => part !== '');
  return 'invalid';
}
