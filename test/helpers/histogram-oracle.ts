import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import type { GraphQLResult } from './stack.js';
import {
  matches,
  oracleKey,
  toGraphQLFilter,
  walkedKey,
  type Filter,
  type OracleEvent,
  type Outcome,
  type Scope,
  type WalkedEvent,
} from './timeline-oracle.js';

/*
 * The brute-force side of the histogram tests: the documented step rule (docs/api.md, "The
 * step rule"), the bucket grid, and counts of the oracle's events per bucket and group, written
 * from the docs and never from src/timeline/histogram.
 */

export type Group = 'KIND' | 'VENDOR' | 'SOURCE' | 'OUTCOME';
export const GROUPS: Group[] = ['KIND', 'VENDOR', 'SOURCE', 'OUTCOME'];
export const OUTCOMES: Outcome[] = ['SUCCESS', 'FAILURE', 'UNKNOWN'];

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
export const ROUND_STEPS = [S, 5 * S, 10 * S, 30 * S, M, 5 * M, 10 * M, 15 * M, 30 * M, H, 3 * H, 6 * H, 12 * H, D];

/** docs/api.md: max(intervalMs, ceil(span / maxDataPoints), ceil((to - from + 1) / 2000)), span = to - from (at least 1 ms), snapped up. */
export function expectedStep(from: number, to: number, intervalMs?: number, maxDataPoints?: number): number {
  const span = Math.max(1, to - from);
  const points = maxDataPoints ?? (intervalMs === undefined ? 100 : undefined);
  const wanted = Math.max(intervalMs ?? 0, points === undefined ? 0 : Math.ceil(span / points), Math.ceil((to - from + 1) / 2000));
  return ROUND_STEPS.find((step) => step >= wanted) ?? Math.ceil(wanted / D) * D;
}

/** Every bucket start meeting [from, to]: multiples of the step since the epoch. */
export function expectedStarts(from: number, to: number, step: number): number[] {
  const starts: number[] = [];
  for (let start = Math.floor(from / step) * step; start <= to; start += step) starts.push(start);
  return starts;
}

export interface SourceInfo {
  name: string;
  kind: OracleEvent['kind'];
  vendor: OracleEvent['vendor'];
}

/** The five configured sources, as fiveSources configures them. */
export const SOURCE_INFO: SourceInfo[] = [
  { name: 'modelarts', kind: 'DEPLOYMENT', vendor: 'HUAWEI_CLOUD' },
  { name: 'ccr', kind: 'TRIGGER', vendor: 'TENCENT_CLOUD' },
  { name: 'hss', kind: 'IMAGE', vendor: 'HUAWEI_CLOUD' },
  { name: 'csms', kind: 'SECRET_NOTIFICATION', vendor: 'HUAWEI_CLOUD' },
  { name: 'bkrepo', kind: 'AUDIT', vendor: 'BLUEKING' },
];

export function selected(source: SourceInfo, filter: Filter): boolean {
  return (
    (!filter.kinds || filter.kinds.includes(source.kind)) &&
    (!filter.vendors || filter.vendors.includes(source.vendor)) &&
    (!filter.sources || filter.sources.includes(source.name))
  );
}

export interface Labels {
  kind?: string | null;
  vendor?: string | null;
  source?: string | null;
  outcome?: string | null;
}

/** A group's key from its labels; labels not grouped by are left out (null in the answer). */
export function groupKey(labels: Labels, groupBy: readonly Group[]): string {
  return JSON.stringify([
    groupBy.includes('KIND') ? labels.kind : null,
    groupBy.includes('VENDOR') ? labels.vendor : null,
    groupBy.includes('SOURCE') ? labels.source : null,
    groupBy.includes('OUTCOME') ? labels.outcome : null,
  ]);
}

/** The groups the docs promise: one per combination of labels of the sources the filter leaves in (and outcomes it leaves in); one in all ungrouped. */
export function expectedGroups(filter: Filter, groupBy: readonly Group[]): Set<string> {
  if (groupBy.length === 0) return new Set([groupKey({}, groupBy)]);
  const outcomes = groupBy.includes('OUTCOME') ? OUTCOMES.filter((o) => !filter.outcomes || filter.outcomes.includes(o)) : [undefined];
  const keys = new Set<string>();
  for (const source of SOURCE_INFO.filter((s) => selected(s, filter))) {
    for (const outcome of outcomes) keys.add(groupKey({ kind: source.kind, vendor: source.vendor, source: source.name, outcome }, groupBy));
  }
  return keys;
}

/** Brute force: key `${bucketStart}|${groupKey}` → count, for the events matching the filter inside [from, to]. */
export function bruteForceCounts(
  events: readonly OracleEvent[],
  filter: Filter,
  summaryOf: (event: OracleEvent) => string | undefined,
  from: number,
  to: number,
  step: number,
  groupBy: readonly Group[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.occurredAt < from || event.occurredAt > to) continue;
    if (!matches(event, filter, summaryOf(event))) continue;
    const start = Math.floor(event.occurredAt / step) * step;
    const key = `${start}|${groupKey(event, groupBy)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** An oracle event's summary, as an unfiltered walk of `events` gave it for the same content. */
export function contentSummaries(events: readonly WalkedEvent[]) {
  const byContent = new Map(events.map((event) => [walkedKey(event), event.summary]));
  return (event: OracleEvent) => byContent.get(oracleKey(event));
}

export const HISTOGRAM_QUERY = /* GraphQL */ `
  query Histogram($from: Timestamp!, $to: Timestamp!, $intervalMs: Float, $maxDataPoints: Int, $filter: EventFilter, $groupBy: [HistogramGroup!]) {
    eventHistogram(from: $from, to: $to, intervalMs: $intervalMs, maxDataPoints: $maxDataPoints, filter: $filter, groupBy: $groupBy) {
      intervalMs
      from
      to
      complete
      rows { time timeIso kind vendor source outcome count }
      series { name kind vendor source outcome total points { time count } }
      sources { source { name } status events upstreamCalls streams failedStreams methods localFilters error { code message } }
    }
  }
`;

export interface HistogramRow extends Labels {
  time: number;
  timeIso: string;
  count: number;
}

export interface HistogramAnswer {
  intervalMs: number;
  from: string;
  to: string;
  complete: boolean;
  rows: HistogramRow[];
  series: (Labels & { name: string; total: number; points: { time: number; count: number }[] })[];
  sources: {
    source: { name: string };
    status: string;
    events: number;
    upstreamCalls: number;
    streams: number;
    failedStreams: number;
    methods: string[];
    localFilters: string[];
    error: { code: string; message: string } | null;
  }[];
}

export interface HistogramVariables {
  from: string | number;
  to: string | number;
  intervalMs?: number;
  maxDataPoints?: number;
  filter?: Record<string, unknown>;
  groupBy?: Group[];
}

/**
 * How many events walking `events` with this filter gives: its totalCount where the API
 * gives one, else a walk with pages of 500.
 */
export async function eventsTotal(gql: (query: string, variables: Record<string, unknown>) => Promise<GraphQLResult<unknown>>, filter: Filter): Promise<number> {
  const query = /* GraphQL */ `
    query Total($first: Int, $after: String, $filter: EventFilter) {
      events(first: $first, after: $after, filter: $filter) {
        totalCount
        edges { node { id } }
        pageInfo { hasNextPage endCursor }
      }
    }
  `;
  type Page = { events: { totalCount: number | null; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  let after: string | undefined;
  let walked = 0;
  for (let page = 0; page < 200; page += 1) {
    const result = (await gql(query, { first: 500, after, filter: toGraphQLFilter(filter) })) as GraphQLResult<Page>;
    if (result.errors) throw new Error(`events: ${JSON.stringify(result.errors)}`);
    const events = result.data!.events;
    if (page === 0 && events.totalCount !== null) return events.totalCount;
    walked += events.edges.length;
    if (!events.pageInfo.hasNextPage) return walked;
    after = events.pageInfo.endCursor!;
  }
  throw new Error('the walk does not end');
}

/** API requests every emulator has received since its last reset. */
export function emulatorRequests(emulators: RunningEmulators): number {
  return emulators.list().reduce((n, emulator) => n + ('requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0), 0);
}

export function resetEmulatorRequests(emulators: RunningEmulators): void {
  for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
}

/** Every ModelArts service, every CCR repository, three bk-repo repositories. */
export function histogramScope(emulators: RunningEmulators): Scope {
  return {
    services: emulators.modelarts.services().map((s) => s.service_id),
    repositories: emulators.tencentCcr.repositories(),
    bkrepoRepositories: ['generic-local', 'maven-local', 'docker-local'],
  };
}
