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
  /** Cap on any one wait, in ms, including a Retry-After the upstream asks for. */
  retryMaxDelayMs: number;
  /** Upstream calls in flight at once for this source; more wait in a queue. */
  concurrency: number;
}
