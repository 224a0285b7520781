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
  // Never quotes what was given: a misplaced secret would be printed at start-up.
  { error: 'must be an IANA time zone such as Asia/Shanghai' },
);

/**
 * A vendor's default rate limit for one source: from the vendor's documented quota where
 * there is one, else a polite guess (docs/governors.md says which is which).
 */
export interface RateLimitDefaults {
  perSecond: number;
  burst: number;
}

/** For a vendor that documents no quota and names no default of its own. */
export const DEFAULT_RATE_LIMIT: RateLimitDefaults = { perSecond: 20, burst: 40 };

/**
 * How long a call may wait for its turn (a token, or the end of a pause after a 429): well
 * inside a request's own deadline, so that a page reports the source as rate limited, with
 * `retryAfterMs`, instead of running out of time.
 */
export const DEFAULT_MAX_WAIT_MS = 5_000;

export const DEFAULT_CIRCUIT_BREAKER = { failures: 5, halfOpenAfterMs: 10_000 } as const;

/** What a configuration may say under `http`; every key is optional. */
export interface HttpPolicyInput {
  timeoutMs?: number;
  retries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  concurrency?: number;
  rateLimit?: { perSecond?: number; burst?: number; maxWaitMs?: number };
  circuitBreaker?: { failures?: number; halfOpenAfterMs?: number };
}

/**
 * Resilience policy of one source's upstream calls, with `rateLimit` defaults of its vendor;
 * every field has a default.
 */
export function httpPolicySchemaFor(rateLimitDefaults: RateLimitDefaults): z.ZodType<UpstreamPolicy, HttpPolicyInput | undefined> {
  const rateLimit = z
    .object({
      /** 0 switches the rate limit off (pauses after a 429 still hold calls). */
      perSecond: z.number().min(0).max(100_000).optional(),
      /** Default: the vendor's burst with the vendor's rate, else one second's worth. */
      burst: z.number().int().min(1).max(100_000).optional(),
      maxWaitMs: z.number().int().min(0).max(300_000).default(DEFAULT_MAX_WAIT_MS),
    })
    .strict()
    .transform(({ perSecond, burst, maxWaitMs }) => {
      const rate = perSecond ?? rateLimitDefaults.perSecond;
      // A burst sized for the vendor's rate would defeat a rate someone lowered on purpose.
      const defaultBurst = rate === rateLimitDefaults.perSecond ? rateLimitDefaults.burst : Math.max(1, Math.ceil(rate));
      return { perSecond: rate, burst: burst ?? defaultBurst, maxWaitMs };
    });
  return z
    .object({
      /** Per-attempt timeout. */
      timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
      /** Extra attempts for idempotent reads after 429, 5xx or a network error. */
      retries: z.number().int().min(0).max(10).default(2),
      /** First backoff delay; later ones grow exponentially, with jitter. */
      retryBaseDelayMs: z.number().int().min(0).max(60_000).default(200),
      /** Cap on any one wait, including a Retry-After the upstream asks for, and on a pause. */
      retryMaxDelayMs: z.number().int().min(0).max(300_000).default(10_000),
      /**
       * Upstream calls in flight at once for this source; more wait in a queue. The default
       * lets a page read every stream of a large scope (bk-repo: repositories × event types)
       * in one round trip; lower it for an account with a tight rate limit.
       */
      concurrency: z.number().int().min(1).max(256).default(64),
      /** Calls started per second, across every request (upstream.governor.ts). */
      rateLimit: rateLimit.default(() => ({ ...rateLimitDefaults, maxWaitMs: DEFAULT_MAX_WAIT_MS })),
      /** Fail fast while the source keeps failing; `failures: 0` switches it off. */
      circuitBreaker: z
        .object({
          failures: z.number().int().min(0).max(1_000).default(DEFAULT_CIRCUIT_BREAKER.failures),
          halfOpenAfterMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_CIRCUIT_BREAKER.halfOpenAfterMs),
        })
        .strict()
        .default(() => ({ ...DEFAULT_CIRCUIT_BREAKER })),
    })
    .strict();
}

/** The `http` key of a source, defaulted whole when left out. */
export function httpPolicyField(rateLimitDefaults: RateLimitDefaults = DEFAULT_RATE_LIMIT) {
  const schema = httpPolicySchemaFor(rateLimitDefaults);
  return schema.default(() => schema.parse({}));
}

/** The policy of a source of a vendor with no defaults of its own. */
export const httpPolicySchema = httpPolicySchemaFor(DEFAULT_RATE_LIMIT);

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
  /** A vendor with a known quota overrides it: `http: httpPolicyField(ITS_RATE_LIMIT)`. */
  http: httpPolicyField(),
  cacheTtlSeconds: cacheTtlSeconds(DEFAULT_CACHE_TTL_SECONDS),
  /** The live tail's polling interval for this source's streams; `server.tail.intervalMs` when absent. */
  tailIntervalMs: z.number().int().min(1_000).max(3_600_000).optional(),
};

