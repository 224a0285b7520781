/**
 * How one source's upstream calls behave: the upstream core's own policy type. The
 * configuration validates it (`http` of a source, in config/source-config.fields.ts) and
 * fills in the defaults; the core only reads it.
 */
export interface UpstreamPolicy {
  /** Per-attempt timeout, in ms. */
  timeoutMs: number;
  /** Extra attempts for idempotent reads after 429, 5xx or a network error. */
  retries: number;
  /** First backoff delay, in ms; later ones grow exponentially, with jitter. */
  retryBaseDelayMs: number;
  /**
   * Cap on any one wait, in ms, including a Retry-After the upstream asks for; also the
   * longest a 429 or a Retry-After pauses the whole source.
   */
  retryMaxDelayMs: number;
  /** Upstream calls in flight at once for this source; more wait in a queue. */
  concurrency: number;
  /**
   * Calls started per second for the source, across every request (a token bucket).
   * Absent: no rate limit, and a pause after a 429 is waited out up to `retryMaxDelayMs`.
   */
  rateLimit?: RateLimitPolicy;
  /** Fail fast while the source keeps failing. Absent: no circuit breaker. */
  circuitBreaker?: CircuitBreakerPolicy;
}

/**
 * A token bucket: `burst` calls may start at once, then `perSecond` a second. A call waits
 * for its token rather than being refused, up to `maxWaitMs`; the same bound applies to
 * waiting for a source paused by a 429 or a Retry-After.
 */
export interface RateLimitPolicy {
  /**
   * Tokens added per second; fractions allowed (0.5: one call every two seconds). 0: no
   * rate limit, while pauses after a 429 still hold calls up to `maxWaitMs`.
   */
  perSecond: number;
  /** The bucket's size: calls that may start together after a quiet spell. At least 1. */
  burst: number;
  /** The longest a call waits for a token or a pause; a longer wait fails at once with UPSTREAM_RATE_LIMITED. */
  maxWaitMs: number;
}

/**
 * Opens after `failures` consecutive transient failures (5xx, timeouts, network errors) of
 * the source's attempts; while open every call fails at once with UPSTREAM_CIRCUIT_OPEN;
 * after `halfOpenAfterMs` one call probes the upstream and its outcome closes or reopens it.
 */
export interface CircuitBreakerPolicy {
  /** Consecutive failed attempts that open the circuit; 0: no circuit breaker. */
  failures: number;
  halfOpenAfterMs: number;
}
