import { z } from 'zod';

/*
 * Who may call eventgraph, and what each caller may read (`auth` in the configuration).
 * The server decides it once per request, at the edge, and every entry point obeys it.
 */

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/, 'must be 1-128 characters of letters, digits, "_", ".", "@", ":" or "-"');

/** Source names or globs (`*` matches any run of characters), and optionally event kinds. */
const scopeFields = {
  /** Source names or globs the caller may read; `['*']` is every source. */
  sources: z.array(z.string().min(1).max(128)).min(1).default(() => ['*']),
  /** Event kinds the caller may read (e.g. AUDIT); every kind when absent. */
  kinds: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an event kind such as AUDIT')).min(1).optional(),
  /** The most a request of this caller may cost, in estimated upstream calls; below `limits.maxCost`. */
  maxCost: z.number().int().min(1).max(1_000_000).optional(),
};

/**
 * Bounds on a hash's scrypt parameters (the server checks the same ones): weaker ones make
 * a leaked hash cheap to attack; stronger ones let one line make every first check of a key
 * take seconds and gigabytes (scrypt needs 128 · N · r bytes). The message names the
 * parameter, never the hash.
 */
function scryptParamsProblem(hash: string): string | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$/.exec(hash);
  if (!match) return undefined;
  const [n, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const log2n = Math.log2(n);
  if (!Number.isInteger(log2n) || log2n < 14 || log2n > 20) return "scrypt's N must be a power of two from 2^14 to 2^20; print a new hash with `npm run hash-key`";
  if (r < 1 || r > 32) return "scrypt's r must be 1 to 32";
  if (p < 1 || p > 16) return "scrypt's p must be 1 to 16";
  if (128 * n * r > 256 * 2 ** 20) return "scrypt's N and r would need more than 256 MiB per check";
  return undefined;
}

/** An API key, kept only as a slow hash: `npm run hash-key` prints one for a new key. */
export const apiKeySchema = z
  .object({
    name,
    /** `scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>`. */
    hash: z
      .string()
      .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{32,}$/, 'must be a hash printed by `npm run hash-key`')
      .superRefine((hash, ctx) => {
        const problem = scryptParamsProblem(hash);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ...scopeFields,
  })
  .strict();

const jwtAlgorithm = z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/** JSON Web Tokens signed by an identity provider, checked with jose. */
export const jwtSchema = z
  .object({
    /** Where the provider publishes its keys (fetched, cached and refreshed on rotation). */
    jwksUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Or one public key, PEM (SPKI). */
    publicKey: z.string().includes('-----BEGIN PUBLIC KEY-----', { message: 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)' }).optional(),
    issuer: z.string().min(1),
    audience: z.string().min(1),
    algorithms: z.array(jwtAlgorithm).min(1).default(() => ['RS256' as const]),
    /** Allowed clock difference for `exp` and `nbf`. */
    clockToleranceSeconds: z.number().int().min(0).max(600).default(30),
    /** Which claims name the caller and its scope. */
    claims: z
      .object({
        name: z.string().min(1).default('sub'),
        /** A claim holding source names or globs (an array, or a space-separated string). */
        sources: z.string().min(1).default('eventgraph_sources'),
        kinds: z.string().min(1).default('eventgraph_kinds'),
      })
      .strict()
      .default(() => ({ name: 'sub', sources: 'eventgraph_sources', kinds: 'eventgraph_kinds' })),
    /** Sources of a token that names none in its claim; none by default. */
    defaultSources: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((jwt) => (jwt.jwksUrl === undefined) !== (jwt.publicKey === undefined), { message: 'give exactly one of jwksUrl and publicKey' });

export const authSchema = z.union([
  /** Written out to serve without client authentication; the server warns at start. */
  z.object({ mode: z.literal('none') }).strict(),
  z
    .object({
      mode: z.literal('required').default('required'),
      apiKeys: z.array(apiKeySchema).optional(),
      jwt: jwtSchema.optional(),
    })
    .strict()
    .refine((auth) => (auth.apiKeys?.length ?? 0) > 0 || auth.jwt !== undefined, { message: 'give apiKeys, jwt or both (or mode: none)' }),
]);

export type AuthConfig = z.infer<typeof authSchema>;
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;
export type JwtConfig = z.infer<typeof jwtSchema>;

/** What one request may cost and carry, checked before it runs (`limits`). */
export const limitsSchema = z
  .object({
    /** Estimated upstream calls of one operation: streams × pages per source, over every field. */
    maxCost: z.number().int().min(1).max(1_000_000).default(1_000),
    maxDepth: z.number().int().min(1).max(100).default(12),
    maxAliases: z.number().int().min(1).max(1_000).default(30),
    maxTokens: z.number().int().min(10).max(100_000).default(5_000),
    maxDirectives: z.number().int().min(0).max(1_000).default(20),
    /** The largest JSON answer, in bytes; a larger one is refused with RESPONSE_TOO_LARGE. */
    maxResponseBytes: z.number().int().min(1_024).max(1_073_741_824).default(32 * 2 ** 20),
    /**
     * Upstream calls one export request (/export.ndjson, /export.csv) may make in all; it ends
     * with a cursor to resume from when the next page would go over. A caller's own `maxCost`,
     * when lower, is its budget instead.
     */
    maxExportCost: z.number().int().min(1).max(100_000_000).default(20_000),
  })
  .strict();

export type LimitsConfig = z.infer<typeof limitsSchema>;
