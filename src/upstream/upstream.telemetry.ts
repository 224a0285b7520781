import { channel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, context, createContextKey, trace, type Span } from '@opentelemetry/api';
import type { UpstreamErrorCode } from './upstream.errors.js';

/**
 * What the upstream core tells the world about its calls, for metrics, logs and traces,
 * without knowing who listens.
 *
 * Events go out on a Node diagnostics channel, the way undici and the HTTP server publish
 * theirs: the core stays free of the metrics and logging libraries, no vendor has to pass an
 * observer down to its clients, and a message costs nothing while nobody subscribes.
 *
 * Spans go through the OpenTelemetry API, which is a no-op until an SDK is registered
 * (`tracing` in the configuration).
 */
export const UPSTREAM_CHANNEL = 'eventgraph:upstream';

/** One real call (retries included), when it ended. */
export interface UpstreamCallEvent {
  type: 'call';
  source: string;
  /** The vendor's name of the API called, e.g. `ListImageRisks`. */
  api: string;
  /** HTTP status of the last answer; undefined when none arrived. */
  status: number | undefined;
  /** Undefined on success. */
  code: UpstreamErrorCode | undefined;
  durationMs: number;
  attempts: number;
}

/** A cacheable answer was looked up: in the cross-request cache, or shared with an identical call. */
export interface UpstreamCacheEvent {
  type: 'cache';
  source: string;
  api: string;
  /** `hit`: the cache answered; `shared`: an identical call in flight or in this request did; `miss`: a real call. */
  result: 'hit' | 'shared' | 'miss';
}

/** An attempt failed and is being made again. */
export interface UpstreamRetryEvent {
  type: 'retry';
  source: string;
  api: string;
}

/** A call waited at the source's gate (rate limit, or a pause a 429 set) before it started. */
export interface UpstreamWaitEvent {
  type: 'wait';
  source: string;
  waitedMs: number;
}

/** The source's circuit breaker changed state. */
export interface UpstreamCircuitEvent {
  type: 'circuit';
  source: string;
  state: 'closed' | 'open' | 'half-open';
}

export type UpstreamEvent = UpstreamCallEvent | UpstreamCacheEvent | UpstreamRetryEvent | UpstreamWaitEvent | UpstreamCircuitEvent;

const upstreamChannel = channel(UPSTREAM_CHANNEL);

/** Publishes an event; built only when someone listens. */
export function publishUpstream(event: () => UpstreamEvent): void {
  if (upstreamChannel.hasSubscribers) upstreamChannel.publish(event());
}

/** Subscribes to every upstream event; returns the unsubscribe function. */
export function subscribeUpstream(listener: (event: UpstreamEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as UpstreamEvent);
  upstreamChannel.subscribe(handler);
  return () => upstreamChannel.unsubscribe(handler);
}

// ---------------------------------------------------------------------------------------
// Spans

/** The tracer every eventgraph span is made with. */
export const TRACER_NAME = 'eventgraph';

/** Asked for at each span, not once: tracing may start (or restart) after this module loads. */
const tracer = () => trace.getTracer(TRACER_NAME);

/** The stream being read, so that the upstream calls made for it carry its key. */
const STREAM_KEY = createContextKey('eventgraph.stream');

/** Span attribute names: OpenTelemetry's semantic conventions where one exists. */
export const SpanAttribute = {
  SOURCE: 'eventgraph.source',
  STREAM: 'eventgraph.stream',
  API: 'eventgraph.upstream.api',
  ATTEMPTS: 'eventgraph.upstream.attempts',
  ERROR_CODE: 'error.type',
  METHOD: 'http.request.method',
  STATUS: 'http.response.status_code',
  PATH: 'url.path',
} as const;

/** Runs one read of a stream in a `stream.read` span, which its upstream calls are children of. */
export function inStreamSpan<T>(source: string, stream: string, read: () => Promise<T>): Promise<T> {
  const active = context.active().setValue(STREAM_KEY, stream);
  return context.with(active, () =>
    tracer().startActiveSpan('stream.read', { attributes: { [SpanAttribute.SOURCE]: source, [SpanAttribute.STREAM]: stream } }, (span) =>
      ended(span, read),
    ),
  );
}

export interface UpstreamSpanStart {
  source: string;
  api: string;
  method: string;
  path: string;
}

/**
 * Runs one upstream call in a CLIENT span; what the call starts itself (an IAM token
 * request) nests below it. `run` reports the outcome on the span it is handed.
 */
export function inUpstreamSpan<T>(start: UpstreamSpanStart, run: (span: Span) => Promise<T>): Promise<T> {
  const stream = context.active().getValue(STREAM_KEY);
  return tracer().startActiveSpan(
    `upstream ${start.api}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [SpanAttribute.SOURCE]: start.source,
        [SpanAttribute.API]: start.api,
        [SpanAttribute.METHOD]: start.method,
        [SpanAttribute.PATH]: start.path,
        ...(typeof stream === 'string' ? { [SpanAttribute.STREAM]: stream } : {}),
      },
    },
    (span) => ended(span, () => run(span)),
  );
}

async function ended<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
