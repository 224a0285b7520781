import {
  BulkheadRejectedError,
  DelegateBackoff,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  decorrelatedJitterGenerator,
  handleWhen,
  retry,
  timeout,
  type BulkheadPolicy,
  type IBackoff,
  type IRetryBackoffContext,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Span } from '@opentelemetry/api';
import { request } from 'undici';
import type { z } from 'zod';
import type { UpstreamPolicy } from './upstream.policy.js';
import { UpstreamError, codeForStatus, type UpstreamErrorCode } from './upstream.errors.js';
import { objectTag } from './object-tag.js';
import type { UpstreamCallCounts } from './upstream.calls.js';
import { currentRequestScope, runInRequestScope, type UpstreamRequestScope } from './upstream.scope.js';
import { SourceGovernor, type GovernorState } from './upstream.governor.js';
import { SpanAttribute, inUpstreamSpan, publishUpstream, type UpstreamCacheEvent } from './upstream.telemetry.js';
import { Redactor } from './upstream.redact.js';
import { buildQueryString, parseRetryAfter } from './upstream.url.js';

/**
 * The upstream HTTP core: one small base class that every vendor client extends. The policy
 * (timeouts, retries, concurrency, the source's rate limit, pauses and circuit breaker,
 * error mapping, per-request deduplication, the short cross-request cache, call counting,
 * keeping credentials out of error messages) lives here once; a vendor adapts it through
 * the overridable hooks below (`willSendRequest`, `errorFor`, `didReceiveUnauthorized`,
 * `cacheKeyFor`), in the manner of @apollo/datasource-rest's RESTDataSource.
 */

export type UpstreamMethod = 'GET' | 'POST';

/** A request as a vendor client describes it: unsigned, relative to the source's base URL. */
export interface UpstreamRequest {
  /**
   * The vendor's name of the API called (`DescribeWebhookTriggerLog`, `ListAuditLogs`): what
   * metrics, logs and traces group calls by, since paths carry ids.
   */
  api: string;
  method: UpstreamMethod;
  /**
   * Path below the base URL, already percent-encoded where a segment needs it (a client
   * encodes the ids it puts in a path with `encodeURIComponent`).
   */
  path: string;
  /** Undefined values are left out; everything else is sent, RFC 3986-encoded. */
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string;
  /** Reads are retried; default true for GET and false for anything else. */
  idempotent?: boolean;
  /**
   * Whether identical requests may share one answer: within a request (deduplication) and
   * across requests (the cache, for `cacheTtlSeconds`). Default: every idempotent request.
   * A request that is safe to repeat but whose every answer is new must say false: an IAM
   * token request, whose provider asks again exactly because it wants a new token.
   */
  cacheable?: boolean;
  /**
   * How long the cross-request cache keeps this answer, instead of the client's
   * `cacheTtlSeconds`: for reference data that changes far more rarely than events.
   */
  cacheTtlSeconds?: number;
}

/** The request as it goes on the wire, handed to `willSendRequest` on every attempt. */
export interface PreparedRequest {
  method: UpstreamMethod;
  /** Final URL, query included. */
  url: URL;
  /** Lower-case names. Mutable: signing adds its headers here. */
  headers: Record<string, string>;
  /** '' when there is none; a signer hashes exactly this. */
  body: string;
}

export interface UpstreamResponse<T> {
  data: T;
  status: number;
  headers: ResponseHeaders;
  /** When the upstream answered (epoch ms): an answer from the cache is as old as this. */
  receivedAt: number;
}

/** One observation per `request()` call (not per attempt), for metrics and tests. */
export interface UpstreamCallInfo {
  source: string;
  api: string;
  method: UpstreamMethod;
  path: string;
  /** Status of the last HTTP answer, if any arrived. */
  status?: number;
  /** HTTP attempts made, retries and the re-authenticated retry included. */
  attempts: number;
  durationMs: number;
  error?: Error;
}

export type UpstreamCallListener = (info: UpstreamCallInfo) => void;

export interface UpstreamClientOptions {
  /** Name of the configured source; every error carries it. */
  sourceName: string;
  baseUrl: string;
  policy: UpstreamPolicy;
  onCall?: UpstreamCallListener;
  /**
   * Calls allowed to wait for a concurrency slot before new ones are refused with
   * UPSTREAM_RATE_LIMITED. Unbounded by default: the callers are GraphQL requests, already
   * bounded by the server, and refusing part of a burst would turn a slow answer into a
   * partial one. Set it where a caller can fan out without bound.
   */
  queueLimit?: number;
  /**
   * How long a successful answer to a cacheable request serves identical requests, in
   * seconds (fractions allowed). 0 or absent: no cross-request cache. The configuration
   * gives every source a short default (see `cacheTtlSeconds` in config.schema.ts).
   */
  cacheTtlSeconds?: number;
  /** Where answers are kept; by default in memory, bounded by size. */
  cache?: KeyValueCache<CachedAnswer>;
  /**
   * The source's credentials (keys, passwords, tokens): no error this client throws may
   * carry one, whatever the upstream echoes back. A password in the base URL's userinfo is
   * added by the core itself.
   */
  secrets?: readonly (string | undefined)[];
}

/** A validated answer as the cross-request cache keeps it. */
export interface CachedAnswer {
  response: UpstreamResponse<unknown>;
  /** Length of the body as it came, to bound the cache by size. */
  size: number;
}

/**
 * Per source. Answers are kept validated (not as text) so that a hit costs no parsing; the
 * bound is on the size of the bodies they came from.
 */
const DEFAULT_CACHE_BYTES = 16 * 2 ** 20;

/** Who answered a cacheable request; undefined when no cache was asked (no TTL). */
type CacheResult = UpstreamCacheEvent['result'] | undefined;

interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

export abstract class UpstreamClient {
  readonly sourceName: string;
  protected readonly baseUrl: URL;
  protected readonly policy: UpstreamPolicy;
  private readonly onCall: UpstreamCallListener | undefined;
  private readonly cacheTtlSeconds: number;
  private readonly cache: KeyValueCache<CachedAnswer>;
  /** Cache misses being answered, so that concurrent identical requests share one call. */
  private readonly pendingAnswers = new Map<string, Promise<UpstreamResponse<unknown>>>();

  /**
   * Retries, for idempotent requests only. A POST that timed out may have been applied
   * upstream, so only a request the caller marks as safe to repeat is repeated.
   *
   * Only transient failures are retried (429, 5xx, connection errors, timeouts; see
   * `UpstreamError.transient`): a 4xx or an unreadable body will be the same next time.
   *
   * The wait is exponential with decorrelated jitter from `retryBaseDelayMs` (cockatiel's
   * default generator, from Polly), so that many requests failing together do not come back
   * together. When the upstream says how long to wait (`Retry-After`, on a 429 or 503) we
   * wait that long instead: retrying sooner only earns another 429. Both are capped at
   * `retryMaxDelayMs`, so one upstream cannot hold a GraphQL request hostage for an hour.
   */
  private readonly retryPolicy: RetryPolicy;

  /**
   * Concurrency limit per source, with a queue. Vendors throttle per account (Huawei's API
   * gateway answers 429 beyond its per-user rate) and one GraphQL query can fan out to many
   * streams; the bulkhead keeps our share polite. It wraps each attempt, not the whole call,
   * so a request sleeping in backoff does not hold a slot that another could use.
   */
  private readonly bulkheadPolicy: BulkheadPolicy;

  /**
   * Per-attempt timeout. It aborts the request (and the reading of the body) so that a hung
   * connection is released, and it is per attempt so that a retry gets a full budget. The
   * aggressive strategy rejects at the deadline even if something ignores the abort signal.
   */
  private readonly timeoutPolicy: TimeoutPolicy;

  /**
   * Failures of `willSendRequest` (say, the IAM token request) are not retried here: the
   * auth provider's own client has already applied its retry policy, and retrying on top
   * would multiply the attempts.
   */
  private readonly preparationFailures = new WeakSet<object>();

  /**
   * The source's protection across requests: its rate limit, the pause a 429 or a
   * Retry-After sets for every request, and its circuit breaker (upstream.governor.ts).
   * Per client, and a client lives as long as its configured source, so every request
   * to the source meets the same one.
   */
  private readonly governor: SourceGovernor;

  /** Replaces the source's credentials in every error that leaves the client. */
  private readonly redactor: Redactor;

  constructor(options: UpstreamClientOptions) {
    this.sourceName = options.sourceName;
    const baseUrl = new URL(options.baseUrl);
    // Userinfo is never sent (undici ignores it) and would otherwise reach cache keys and,
    // through a URL in a message, a log. Dropped here, and its password kept as a secret.
    const userinfo = [baseUrl.username, baseUrl.password].map((part) => safeDecode(part));
    baseUrl.username = '';
    baseUrl.password = '';
    this.baseUrl = baseUrl;
    this.redactor = new Redactor([...(options.secrets ?? []), ...userinfo.slice(1)]);
    this.policy = options.policy;
    this.onCall = options.onCall;
    this.cacheTtlSeconds = options.cacheTtlSeconds ?? 0;
    this.cache =
      options.cache ??
      new InMemoryLRUCache<CachedAnswer>({ maxSize: DEFAULT_CACHE_BYTES, sizeCalculation: (answer) => Math.max(1, answer.size) });

    const jitter = new ExponentialBackoff({
      generator: decorrelatedJitterGenerator,
      initialDelay: options.policy.retryBaseDelayMs,
      maxDelay: options.policy.retryMaxDelayMs,
    });
    const maxDelay = options.policy.retryMaxDelayMs;
    this.governor = new SourceGovernor({
      source: this.sourceName,
      policy: options.policy,
      isUpstreamFailure: (error) => !this.preparationFailures.has(error),
    });
    this.retryPolicy = retry(
      // Not a call the governor stopped (the refusal already said how long the wait is), and
      // not once the circuit is open: the call that opened it fails with the upstream's own
      // error, not with a refusal of its next attempt.
      handleWhen(
        (error) =>
          error instanceof UpstreamError &&
          error.transient &&
          !this.preparationFailures.has(error) &&
          !this.governor.isRefusal(error) &&
          !this.governor.circuitIsOpen,
      ),
      {
        maxAttempts: options.policy.retries,
        // The exponential series advances on every retry, Retry-After or not, so a later
        // retry without the header still backs off further than the first one did.
        backoff: new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((context, previous) => {
          const next = previous ? previous.next(undefined) : jitter.next();
          const failure = 'error' in context.result ? context.result.error : undefined;
          const asked = failure instanceof UpstreamError ? failure.retryAfterMs : undefined;
          const delay = Math.min(asked ?? next.duration, maxDelay);
          return { delay, state: next };
        }),
      },
    );
    this.bulkheadPolicy = bulkhead(options.policy.concurrency, options.queueLimit ?? Number.POSITIVE_INFINITY);
    // The body is read inside the timeout, so a call that returned has nothing left to
    // abort; aborting anyway builds an AbortError (a DOMException) per call, a few percent
    // of a cold page's CPU time.
    this.timeoutPolicy = timeout(options.policy.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  }

  // ---------------------------------------------------------------------------------------
  // Hooks

  /**
   * Runs on every attempt, after the request is final (URL with query, headers, body) and
   * just before it is sent. Signing belongs here: a signature and its timestamp are then
   * fresh on each retry (Huawei refuses more than 15 minutes of skew, Tencent refuses a
   * replayed nonce) and never reach `cacheKeyFor`, which sees the unsigned request.
   *
   * `calls` is the tally of the call being sent: an upstream call the hook makes for it (an
   * IAM token request) is handed it, so that it counts for the reader that needed it.
   */
  protected willSendRequest(_request: PreparedRequest, _calls: UpstreamCallCounts | undefined): Promise<void> | void {}

  /**
   * Key for the per-request deduplication and the cross-request cache: method, URL and body of the unsigned request, so two
   * identical questions share an answer whatever their signatures. The source name is part
   * of it because two sources can send the same unsigned request to the same URL with
   * different accounts (Tencent's legacy API keeps the account out of the URL until it is
   * signed). Headers are left out: the ones we set are per source or auth. A vendor whose
   * answer depends on a request header (bk-repo's `X-BKREPO-Time-Zone`) overrides this.
   */
  cacheKeyFor(request: UpstreamRequest): string {
    const url = this.urlFor(request).href;
    return request.body ? `${this.sourceName} ${request.method} ${url}\n${request.body}` : `${this.sourceName} ${request.method} ${url}`;
  }

  /**
   * Lets a vendor read its own answer. Called for EVERY response, 2xx included, with the
   * parsed JSON body (the raw text when it is not JSON, undefined when empty): some vendors
   * report errors inside a 200 (Tencent's `code != 0`, bk-repo's envelope). Return an
   * UpstreamError to fail the attempt; its code decides whether it is retried. Return
   * undefined to accept a 2xx or to get the default mapping of an error status
   * (`codeForStatus`).
   */
  protected errorFor(_status: number, _body: unknown): UpstreamError | undefined {
    return undefined;
  }

  /**
   * Called after a 401 answer. Return true to send the request once more, e.g. after
   * dropping a cached IAM token that the upstream revoked before its expiry. It is asked once
   * per call: a second 401 means the credentials themselves are wrong. Retrying is safe even
   * for a POST because a 401 comes from the gateway, before the request reached the service.
   */
  protected didReceiveUnauthorized(_request: PreparedRequest): Promise<boolean> {
    return Promise.resolve(false);
  }

  // ---------------------------------------------------------------------------------------
  // Requests

  /**
   * Sends a request through the policies and validates the JSON answer with `schema`.
   * `calls`, the tally of the reader asking (a timeline page), gets the call if it is a real
   * one, and how long the answer may serve in any case; without it only the request counts it.
   */
  protected async request<T>(request: UpstreamRequest, schema: z.ZodType<T>, calls?: UpstreamCallCounts): Promise<T> {
    return (await this.requestWithResponse(request, schema, calls)).data;
  }

  /**
   * As `request`, also returning the status and headers (an IAM token comes in a header).
   *
   * A cacheable request (see `UpstreamRequest.cacheable`) is answered, in this order: by
   * the same request already made in this GraphQL request (the request scope's DataLoader),
   * by the cross-request cache while the answer is younger than `cacheTtlSeconds`, by an
   * identical call already on its way, and only then by the upstream. Only a validated
   * success is cached; a failure reaches every caller that shared the call, and the next
   * request asks again. A `fresh` tally's calls skip all of it and go to the upstream.
   */
  protected async requestWithResponse<T>(
    request: UpstreamRequest,
    schema: z.ZodType<T>,
    calls?: UpstreamCallCounts,
  ): Promise<UpstreamResponse<T>> {
    const scope = currentRequestScope();
    let response: UpstreamResponse<T>;
    if (!this.isCacheable(request) || calls?.fresh) {
      response = (await this.send(request, schema, calls, scope)).response;
    } else {
      // The schema is part of the key: two callers validating one URL differently must not
      // receive each other's parsed answer.
      const key = `${this.cacheKeyFor(request)}\n${objectTag(schema)}`;
      // Only the load that asks sets this: a load the request scope answered was shared.
      let result: CacheResult = 'shared';
      // A shared call is sent for the first asker's tally, which the scope keeps with the load.
      const answer = (first: UpstreamCallCounts | undefined) =>
        this.cachedOrSent(key, request, schema, first, scope, (found) => {
          result = found;
        });
      response = await (scope ? (scope.load(this, key, calls, answer) as Promise<UpstreamResponse<T>>) : answer(calls));
      if (result !== undefined) this.noteCacheResult(request, result, scope);
    }
    // Every caller notes how long what it was given may serve, shared or cached alike, so
    // that what is built from it (a timeline page) is kept no longer than the answer may be.
    const servableUntil = response.receivedAt + Math.max(this.ttlOf(request), 0) * 1000;
    calls?.answered(this.sourceName, servableUntil);
    scope?.calls.answered(this.sourceName, servableUntil);
    return response;
  }

  private isCacheable(request: UpstreamRequest): boolean {
    return request.cacheable ?? request.idempotent ?? request.method === 'GET';
  }

  /** How long the cross-request cache may serve this request's answer, in seconds; 0 for none. */
  private ttlOf(request: UpstreamRequest): number {
    return this.isCacheable(request) ? (request.cacheTtlSeconds ?? this.cacheTtlSeconds) : 0;
  }

  private noteCacheResult(request: UpstreamRequest, result: UpstreamCacheEvent['result'], scope: UpstreamRequestScope | undefined): void {
    if (result === 'hit') scope?.cacheHit(this.sourceName);
    publishUpstream(() => ({ type: 'cache', source: this.sourceName, api: request.api, result }));
  }

  /** `found` learns who answered; undefined when there is no cross-request cache to ask. */
  private async cachedOrSent<T>(
    key: string,
    request: UpstreamRequest,
    schema: z.ZodType<T>,
    calls: UpstreamCallCounts | undefined,
    scope: UpstreamRequestScope | undefined,
    found: (result: CacheResult) => void,
  ): Promise<UpstreamResponse<T>> {
    const ttl = this.ttlOf(request);
    found(undefined);
    if (ttl <= 0) return (await this.send(request, schema, calls, scope)).response;
    const hit = await this.cache.get(key);
    found(hit ? 'hit' : this.pendingAnswers.has(key) ? 'shared' : 'miss');
    if (hit) return hit.response as UpstreamResponse<T>;
    const pending = this.pendingAnswers.get(key);
    if (pending) return pending as Promise<UpstreamResponse<T>>;
    const call = (async () => {
      const { response, size } = await this.send(request, schema, calls, scope);
      await this.cache.set(key, { response, size }, { ttl });
      return response;
    })();
    this.pendingAnswers.set(key, call);
    try {
      return await call;
    } finally {
      this.pendingAnswers.delete(key);
    }
  }

  /**
   * One real call, through the policies: the only place that talks to the upstream. It
   * counts for `calls`, the tally of the reader that started it, and for `scope`, its request,
   * and it is one span of the trace and one `call` event (upstream.telemetry.ts).
   */
  private send<T>(
    request: UpstreamRequest,
    schema: z.ZodType<T>,
    calls: UpstreamCallCounts | undefined,
    scope: UpstreamRequestScope | undefined,
  ): Promise<{ response: UpstreamResponse<T>; size: number }> {
    const start = { source: this.sourceName, api: request.api, method: request.method, path: this.urlFor(request).pathname };
    return inUpstreamSpan(start, (span) => this.sendThroughPolicies(request, schema, calls, scope, span));
  }

  private async sendThroughPolicies<T>(
    request: UpstreamRequest,
    schema: z.ZodType<T>,
    calls: UpstreamCallCounts | undefined,
    scope: UpstreamRequestScope | undefined,
    span: Span,
  ): Promise<{ response: UpstreamResponse<T>; size: number }> {
    const started = performance.now();
    let counted = false;
    let size = 0;
    let attempts = 0;
    let status: number | undefined;
    let unauthorized: PreparedRequest | undefined;

    const attemptOnce = async (): Promise<UpstreamResponse<T>> => {
      unauthorized = undefined;
      if (attempts > 0) publishUpstream(() => ({ type: 'retry', source: this.sourceName, api: request.api }));
      // Before anything is prepared: a call the governor stops (circuit open, a pause or a
      // wait for a token longer than it may wait) makes no attempt and counts nowhere.
      const waitedMs = await this.governor.admit();
      if (waitedMs > 0) publishUpstream(() => ({ type: 'wait', source: this.sourceName, waitedMs }));
      attempts += 1;
      const prepared = this.prepare(request);
      return this.governor.run(async () => {
        const raw = await this.bulkheadPolicy
          .execute(
            // Run in this call's request: a call that waited for a slot resumes in the context of
            // whichever call freed it, and what `willSendRequest` starts (an IAM token request)
            // belongs to this request, not to that one.
            () => runInRequestScope(scope, async () => {
              // Signed inside the slot, so that time spent queueing does not age the signature.
              try {
                await this.willSendRequest(prepared, calls);
              } catch (error) {
                if (typeof error === 'object' && error !== null) this.preparationFailures.add(error);
                throw error;
              }
              // One logical call counts once, however many attempts it takes (retries, the
              // re-authenticated retry after a 401): `upstreamCalls` reports the questions we
              // asked, and the attempts stay visible in `UpstreamCallInfo.attempts`. A call
              // that failed before anything was sent (its IAM token refused) is not counted.
              if (!counted) {
                counted = true;
                calls?.add(this.sourceName);
                scope?.calls.add(this.sourceName);
              }
              return this.exchange(prepared);
            }),
          )
          .catch((error: unknown) => {
            if (error instanceof BulkheadRejectedError) {
              throw this.error('UPSTREAM_RATE_LIMITED', `too many calls to ${this.sourceName} waiting for a slot`, { cause: error });
            }
            throw error;
          });
        status = raw.status;
        size = raw.text.length;
        // Read inside the breaker, so that it counts a 5xx (and a vendor's outage code in a
        // 200) as the failure it is, not as an answer.
        try {
          const response = this.interpret(prepared, raw, schema);
          this.governor.observe(undefined);
          return response;
        } catch (error) {
          if (raw.status === 401) unauthorized = prepared;
          if (error instanceof UpstreamError) this.governor.observe(error);
          throw error;
        }
      });
    };

    const idempotent = request.idempotent ?? request.method === 'GET';
    const run = (): Promise<UpstreamResponse<T>> => (idempotent ? this.retryPolicy.execute(attemptOnce) : attemptOnce());

    let failure: Error | undefined;
    try {
      try {
        return { response: await run(), size };
      } catch (error) {
        // Only a 401 from the upstream itself; a failure inside `willSendRequest` (an IAM
        // token request refused, say) would fail the same way again.
        if (unauthorized && (await this.didReceiveUnauthorized(unauthorized))) return { response: await run(), size };
        throw error;
      }
    } catch (error) {
      // The one exit of every failure: whatever the upstream echoed (a key in an error
      // message, say) leaves without the source's credentials.
      const redacted = error instanceof UpstreamError ? this.redactor.error(error) : error;
      failure = redacted instanceof Error ? redacted : new Error(String(redacted));
      throw redacted;
    } finally {
      const durationMs = performance.now() - started;
      const code = failure instanceof UpstreamError ? failure.code : failure ? 'UPSTREAM_UNAVAILABLE' : undefined;
      if (code) scope?.failed(this.sourceName);
      span.setAttribute(SpanAttribute.ATTEMPTS, attempts);
      if (status !== undefined) span.setAttribute(SpanAttribute.STATUS, status);
      if (code) span.setAttribute(SpanAttribute.ERROR_CODE, code);
      publishUpstream(() => ({ type: 'call', source: this.sourceName, api: request.api, status, code, durationMs, attempts }));
      this.observe({
        source: this.sourceName,
        api: request.api,
        method: request.method,
        path: request.path,
        ...(status === undefined ? {} : { status }),
        attempts,
        durationMs,
        ...(failure ? { error: failure } : {}),
      });
    }
  }

  /** The source's governors as they stand: circuit state, pause, wait for a token. */
  governorState(): GovernorState {
    return this.governor.state();
  }

  /** The final URL of a request: base URL path + request path, then the query. */
  protected urlFor(request: UpstreamRequest): URL {
    const url = new URL(this.baseUrl.href);
    const prefix = url.pathname.replace(/\/+$/, '');
    url.pathname = prefix + (request.path.startsWith('/') ? request.path : `/${request.path}`);
    url.search = buildQueryString(request.query);
    url.hash = '';
    return url;
  }

  /** Builds an error of this source; for vendor `errorFor` hooks. */
  protected error(
    code: UpstreamErrorCode,
    message: string,
    extra: { status?: number; upstreamCode?: string; upstreamMessage?: string; cause?: unknown } = {},
  ): UpstreamError {
    return new UpstreamError({ code, source: this.sourceName, message, ...extra });
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  /** A fresh copy per attempt: a signer mutates it, and a retry must not see the old one. */
  private prepare(request: UpstreamRequest): PreparedRequest {
    const headers: Record<string, string> = { accept: 'application/json' };
    const body = request.body ?? '';
    if (body !== '') headers['content-type'] = 'application/json';
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    return { method: request.method, url: this.urlFor(request), headers, body };
  }

  /** One HTTP exchange under the per-attempt timeout; the body is read inside it too. */
  private async exchange(prepared: PreparedRequest): Promise<RawResponse> {
    try {
      return await this.timeoutPolicy.execute(async ({ signal }) => {
        // undici's own `request`, not `fetch`: the same client underneath, without the WHATWG
        // streams and objects that made up a third of a cold page's CPU time (BENCHMARKS.md).
        const response = await request(prepared.url, {
          method: prepared.method,
          headers: prepared.headers,
          ...(prepared.method === 'GET' || prepared.body === '' ? {} : { body: prepared.body }),
          signal,
        });
        return { status: response.statusCode, headers: new ResponseHeaders(response.headers), text: await response.body.text() };
      });
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      const what = `${prepared.method} ${prepared.url.pathname}`;
      // undici's own AbortError can win the race against cockatiel's TaskCancelledError;
      // no one else aborts our requests, so both mean the deadline passed.
      if (error instanceof TaskCancelledError || (error instanceof Error && error.name === 'AbortError')) {
        throw this.error('UPSTREAM_TIMEOUT', `${what} timed out after ${this.policy.timeoutMs}ms`, { cause: error });
      }
      throw this.error('UPSTREAM_UNAVAILABLE', `${what} failed: ${describeNetworkError(error)}`, { cause: error });
    }
  }

  private interpret<T>(prepared: PreparedRequest, raw: RawResponse, schema: z.ZodType<T>): UpstreamResponse<T> {
    const what = `${prepared.method} ${prepared.url.pathname}`;
    let body: unknown;
    let isJson = true;
    if (raw.text.trim() === '') {
      body = undefined;
    } else {
      try {
        body = JSON.parse(raw.text);
      } catch {
        isJson = false;
        body = raw.text;
      }
    }
    const ok = raw.status >= 200 && raw.status < 300;
    const retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'));

    const vendorError = this.errorFor(raw.status, body);
    if (vendorError) throw withRetryAfter(vendorError, retryAfterMs);
    if (!ok) {
      throw new UpstreamError({
        code: codeForStatus(raw.status),
        source: this.sourceName,
        status: raw.status,
        message: `${what} answered HTTP ${raw.status}${snippet(raw.text)}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (!isJson) {
      throw this.error('UPSTREAM_BAD_RESPONSE', `${what} answered HTTP ${raw.status} with a body that is not JSON${snippet(raw.text)}`, {
        status: raw.status,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw this.error('UPSTREAM_BAD_RESPONSE', `${what} answered with an unexpected shape: ${describeIssues(parsed.error.issues)}`, {
        status: raw.status,
        cause: parsed.error,
      });
    }
    return { data: parsed.data, status: raw.status, headers: raw.headers, receivedAt: Date.now() };
  }

  private observe(info: UpstreamCallInfo): void {
    if (!this.onCall) return;
    try {
      this.onCall(info);
    } catch {
      // An observer must never change the outcome of the call it observes.
    }
  }
}

function withRetryAfter(error: UpstreamError, retryAfterMs: number | undefined): UpstreamError {
  if (retryAfterMs === undefined || error.retryAfterMs !== undefined) return error;
  return new UpstreamError({
    code: error.code,
    source: error.source,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.upstreamCode === undefined ? {} : { upstreamCode: error.upstreamCode }),
    ...(error.upstreamMessage === undefined ? {} : { upstreamMessage: error.upstreamMessage }),
    retryAfterMs,
    cause: error.cause,
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Names the field that was wrong, e.g. `events[0].occur_time: expected number, received string`. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path
      .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
      .join('');
    return `${path === '' ? '(root)' : path}: ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

function snippet(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  return `: ${trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed}`;
}

/** The reason with its code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET), which says the most. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code && !error.message.includes(code)) return `${error.message} (${code})`;
  const cause = error.cause;
  if (cause instanceof Error) {
    const causeCode = (cause as NodeJS.ErrnoException).code;
    return causeCode ? `${error.message} (${causeCode})` : `${error.message} (${cause.message})`;
  }
  return error.message || code || 'connection failed';
}

/** An answer's headers, read by name whatever the case, as `Headers.get` reads them. */
export class ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}
