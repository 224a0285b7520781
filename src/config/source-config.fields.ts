import { z } from 'zod';
import type { UpstreamPolicy } from '../upstream/upstream.policy.js';

/*
 * The building blocks every vendor's source schema is made of (vendors/<vendor>/*.config.ts):
 * the name, the endpoint, the HTTP policy and the cache lifetime, with the same rules and
 * messages for every vendor.
 */

export const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit');

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Zone of an upstream's zone-less wall-clock times. Only IANA names (and UTC): an offset
 * such as +08:00 or an abbreviation such as CST cannot follow daylight saving or history.
 */
export const ianaZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return zone.includes('/') || zone === 'UTC';
    } catch {
      return false;
    }
  },
  { error: (issue) => `must be an IANA time zone such as Asia/Shanghai, got "${String(issue.input)}"` },
);

/** Resilience policy of one source's upstream calls; every field has a default. */
export const httpPolicySchema: z.ZodType<UpstreamPolicy, Partial<UpstreamPolicy> | undefined> = z
  .object({
    /** Per-attempt timeout. */
    timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
    /** Extra attempts for idempotent reads after 429, 5xx or a network error. */
    retries: z.number().int().min(0).max(10).default(2),
    /** First backoff delay; later ones grow exponentially, with jitter. */
    retryBaseDelayMs: z.number().int().min(0).max(60_000).default(200),
    /** Cap on any one wait, including a Retry-After the upstream asks for. */
    retryMaxDelayMs: z.number().int().min(0).max(300_000).default(10_000),
    /**
     * Upstream calls in flight at once for this source; more wait in a queue. The default
     * lets a page read every stream of a large scope (bk-repo: repositories × event types)
     * in one round trip; lower it for an account with a tight rate limit.
     */
    concurrency: z.number().int().min(1).max(256).default(64),
  })
  .strict();



/**
 * How long a successful upstream answer serves identical requests, in seconds; 0 switches
 * the cache off. Short by default: a dashboard refreshing several panels, or several
 * viewers of one dashboard, share answers, while new events show within seconds. Errors are
 * never cached. Within one GraphQL request identical calls are shared whatever this says.
 */
export const cacheTtlSeconds = (defaultSeconds: number) => z.number().min(0).max(86_400).default(defaultSeconds);

export const DEFAULT_CACHE_TTL_SECONDS = 5;

export const commonSourceFields = {
  name: sourceName,
  endpoint: httpUrl,
  http: httpPolicySchema.default(() => httpPolicySchema.parse({})),
  cacheTtlSeconds: cacheTtlSeconds(DEFAULT_CACHE_TTL_SECONDS),
};

