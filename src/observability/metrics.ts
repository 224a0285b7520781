import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamEvent } from '../upstream/upstream.telemetry.js';

/** How a GraphQL request ended, as its log line and metrics say. */
export type RequestOutcome =
  /** Data, no error. */
  | 'ok'
  /** Data and errors: a source failed, the rest answered. */
  | 'partial'
  /** Errors and no data: the document was refused, or every source failed. */
  | 'error'
  /** Turned away before GraphQL ran: authentication, the body, the queue. */
  | 'refused'
  /** The client went away before the whole answer was written. */
  | 'aborted';

export interface FinishedRequest {
  /** The operation's name; undefined for an anonymous one, or when none was parsed. */
  operation: string | undefined;
  outcome: RequestOutcome;
  durationMs: number;
}

const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

/**
 * Operation names come from clients, so they are bounded before they become label values:
 * a name that is not a plain GraphQL name of up to 64 characters, or one beyond the first
 * `MAX_OPERATIONS` distinct names, is counted as `(other)`.
 */
const MAX_OPERATIONS = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** The routes Apollo does not answer, counted as operations of their own: no GraphQL operation name has a dot. */
const ROUTE_OPERATIONS = new Set(['export.ndjson', 'export.csv']);

/**
 * eventgraph's Prometheus metrics (docs/operations.md lists them), in a registry of their
 * own so that two servers in one process (tests) never share counts. The server feeds them:
 * the upstream events of its own sources (`observeUpstream`), and each finished request.
 */
/** What the live tail holds at a scrape (the timeline's TailHub.stats(), read through the server). */
export interface TailGauges {
  /** Subscription connections open, WebSocket and SSE. */
  connections: number;
  subscriptions: number;
  pollers: number;
  buffered: number;
  droppedTotal: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();

  private readonly requests = new Counter({
    name: 'eventgraph_graphql_requests_total',
    help: 'GraphQL requests, by operation name and outcome (ok, partial, error, refused, aborted).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'eventgraph_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request arriving to its answer being sent, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [this.registry],
  });
  private readonly upstreamCalls = new Counter({
    name: 'eventgraph_upstream_calls_total',
    help: 'Upstream calls (retries included in one call), by source, API, HTTP status of the last answer ("" when none came) and error code ("" on success).',
    labelNames: ['source', 'api', 'status', 'code'] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'eventgraph_upstream_call_duration_seconds',
    help: 'Duration of upstream calls, waits and retries included, by source and API.',
    labelNames: ['source', 'api'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'eventgraph_upstream_retries_total',
    help: 'Upstream attempts made again after a transient failure, by source and API.',
    labelNames: ['source', 'api'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitWaits = new Counter({
    name: 'eventgraph_upstream_rate_limit_waits_total',
    help: "Upstream calls that waited for the source's rate limit or for a pause a 429 set, by source.",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitWaitSeconds = new Counter({
    name: 'eventgraph_upstream_rate_limit_wait_seconds_total',
    help: "Time upstream calls spent waiting for the source's rate limit or a pause, by source.",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly circuit = new Gauge({
    name: 'eventgraph_upstream_circuit_state',
    help: "The source's circuit breaker: 1 for its current state (closed, half-open, open), 0 for the others.",
    labelNames: ['source', 'state'] as const,
    registers: [this.registry],
  });
  private readonly cache = new Counter({
    name: 'eventgraph_upstream_cache_requests_total',
    help: 'Cacheable upstream reads, by source, API and result: hit (the cache answered), shared (an identical call did), miss (a real call).',
    labelNames: ['source', 'api', 'result'] as const,
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'eventgraph_upstream_last_success_timestamp_seconds',
    help: 'When a call to the source last succeeded (Unix time): how fresh what it serves can be.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private tailStats: (() => TailGauges) | undefined;
  private tailDroppedSeen = 0;
  private readonly tailDropped = new Counter({
    name: 'eventgraph_tail_dropped_items_total',
    help: "Live-tail items dropped because a client read too slowly and its buffer was full.",
    registers: [this.registry],
    collect: () => {
      const total = this.tailStats?.().droppedTotal ?? 0;
      if (total > this.tailDroppedSeen) this.tailDropped.inc(total - this.tailDroppedSeen);
      this.tailDroppedSeen = total;
    },
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // The tail's gauges are read from the hub when scraped: nothing to keep in step.
    this.tailGauge('eventgraph_tail_connections', 'Subscription connections open, WebSocket and SSE together (at most server.tail.maxConnections).', (stats) => stats.connections);
    this.tailGauge('eventgraph_tail_subscriptions', 'Live-tail subscriptions open (eventTail), over WebSocket and SSE.', (stats) => stats.subscriptions);
    this.tailGauge('eventgraph_tail_pollers', 'Live-tail pollers running: one per stream and filter, shared by every subscriber of the pair.', (stats) => stats.pollers);
    this.tailGauge(
      'eventgraph_tail_buffered_items',
      "Live-tail items waiting in subscribers' buffers for slow clients (each buffer is bounded by server.tail.maxBuffered).",
      (stats) => stats.buffered,
    );
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the tail's gauges and dropped count are read from, at each scrape. */
  watchTail(stats: () => TailGauges): void {
    this.tailStats = stats;
  }

  private tailGauge(name: string, help: string, read: (stats: TailGauges) => number): void {
    const metrics = this;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const stats = metrics.tailStats?.();
        this.set(stats ? read(stats) : 0);
      },
    });
  }

  /** The configured sources, so that each has a circuit state before its first call. */
  setSources(names: readonly string[]): void {
    for (const source of names) this.setCircuit(source, 'closed');
  }

  observeRequest(request: FinishedRequest): void {
    const labels = { operation: this.operationLabel(request.operation), outcome: request.outcome };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, request.durationMs / 1000);
  }

  /** The text exposition format, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  observeUpstream(event: UpstreamEvent): void {
    switch (event.type) {
      case 'call':
        this.upstreamCalls.inc({ source: event.source, api: event.api, status: event.status?.toString() ?? '', code: event.code ?? '' });
        this.upstreamDuration.observe({ source: event.source, api: event.api }, event.durationMs / 1000);
        if (event.code === undefined) this.lastSuccess.set({ source: event.source }, Date.now() / 1000);
        break;
      case 'cache':
        this.cache.inc({ source: event.source, api: event.api, result: event.result });
        break;
      case 'retry':
        this.retries.inc({ source: event.source, api: event.api });
        break;
      case 'wait':
        this.rateLimitWaits.inc({ source: event.source });
        this.rateLimitWaitSeconds.inc({ source: event.source }, event.waitedMs / 1000);
        break;
      case 'circuit':
        this.setCircuit(event.source, event.state);
        break;
    }
  }

  private setCircuit(source: string, state: (typeof CIRCUIT_STATES)[number]): void {
    for (const each of CIRCUIT_STATES) this.circuit.set({ source, state: each }, each === state ? 1 : 0);
  }

  private operationLabel(name: string | undefined): string {
    if (name === undefined) return '(anonymous)';
    if (ROUTE_OPERATIONS.has(name)) return name;
    if (!OPERATION_NAME.test(name)) return '(other)';
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATIONS) return '(other)';
    this.operations.add(name);
    return name;
  }
}
