/**
 * Errors of the upstream HTTP core. Every vendor client throws only `UpstreamError`, so the
 * layers above see one small vocabulary whatever the vendor. The GraphQL layer turns `code`
 * into `extensions.code` and `source` into `extensions.source`; nothing here knows GraphQL.
 */

export type UpstreamErrorCode =
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_BAD_RESPONSE'
  /** The source's circuit breaker is open: it kept failing, so the call was not sent. */
  | 'UPSTREAM_CIRCUIT_OPEN';

export interface UpstreamErrorOptions {
  code: UpstreamErrorCode;
  /** Name of the configured source. */
  source: string;
  message: string;
  /** HTTP status of the upstream answer, when there was one. */
  status?: number;
  /** The vendor's own error code, e.g. `APIGW.0301` or `ModelArts.0104`. */
  upstreamCode?: string;
  /** The vendor's own error message, kept verbatim for logs and `errors[]`. */
  upstreamMessage?: string;
  /**
   * How long to wait before asking again, in milliseconds, when known: what the upstream
   * asked (`Retry-After`, not capped here), or, for a call the source's governors stopped,
   * how long its rate limit, pause or open circuit will keep it stopped.
   */
  retryAfterMs?: number;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly source: string;
  readonly status?: number;
  readonly upstreamCode?: string;
  readonly upstreamMessage?: string;
  readonly retryAfterMs?: number;

  constructor(options: UpstreamErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.source = options.source;
    // Assigned only when present, so `toEqual`/logs do not show `status: undefined`.
    if (options.status !== undefined) this.status = options.status;
    if (options.upstreamCode !== undefined) this.upstreamCode = options.upstreamCode;
    if (options.upstreamMessage !== undefined) this.upstreamMessage = options.upstreamMessage;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Whether trying the same request again may succeed. Only transient conditions qualify:
   * an auth failure, or an answer we cannot read, will be the same on the next attempt, and
   * retrying them only multiplies load on an upstream that already said no.
   */
  get transient(): boolean {
    return (
      this.code === 'UPSTREAM_UNAVAILABLE' ||
      this.code === 'UPSTREAM_TIMEOUT' ||
      this.code === 'UPSTREAM_RATE_LIMITED' ||
      this.code === 'UPSTREAM_CIRCUIT_OPEN'
    );
  }
}

/**
 * The default reading of an HTTP error status, for vendors whose error body adds nothing
 * (and as the base that vendor `errorFor` hooks refine with their own error code).
 *
 * Other 4xx (400, 404, 409, 422, ...) become UPSTREAM_BAD_RESPONSE. Such an answer means the
 * upstream understood us and refused what we asked: either our client built a bad request
 * (our bug) or it passed through a bad value from the user (e.g. an unknown service id).
 * Neither is an outage, so not UNAVAILABLE, and neither improves on retry. "The upstream did
 * not give us a usable answer" is the honest summary; the `status` and the vendor's
 * `upstreamCode`/`upstreamMessage` stay on the error so a caller that knows the value came
 * from the user (a 404 for a service id it was given) can say so precisely.
 */
export function codeForStatus(status: number): UpstreamErrorCode {
  if (status === 401 || status === 403) return 'UPSTREAM_AUTH_FAILED';
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  // 408 is the server giving up on waiting for our request: a timeout, and transient.
  if (status === 408) return 'UPSTREAM_TIMEOUT';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_BAD_RESPONSE';
}
