import type { EventRecord } from '../model/event.model.js';
import type { UpstreamError } from '../upstream/upstream.errors.js';
import type { CursorCodec } from './cursor.js';
import type { FilterField } from './event-filter.js';
import type { EventSource, SourceSession } from './event-source.js';
import type { Emitted } from './merge.js';
import type { PageLanes, SourceLanes } from './page-lanes.js';
import type { PagePlan } from './page-plan.js';

export enum SourceState {
  /** Every stream answered. */
  OK = 'OK',
  /** Some streams failed; the others' events are in the page. */
  PARTIAL = 'PARTIAL',
  /** Nothing came back from this source. */
  FAILED = 'FAILED',
  /** The filter rules the source out: no upstream call was made for it. */
  SKIPPED = 'SKIPPED',
}

export interface SourceReport {
  source: EventSource;
  status: SourceState;
  /** Events of this page that came from the source. */
  events: number;
  upstreamCalls: number;
  /** Active filter fields the upstream applied; the rest were applied here. */
  upstreamFilters: FilterField[];
  localFilters: FilterField[];
  streams: number;
  failedStreams: number;
  error: UpstreamError | null;
}

export interface TimelineEdge {
  cursor: string;
  node: EventRecord;
}

export interface TimelinePage {
  edges: TimelineEdge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
  asOf: number;
  sources: SourceReport[];
  /** One per failed source, for `errors[]`. */
  errors: UpstreamError[];
}

export interface ReportInput {
  plan: PagePlan;
  /** Every session of the request, selected or not, in the order the reports come. */
  sessions: SourceSession[];
  opened: PageLanes;
  /** What the merge took: the page and, past `limit`, the event that tells there is more. */
  emitted: Emitted[];
  /** The upstream calls this page started for a source. */
  upstreamCalls(sourceName: string): number;
  cursors: CursorCodec;
}

/** The page as the API answers it: its edges with their cursors, its page info and a report per source. */
export function reportPage({ plan, sessions, opened, emitted, upstreamCalls, cursors }: ReportInput): TimelinePage {
  const page = emitted.slice(0, plan.limit);
  const events = new Map<string, number>();
  for (const { event } of page) events.set(event.sourceName, (events.get(event.sourceName) ?? 0) + 1);
  const opens = new Map(opened.sources.map((source) => [source.session, source]));
  const sources = sessions.map((session) => sourceReport(session, opens.get(session), events.get(session.source.name) ?? 0, upstreamCalls));

  const totalCount = plan.cursor ? plan.cursor.total : exactTotal(opened);
  const edges = page.map(({ event, state }) => ({
    node: event,
    cursor: cursors.encode({ ...state, total: totalCount }),
  }));
  if (plan.backward) edges.reverse();

  const more = emitted.length > plan.limit;
  const lastState = page.at(-1)?.state;
  const lagging = lastState !== undefined && Object.keys(lastState.lags).length > 0;
  // A cursor is decoded exactly when the request gave one in its direction.
  const resumed = plan.cursor !== undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: plan.backward ? resumed : more || lagging,
      hasPreviousPage: plan.backward ? more : resumed,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
    asOf: plan.asOf,
    sources,
    errors: sources.flatMap((report) => (report.error ? [report.error] : [])),
  };
}

/** A source's part in the page; `opened` is undefined when the filter left the source out. */
function sourceReport(
  session: SourceSession,
  opened: SourceLanes | undefined,
  events: number,
  upstreamCalls: (sourceName: string) => number,
): SourceReport {
  const failed = opened?.lanes.filter((lane) => lane.failed) ?? [];
  const streams = opened?.lanes.length ?? 0;
  return {
    source: session.source,
    status: statusOf(opened, failed.length),
    events,
    upstreamCalls: upstreamCalls(session.source.name),
    upstreamFilters: opened?.upstreamFilters ?? [],
    localFilters: opened?.localFilters ?? [],
    streams,
    failedStreams: failed.length,
    error: opened?.error ?? failed[0]?.failed ?? null,
  };
}

function statusOf(opened: SourceLanes | undefined, failedStreams: number): SourceState {
  if (!opened) return SourceState.SKIPPED;
  if (opened.error) return SourceState.FAILED;
  if (failedStreams > 0) return failedStreams === opened.lanes.length ? SourceState.FAILED : SourceState.PARTIAL;
  return opened.lanes.length === 0 ? SourceState.SKIPPED : SourceState.OK;
}

/** Exact when every stream told its total for the pushed-down filter, and nothing failed. */
function exactTotal(opened: PageLanes): number | null {
  if (opened.failedSources.length > 0) return null;
  let total = 0;
  for (const lane of opened.lanes) {
    if (lane.failed || lane.localOnly || typeof lane.total !== 'number') return null;
    total += lane.total;
  }
  return total;
}
