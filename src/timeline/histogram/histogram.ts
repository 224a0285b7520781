import { LRUCache } from 'lru-cache';
import { EventOutcome, type EventKind, type Vendor } from '../../model/event.model.js';
import { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamError } from '../../upstream/upstream.errors.js';
import { activeFields, canonicalFilter, definedFilter, type EventFilter, type FilterField } from '../event-filter.js';
import type { EventSource, SourceSession } from '../event-source.js';
import { deadlineError, PageDeadline } from '../lane.js';
import { SourceState, type SourceReport } from '../page-report.js';
import { checkFilter, isSelected } from '../page-plan.js';
import type { Stream, StreamPlan } from '../stream.js';
import { bucketGrid, type BucketGrid } from './bucket-grid.js';
import { CountMethod, countStream, type OutcomeCounts, type StreamCount } from './stream-count.js';

export enum HistogramGroup {
  KIND = 'KIND',
  VENDOR = 'VENDOR',
  SOURCE = 'SOURCE',
  OUTCOME = 'OUTCOME',
}

export interface HistogramRequest {
  /** Inclusive range, epoch ms. */
  from: number;
  to: number;
  intervalMs?: number | null;
  maxDataPoints?: number | null;
  /** Its since/until narrow the range further; its other fields select as in `events`. */
  filter: EventFilter;
  groupBy: readonly HistogramGroup[];
}

/** One bucket of one group. Labels not grouped by are undefined. */
export interface HistogramRow {
  time: number;
  kind?: EventKind;
  vendor?: Vendor;
  source?: string;
  outcome?: EventOutcome;
  count: number;
}

export interface HistogramSeries {
  kind?: EventKind;
  vendor?: Vendor;
  source?: string;
  outcome?: EventOutcome;
  points: { time: number; count: number }[];
}

/** A source's report, as for a page (`events` there are those counted over the whole range). */
export interface HistogramSourceReport extends SourceReport {
  /** How its streams were counted; several when they differed. */
  methods: CountMethod[];
}

export interface Histogram {
  stepMs: number;
  from: number;
  to: number;
  rows: HistogramRow[];
  series: HistogramSeries[];
  sources: HistogramSourceReport[];
  /** False when a source failed, or a bucket reaches outside [from, to]. */
  complete: boolean;
  errors: UpstreamError[];
}

/**
 * A bucket that ended this long before the snapshot is settled: its count is kept (per
 * stream, filter and step) for `SETTLED_TTL_MS`, and a refresh reads only the newer buckets.
 * A record stamped inside a settled bucket that lands upstream later is counted once the
 * kept count expires, at most `SETTLED_TTL_MS` later. Newer buckets are counted at every
 * request (through the upstream cache, `cacheTtlSeconds`).
 */
export const SETTLE_MS = 5 * 60_000;
export const SETTLED_TTL_MS = 10 * 60_000;
const MAX_KEPT_BUCKETS = 200_000;

/**
 * Counts over time: the histogram engine beside the timeline's pages. It reads through the
 * same sessions and streams, so scopes, pushdown and the upstream core's policies apply as
 * for `events`, and its counts equal what walking `events` with the same filter would give.
 */
export class HistogramCounter {
  private readonly settled = new LRUCache<string, OutcomeCounts>({ max: MAX_KEPT_BUCKETS, ttl: SETTLED_TTL_MS });

  async count(request: HistogramRequest, sessions: SourceSession[], now: number, deadline?: number): Promise<Histogram> {
    // The step is the requested range's, so that it does not change as the clock nears `to`;
    // nothing after the snapshot time is counted, and no bucket starting after it is shown.
    const to = Math.min(request.to, now);
    const future = request.from > to;
    const requested = bucketGrid(request.from, request.to, request.intervalMs, request.maxDataPoints);
    const grid = future ? requested : { ...requested, to, starts: requested.starts.filter((start) => start <= to) };
    const filter = definedFilter({
      ...request.filter,
      since: Math.max(request.from, request.filter.since ?? request.from),
      until: future ? request.from : Math.min(to, request.filter.until ?? to),
    });
    checkFilter(filter, sessions);
    const byOutcome = request.groupBy.includes(HistogramGroup.OUTCOME);
    const reading = new PageDeadline(deadline);
    try {
      const counted = await Promise.all(
        sessions.map((session) =>
          !future && isSelected(session.source, filter) ? this.countSource(session, filter, grid, byOutcome, now, reading) : skipped(session),
        ),
      );
      // Grouped by outcome, a series per outcome the filter leaves in.
      const outcomes = byOutcome ? Object.values(EventOutcome).filter((outcome) => !filter.outcomes || filter.outcomes.includes(outcome)) : [undefined];
      return assemble(grid, request.groupBy, counted, outcomes, request.to > now || grid.starts[0]! < grid.from || lastEnd(grid) > grid.to);
    } finally {
      reading.dispose();
    }
  }

  private async countSource(session: SourceSession, filter: EventFilter, grid: BucketGrid, byOutcome: boolean, now: number, deadline: PageDeadline): Promise<SourceCount> {
    const calls = new UpstreamCallCounts();
    const source = session.source;
    const report: HistogramSourceReport = { ...skipped(session).report, status: SourceState.OK };
    let streams: Stream[];
    try {
      streams = await deadline.race(() => session.streams(calls), () => deadlineError(source.name, `the streams of source ${source.name}`));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      return { report: { ...report, status: SourceState.FAILED, error, upstreamCalls: calls.of(source.name) }, counts: [] };
    }
    const active = activeFields(filter).filter((field) => field !== 'since' && field !== 'until');
    const counts: Map<number, OutcomeCounts>[] = [];
    const methods = new Set<CountMethod>();
    await Promise.all(
      streams.map(async (stream) => {
        const plan = stream.plan(filter);
        if (plan.skip) return;
        report.streams += 1;
        report.upstreamFilters = active.filter((field) => plan.upstream.includes(field));
        report.localFilters = active.filter((field) => !plan.upstream.includes(field));
        try {
          const result = await this.countStreamKept({ stream, plan, filter, grid, byOutcome, now, calls, deadline });
          methods.add(result.method);
          counts.push(result.buckets);
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          report.failedStreams += 1;
          report.error ??= error;
        }
      }),
    );
    const events = counts.reduce((sum, buckets) => sum + [...buckets.values()].reduce((s, c) => s + total(c), 0), 0);
    const status = report.failedStreams === 0 ? SourceState.OK : report.failedStreams === report.streams ? SourceState.FAILED : SourceState.PARTIAL;
    return { report: { ...report, status, events, upstreamCalls: calls.of(source.name), methods: [...methods].sort() }, counts };
  }

  /** Settled buckets from the cache; the others counted, and kept when they are settled and whole. */
  private async countStreamKept(input: {
    stream: Stream;
    plan: StreamPlan;
    filter: EventFilter;
    grid: BucketGrid;
    byOutcome: boolean;
    now: number;
    calls: UpstreamCallCounts;
    deadline: PageDeadline;
  }): Promise<StreamCount> {
    const { stream, filter, grid, byOutcome, now } = input;
    const keyOf = (start: number) => JSON.stringify([stream.key, canonicalFilter({ ...filter, since: undefined, until: undefined }), byOutcome, grid.stepMs, start]);
    const whole = (start: number) => start >= filter.since! && start + grid.stepMs - 1 <= filter.until!;
    const settled = (start: number) => whole(start) && start + grid.stepMs <= now - SETTLE_MS;
    const buckets = new Map<number, OutcomeCounts>();
    const missing: number[] = [];
    for (const start of grid.starts) {
      const kept = settled(start) ? this.settled.get(keyOf(start)) : undefined;
      if (kept) buckets.set(start, kept);
      else missing.push(start);
    }
    if (missing.length === 0) return { method: CountMethod.CACHED, buckets };
    // Each run of adjacent missing buckets on its own: a refresh typically misses the
    // first bucket (a range that does not start on the step) and the newest few, and a scan
    // of everything between them would read what the cache already holds.
    const methods = new Set<CountMethod>();
    for (const run of adjacentRuns(missing, grid.stepMs)) {
      const counted = await countStream({ ...input, starts: run, stepMs: grid.stepMs, from: filter.since!, to: filter.until! });
      methods.add(counted.method);
      for (const [start, counts] of counted.buckets) {
        buckets.set(start, counts);
        if (settled(start)) this.settled.set(keyOf(start), counts);
      }
    }
    return { method: methods.size === 1 ? [...methods][0]! : CountMethod.SCAN, buckets };
  }
}

interface SourceCount {
  report: HistogramSourceReport;
  /** One map per stream that answered. */
  counts: Map<number, OutcomeCounts>[];
}

function skipped(session: SourceSession): SourceCount {
  return {
    report: {
      source: session.source,
      status: SourceState.SKIPPED,
      events: 0,
      upstreamCalls: 0,
      upstreamFilters: [],
      localFilters: [],
      streams: 0,
      failedStreams: 0,
      error: null,
      methods: [],
    },
    counts: [],
  };
}

function total(counts: OutcomeCounts): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}

/** Bucket starts split where one is missing between them. */
function adjacentRuns(starts: readonly number[], stepMs: number): number[][] {
  const runs: number[][] = [];
  for (const start of starts) {
    const run = runs[runs.length - 1];
    if (run && start - run[run.length - 1]! === stepMs) run.push(start);
    else runs.push([start]);
  }
  return runs;
}

function lastEnd(grid: BucketGrid): number {
  return grid.starts[grid.starts.length - 1]! + grid.stepMs - 1;
}

/** Rows and series from the counts: a group per combination of the labels grouped by, every bucket in each. */
function assemble(
  grid: BucketGrid,
  groupBy: readonly HistogramGroup[],
  counted: SourceCount[],
  outcomes: readonly (EventOutcome | undefined)[],
  partialBucket: boolean,
): Histogram {
  const groups = new Map<string, HistogramSeries & { counts: Map<number, number> }>();
  const groupOf = (source: EventSource | undefined, outcome: EventOutcome | undefined) => {
    const labels = {
      ...(source && groupBy.includes(HistogramGroup.KIND) ? { kind: source.kind } : {}),
      ...(source && groupBy.includes(HistogramGroup.VENDOR) ? { vendor: source.vendor } : {}),
      ...(source && groupBy.includes(HistogramGroup.SOURCE) ? { source: source.name } : {}),
      ...(outcome ? { outcome } : {}),
    };
    const key = JSON.stringify([labels.kind, labels.vendor, labels.source, labels.outcome]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ...labels, points: [], counts: new Map() }));
    return group;
  };
  // Ungrouped, the one series is there even when every source was left out.
  if (groupBy.length === 0) groupOf(undefined, undefined);
  for (const { report, counts } of counted) {
    if (report.status === SourceState.SKIPPED) continue;
    for (const outcome of outcomes) {
      const group = groupOf(report.source, outcome);
      for (const buckets of counts) {
        for (const [start, bucket] of buckets) {
          const count = outcome ? (bucket.get(outcome) ?? 0) : total(bucket);
          group.counts.set(start, (group.counts.get(start) ?? 0) + count);
        }
      }
    }
  }
  const series = [...groups.values()].map(({ counts, ...labels }) => ({ ...labels, points: grid.starts.map((time) => ({ time, count: counts.get(time) ?? 0 })) }));
  const rows = grid.starts.flatMap((time, index) => series.map(({ points, ...labels }) => ({ ...labels, time, count: points[index]!.count })));
  const sources = counted.map((entry) => entry.report);
  const errors = sources.flatMap((report) => (report.error ? [report.error] : []));
  return {
    stepMs: grid.stepMs,
    from: grid.from,
    to: grid.to,
    rows,
    series,
    sources,
    complete: errors.length === 0 && !partialBucket,
    errors,
  };
}

