import { execute, GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { UpstreamRequestScope } from '../../upstream/upstream.scope.js';
import { MAX_PAGE_SIZE } from '../../timeline/timeline.js';
import type { RequestContext } from '../context.js';
import { eventsFieldCost, sourceCosts, type EventsFieldArguments } from '../cost/source-cost.js';
import { formatError, QUERY_TOO_COSTLY } from '../errors.js';
import type { ExportNode, ExportShape } from './export-shape.js';

/*
 * An export is the `events` walk, run here page after page rather than by a client: the same
 * resolver, scopes, filter checks, cursors and partial failures, so that a file equals what
 * paging `events` gives. Each page runs as a request of its own: its own deadline, its own
 * per-request caches (which would otherwise hold the whole export) and its own upstream scope.
 */

export interface ExportQuery {
  /** An `EventFilter` input value, as a client would send it in variables. */
  filter: Record<string, unknown>;
  order: 'ASC' | 'DESC';
  /** A cursor of `events` (same filter and order), or an export's `nextCursor`. */
  after?: string;
  /** At most this many events; every event when undefined. */
  limit?: number;
}

/** How one source fared in one page, as `events` reports it. */
export interface PageSourceReport {
  source: { name: string };
  status: 'OK' | 'PARTIAL' | 'FAILED' | 'SKIPPED';
  events: number;
  upstreamCalls: number;
  error: { code: string; message: string } | null;
}

export interface ExportPage {
  nodes: ExportNode[];
  /** The cursor after the page's last event; null for a page without events. */
  endCursor: string | null;
  hasNextPage: boolean;
  /** The snapshot time the first page pinned (ISO). */
  asOf: string;
  sources: PageSourceReport[];
}

/** What the export document's `events` field answers. */
interface EventsAnswer {
  /** A DateTime: execution leaves it a Date, which JSON writes as ISO text. */
  asOf: Date | string;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  sources: PageSourceReport[];
  edges: { node: ExportNode }[];
}

/** Why a walk ended: it reached the end, gave `limit` events, or would have spent more than its budget. */
export type ExportStop = 'END' | 'LIMIT' | 'BUDGET';

/** A refusal before anything is sent: an error as POST /graphql formats it, with its HTTP status. */
export class ExportRefused extends Error {
  constructor(
    readonly error: GraphQLFormattedError,
    readonly status: number,
    /** What went wrong, for the log, when it is not the client's error. */
    readonly reason?: unknown,
  ) {
    super(error.message);
  }
}

export interface ExportRuntime {
  schema: GraphQLSchema;
  shape: ExportShape;
  /** A new request context of the caller, for one page. */
  context(): RequestContext;
}

/**
 * The pages of one export, in order. The first page is read when the walk is asked for it,
 * and a refusal then (a bad filter, a forbidden source, a cursor of another query, a budget
 * too small for one page) is thrown as ExportRefused, before the caller has sent anything.
 * Later pages never throw for the client's input: a source that fails is in the page's
 * reports, and the cursors carry its streams back.
 */
export class ExportWalk {
  /** Real upstream calls so far: what the budget is charged. */
  upstreamCalls = 0;
  events = 0;
  stopped: ExportStop | undefined;
  private asOf: string | undefined;

  constructor(
    private readonly runtime: ExportRuntime,
    private readonly query: ExportQuery,
    /** `limits.maxExportCost`: the upstream calls the whole export may make. */
    private readonly budget: number,
  ) {}

  async *pages(signal: AbortSignal): AsyncGenerator<ExportPage> {
    let next = this.start(this.query.after);
    while (typeof next !== 'string') {
      const page = await next;
      if (signal.aborted) return;
      this.asOf ??= page.asOf;
      this.events += page.nodes.length;
      this.upstreamCalls += page.sources.reduce((sum, report) => sum + report.upstreamCalls, 0);
      // The next page is read while this one is written: the vendors' latency and the
      // client's overlap, and the server holds two pages at most. A page without events ends
      // the walk even while streams lag: they failed again, and asking on would only fail
      // them again. The last cursor brings them back later.
      next = page.hasNextPage && page.endCursor !== null ? this.start(page.endCursor) : 'END';
      yield page;
    }
    this.stopped = next;
  }

  /**
   * Starts reading the page after `after`, or says why there is none: `limit` events were
   * given, or the page would go over the budget. Before the first page, that is a refusal.
   */
  private start(after: string | undefined): Promise<ExportPage> | ExportStop {
    const size = this.nextSize();
    if (size === 0) return 'LIMIT';
    const context = this.runtime.context();
    const estimate = eventsFieldCost(sourceCosts(context.sources), { first: size, filter: this.query.filter as EventsFieldArguments['filter'] });
    if (this.upstreamCalls + estimate > this.budget) {
      if (this.asOf === undefined) throw this.tooCostly(estimate);
      return 'BUDGET';
    }
    const reading = this.read(context, size, after);
    // Awaited when its turn comes; a client that left before then never does.
    reading.catch(() => undefined);
    return reading;
  }

  private nextSize(): number {
    const left = this.query.limit === undefined ? MAX_PAGE_SIZE : this.query.limit - this.events;
    return Math.min(MAX_PAGE_SIZE, left);
  }

  private async read(context: RequestContext, first: number, after: string | undefined): Promise<ExportPage> {
    const variableValues = { first, after, filter: this.query.filter, order: this.query.order };
    const result = await new UpstreamRequestScope().run(() =>
      execute({ schema: this.runtime.schema, document: this.runtime.shape.document, variableValues, contextValue: context }),
    );
    const page = (result.data as { events?: EventsAnswer } | null | undefined)?.events;
    if (!page) throw refusal(result.errors?.[0]);
    return {
      nodes: page.edges.map((edge) => edge.node),
      endCursor: page.pageInfo.endCursor,
      hasNextPage: page.pageInfo.hasNextPage,
      asOf: new Date(page.asOf).toISOString(),
      sources: page.sources,
    };
  }

  private tooCostly(estimate: number): ExportRefused {
    const message = `one page of the export would make about ${estimate} upstream calls, over the export budget of ${this.budget} (limits.maxExportCost). Export fewer sources (sources, kinds)`;
    return new ExportRefused({ message, extensions: { code: QUERY_TOO_COSTLY, cost: estimate, limit: this.budget } }, 400);
  }
}

/**
 * A page that has no `events` at all: the client's input was refused (BAD_USER_INPUT,
 * FORBIDDEN), with the code POST /graphql would give. An error outside any field is a
 * variable that did not coerce: the client's too. Anything else is a bug (500, logged).
 */
function refusal(error: GraphQLError | undefined): ExportRefused {
  const formatted = error && formatError(error.toJSON(), error);
  const code = error?.path === undefined ? 'BAD_USER_INPUT' : formatted?.extensions?.['code'];
  if (formatted && (code === 'BAD_USER_INPUT' || code === 'FORBIDDEN')) {
    return new ExportRefused({ message: formatted.message, extensions: { ...formatted.extensions, code } }, code === 'FORBIDDEN' ? 403 : 400);
  }
  return new ExportRefused({ message: 'the export failed; see the server log', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, 500, error);
}
