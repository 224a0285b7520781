import { demoConfig } from '../src/demo/demo.config.js';
import { UpstreamCallCounts } from '../src/upstream/upstream.calls.js';
import { builtInVendors, VENDORS } from '../src/vendors/vendors.js';
import { SOURCE_KEYS, type BenchStack, type SourceKey, type UpstreamCalls } from './stack.js';
import { median, percentile } from './stats.js';

/**
 * `eventHistogram` against walking `events` and counting, on the cold server (no upstream
 * cache), in one run.
 *
 * Sample k counts the day R_k = [anchor − (k+1)·24 h, anchor − k·24 h − 1 ms] in 48 buckets
 * of 30 min (`maxDataPoints: 48`), every source, grouped by SOURCE:
 * - **cold**: the first histogram of R_k. No earlier request counted that day.
 * - **warm refresh**: right after, R_k + 30 min. Its first 47 buckets are settled and kept;
 *   only the newest one, [anchor − k·24 h, +30 min), is counted upstream.
 * - **one bucket alone**: that newest bucket counted by itself, cold: the calls a warm
 *   refresh should cost.
 *
 * The days are adjacent, so the newest bucket of R_k's refresh is the first bucket of
 * R_(k−1), which R_(k−1)'s cold histogram has just kept: measured as is, every refresh after
 * the first would be served from the cache (0 calls), and measured the other way round, no
 * cold histogram after the first would be cold. So the samples alternate between two filters
 * that select the same (all) sources and differ only in the cache key of the kept buckets
 * (it includes the filter): none for even k, `kinds: [all five kinds]` for odd k. The
 * bucket alone uses a third, `vendors: [all vendors]`. Kinds and vendors only select
 * sources (no stream plans or pushes them), so all three read the same streams with the same
 * upstream requests.
 * - **walk**: `events(first: 500, filter: {since, until})` over R_k, page by page until
 *   `hasNextPage` is false, counting the events.
 *
 * The benchmark fails unless every count agrees with the walk: the histogram's total, and
 * every (source, bucket) count, for the cold answer and the refresh (whose newest bucket is
 * checked against a walk of that bucket).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const HISTOGRAM_QUERY = /* GraphQL */ `
  query BenchHistogram($from: Timestamp!, $to: Timestamp!, $maxDataPoints: Int, $groupBy: [HistogramGroup!], $filter: EventFilter) {
    eventHistogram(from: $from, to: $to, maxDataPoints: $maxDataPoints, groupBy: $groupBy, filter: $filter) {
      intervalMs
      complete
      rows { time source outcome count }
      sources { source { name } status events upstreamCalls streams failedStreams methods }
    }
  }
`;

const WALK_QUERY = /* GraphQL */ `
  query BenchHistogramWalk($first: Int!, $after: String, $filter: EventFilter) {
    events(first: $first, after: $after, filter: $filter) {
      edges { node { id occurredAt outcome source { name } } }
      pageInfo { hasNextPage endCursor }
      sources { source { name } status upstreamCalls }
    }
  }
`;

interface HistogramSourceAnswer {
  source: { name: string };
  status: string;
  events: number;
  upstreamCalls: number;
  streams: number;
  failedStreams: number;
  methods: string[];
}

interface HistogramData {
  eventHistogram: {
    intervalMs: number;
    complete: boolean;
    rows: Array<{ time: number; source: string | null; outcome: string | null; count: number }>;
    sources: HistogramSourceAnswer[];
  };
}

interface WalkData {
  events: {
    edges: Array<{ node: { id: string; occurredAt: string; outcome: string; source: { name: string } } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Array<{ source: { name: string }; status: string; upstreamCalls: number }>;
  };
}

export interface HistogramBenchOptions {
  /** Days measured, k = 0 … samples − 1. */
  samples: number;
  /** The data's anchor: every generated event is before it. */
  anchor: number;
  /** Buckets per day (`maxDataPoints`). */
  buckets: number;
  /** `first` of the walk. */
  pageSize: number;
}

/** What one source's report said in one histogram answer. */
export interface SourceFigures {
  status: string;
  events: number;
  upstreamCalls: number;
  streams: number;
  methods: string[];
}

/** One histogram request. */
export interface HistogramRun {
  ms: number;
  /** Counted by the emulators. */
  calls: UpstreamCalls;
  /** `sources[].upstreamCalls` summed. */
  reportedCalls: number;
  /** Sum of the rows. */
  total: number;
  bySource: Record<SourceKey, SourceFigures>;
}

/** One walk of `events` over a range, all its pages. */
export interface WalkRun {
  /** The pages' times, summed. */
  ms: number;
  calls: UpstreamCalls;
  reportedCalls: number;
  pages: number;
  events: number;
  eventsBySource: Record<SourceKey, number>;
}

export interface HistogramSample {
  k: number;
  /** The filter of the cold histogram and its refresh: 'none' or 'kinds: all'. */
  filter: string;
  from: string;
  to: string;
  cold: HistogramRun;
  warm: HistogramRun;
  oneBucket: HistogramRun;
  walk: WalkRun;
  /** Events in the refresh's newest bucket (a walk of it, untimed). */
  newestBucketEvents: number;
}

/** Time and calls of one kind of request over the samples. */
export interface Aggregate {
  p50: number;
  p90: number;
  /** Emulator calls per request. */
  calls: { median: number; min: number; max: number };
  reportedCalls: number;
  /** Median emulator calls per source. */
  bySource: Record<SourceKey, number>;
  /** Median ModelArts service-list calls. */
  modelartsServiceList: number;
}

/** What the source's streams offer, read from the streams themselves (demo configuration). */
export interface StreamInventory {
  streams: number;
  /** Streams that have `Stream.count`. */
  withCount: number;
  /** The largest page one call of a stream serves. */
  maxPageSize: number;
}

export interface HistogramBenchResult {
  options: HistogramBenchOptions;
  stepMs: number;
  sourceNames: Record<SourceKey, string>;
  inventory: Record<SourceKey, StreamInventory>;
  samples: HistogramSample[];
  cold: Aggregate;
  warm: Aggregate;
  oneBucket: Aggregate;
  walk: Aggregate & { pages: number; events: number };
  /** Median walk calls / median cold histogram calls. */
  walkOverCold: number;
  /** Median walk calls / median warm refresh calls. */
  walkOverWarm: number;
  /** Per source: the methods it reported, as "A, B" → samples that reported exactly that. */
  methods: Record<SourceKey, { cold: Record<string, number>; warm: Record<string, number>; oneBucket: Record<string, number> }>;
  /** R_0 grouped by [SOURCE, OUTCOME]: cold, its warm refresh, against the walk of R_0. */
  outcome: {
    cold: HistogramRun;
    warm: HistogramRun;
    walkCalls: number;
    events: number;
  };
  /** Every count checked against the walk (the benchmark throws otherwise). */
  checked: { samples: number; bucketsCompared: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Counts keyed by source, outcome ('' when not told apart) and bucket start. */
type Counts = Map<string, number>;
const countKey = (source: string, outcome: string, time: number) => `${source}\t${outcome}\t${time}`;

export async function benchHistogram(stack: BenchStack, options: HistogramBenchOptions): Promise<HistogramBenchResult> {
  const keyOfName = new Map(SOURCE_KEYS.map((key) => [stack.sourceNames[key], key]));
  // Filters that select every source and differ only in the cache key (see above).
  const allKinds = { kinds: [...new Set(VENDORS.map((module) => module.eventKind.name))] };
  const allVendors = { vendors: [...new Set(VENDORS.map((module) => module.vendor.name))] };
  const filterOf = (k: number) => (k % 2 === 0 ? undefined : allKinds);
  const stepMs = DAY / options.buckets;
  if (!Number.isInteger(stepMs) || options.anchor % stepMs !== 0) throw new Error('histogram bench: the day must split into whole buckets on the anchor');

  const inventory = await streamInventory(stack);

  const histogram = async (
    what: string,
    from: number,
    to: number,
    groupBy: string[],
    filter?: Record<string, unknown>,
  ): Promise<{ run: HistogramRun; counts: Counts }> => {
    await stack.resetCalls();
    const { ms, data } = await stack.cold.query<HistogramData>(HISTOGRAM_QUERY, {
      from: iso(from),
      to: iso(to),
      maxDataPoints: Math.round((to - from + 1) / stepMs),
      groupBy,
      filter: filter ?? null,
    });
    const calls = await stack.calls();
    const h = data.eventHistogram;
    const fail = (why: string) => {
      throw new Error(`histogram bench, ${what} [${iso(from)}, ${iso(to)}]: ${why}`);
    };
    if (h.intervalMs !== stepMs) fail(`step ${h.intervalMs} ms, not ${stepMs}`);
    if (!h.complete) fail('complete: false');
    const bad = h.sources.filter((s) => s.status !== 'OK');
    if (bad.length) fail(`sources not OK: ${bad.map((s) => `${s.source.name} ${s.status}`).join(', ')}`);
    const expectedStarts = new Set<number>();
    for (let t = from; t <= to; t += stepMs) expectedStarts.add(t);
    const times = new Set(h.rows.map((row) => row.time));
    if (times.size !== expectedStarts.size || [...times].some((t) => !expectedStarts.has(t))) fail(`buckets ${times.size}, not the ${expectedStarts.size} expected`);
    const counts: Counts = new Map();
    for (const row of h.rows) {
      if (row.source === null) fail('a row without its source');
      const key = countKey(row.source!, row.outcome ?? '', row.time);
      counts.set(key, (counts.get(key) ?? 0) + row.count);
    }
    const bySource = {} as Record<SourceKey, SourceFigures>;
    for (const report of h.sources) {
      const key = keyOfName.get(report.source.name);
      if (!key) fail(`unknown source ${report.source.name}`);
      bySource[key!] = { status: report.status, events: report.events, upstreamCalls: report.upstreamCalls, streams: report.streams, methods: [...report.methods].sort() };
    }
    for (const key of SOURCE_KEYS) if (!bySource[key]) fail(`no report for ${stack.sourceNames[key]}`);
    return {
      run: {
        ms,
        calls,
        reportedCalls: h.sources.reduce((n, s) => n + s.upstreamCalls, 0),
        total: h.rows.reduce((n, row) => n + row.count, 0),
        bySource,
      },
      counts,
    };
  };

  /** Walks `events` over [from, to]; counts per source, outcome and bucket. */
  const walk = async (from: number, to: number): Promise<{ run: WalkRun; bySource: Counts; byOutcome: Counts }> => {
    await stack.resetCalls();
    let after: string | null = null;
    let ms = 0;
    let pages = 0;
    let reportedCalls = 0;
    const ids = new Set<string>();
    const bySource: Counts = new Map();
    const byOutcome: Counts = new Map();
    const eventsBySource = Object.fromEntries(SOURCE_KEYS.map((key) => [key, 0])) as Record<SourceKey, number>;
    for (;;) {
      const page: { ms: number; data: WalkData } = await stack.cold.query<WalkData>(WALK_QUERY, {
        first: options.pageSize,
        after,
        filter: { since: iso(from), until: iso(to) },
      });
      ms += page.ms;
      pages += 1;
      const events = page.data.events;
      const failed = events.sources.filter((s) => s.status !== 'OK' && s.status !== 'SKIPPED');
      if (failed.length) throw new Error(`histogram bench, walk [${iso(from)}, ${iso(to)}] page ${pages}: ${failed.map((s) => `${s.source.name} ${s.status}`).join(', ')}`);
      reportedCalls += events.sources.reduce((n, s) => n + s.upstreamCalls, 0);
      for (const { node } of events.edges) {
        if (ids.has(node.id)) throw new Error(`histogram bench, walk [${iso(from)}, ${iso(to)}]: event ${node.id} met twice`);
        ids.add(node.id);
        const at = Date.parse(node.occurredAt);
        if (!(at >= from && at <= to)) throw new Error(`histogram bench, walk [${iso(from)}, ${iso(to)}]: event ${node.id} at ${node.occurredAt}, outside the filter`);
        const start = Math.floor(at / stepMs) * stepMs;
        const sourceKey = countKey(node.source.name, '', start);
        bySource.set(sourceKey, (bySource.get(sourceKey) ?? 0) + 1);
        const outcomeKey = countKey(node.source.name, node.outcome, start);
        byOutcome.set(outcomeKey, (byOutcome.get(outcomeKey) ?? 0) + 1);
        const key = keyOfName.get(node.source.name);
        if (key) eventsBySource[key] += 1;
      }
      if (!events.pageInfo.hasNextPage) break;
      after = events.pageInfo.endCursor;
      if (!after) throw new Error('histogram bench, walk: hasNextPage without an endCursor');
    }
    const calls = await stack.calls();
    return { run: { ms, calls, reportedCalls, pages, events: ids.size, eventsBySource }, bySource, byOutcome };
  };

  let bucketsCompared = 0;
  /** Every (source, outcome, bucket) of `got` in [from, to] against the walk's counts; throws on any difference. */
  const compare = (what: string, got: Counts, want: Counts, from: number, to: number) => {
    const keys = new Set([...got.keys(), ...[...want.keys()].filter((key) => {
      const time = Number(key.split('\t')[2]);
      return time >= from && time <= to;
    })]);
    const differences: string[] = [];
    for (const key of keys) {
      const [source, outcome, time] = key.split('\t');
      if (Number(time) < from || Number(time) > to) continue;
      bucketsCompared += 1;
      const a = got.get(key) ?? 0;
      const b = want.get(key) ?? 0;
      if (a !== b) differences.push(`${source}${outcome ? ` ${outcome}` : ''} @ ${iso(Number(time))}: histogram ${a}, walk ${b}`);
    }
    if (differences.length) {
      throw new Error(`histogram bench, ${what}: ${differences.length} bucket counts differ from the walk of events:\n  ${differences.slice(0, 20).join('\n  ')}`);
    }
  };

  const samples: HistogramSample[] = [];
  let walk0: { bySource: Counts; byOutcome: Counts; newestByOutcome: Counts; run: WalkRun } | undefined;
  for (let k = 0; k < options.samples; k++) {
    const from = options.anchor - (k + 1) * DAY;
    const to = options.anchor - k * DAY - 1;
    const newest = to + 1;
    const what = `day k=${k}`;

    const cold = await histogram(`${what}, cold`, from, to, ['SOURCE'], filterOf(k));
    const warm = await histogram(`${what}, warm refresh`, from + stepMs, to + stepMs, ['SOURCE'], filterOf(k));
    const one = await histogram(`${what}, newest bucket alone`, newest, newest + stepMs - 1, ['SOURCE'], allVendors);
    const walked = await walk(from, to);
    const newestWalk = await walk(newest, newest + stepMs - 1);

    // The check the issue asks for: the histogram's total is the walk's count of events.
    if (cold.run.total !== walked.run.events) {
      throw new Error(`histogram bench, ${what}: the histogram counts ${cold.run.total} events, the walk of events found ${walked.run.events}`);
    }
    compare(`${what}, cold`, cold.counts, walked.bySource, from, to);
    compare(`${what}, warm refresh (settled buckets)`, warm.counts, walked.bySource, from + stepMs, to);
    compare(`${what}, warm refresh (newest bucket)`, warm.counts, newestWalk.bySource, newest, newest);
    compare(`${what}, newest bucket alone`, one.counts, newestWalk.bySource, newest, newest);
    if (k === 0) walk0 = { bySource: walked.bySource, byOutcome: walked.byOutcome, newestByOutcome: newestWalk.byOutcome, run: walked.run };

    samples.push({
      k,
      filter: filterOf(k) ? 'kinds: all' : 'none',
      from: iso(from),
      to: iso(to),
      cold: cold.run,
      warm: warm.run,
      oneBucket: one.run,
      walk: walked.run,
      newestBucketEvents: newestWalk.run.events,
    });
  }

  // One day grouped by SOURCE and OUTCOME: other keys in the settled-bucket cache, so cold again.
  const from0 = options.anchor - DAY;
  const to0 = options.anchor - 1;
  const outcomeCold = await histogram('day k=0 by SOURCE and OUTCOME, cold', from0, to0, ['SOURCE', 'OUTCOME']);
  const outcomeWarm = await histogram('day k=0 by SOURCE and OUTCOME, warm refresh', from0 + stepMs, to0 + stepMs, ['SOURCE', 'OUTCOME']);
  if (!walk0) throw new Error('histogram bench: no sample');
  if (outcomeCold.run.total !== walk0.run.events) {
    throw new Error(`histogram bench, day k=0 by SOURCE and OUTCOME: the histogram counts ${outcomeCold.run.total} events, the walk found ${walk0.run.events}`);
  }
  compare('day k=0 by SOURCE and OUTCOME, cold', outcomeCold.counts, walk0.byOutcome, from0, to0);
  compare('day k=0 by SOURCE and OUTCOME, warm refresh (settled buckets)', outcomeWarm.counts, walk0.byOutcome, from0 + stepMs, to0);
  compare('day k=0 by SOURCE and OUTCOME, warm refresh (newest bucket)', outcomeWarm.counts, walk0.newestByOutcome, to0 + 1, to0 + 1);

  const cold = aggregate(samples.map((s) => s.cold));
  const warm = aggregate(samples.map((s) => s.warm));
  const oneBucket = aggregate(samples.map((s) => s.oneBucket));
  const walkAggregate = { ...aggregate(samples.map((s) => s.walk)), pages: median(samples.map((s) => s.walk.pages)), events: median(samples.map((s) => s.walk.events)) };
  const methods = {} as HistogramBenchResult['methods'];
  for (const key of SOURCE_KEYS) {
    const tally = (runs: HistogramRun[]) => {
      const out: Record<string, number> = {};
      for (const run of runs) {
        const label = run.bySource[key].methods.join(', ') || '(none)';
        out[label] = (out[label] ?? 0) + 1;
      }
      return out;
    };
    methods[key] = { cold: tally(samples.map((s) => s.cold)), warm: tally(samples.map((s) => s.warm)), oneBucket: tally(samples.map((s) => s.oneBucket)) };
  }
  return {
    options,
    stepMs,
    sourceNames: stack.sourceNames,
    inventory,
    samples,
    cold,
    warm,
    oneBucket,
    walk: walkAggregate,
    walkOverCold: walkAggregate.calls.median / cold.calls.median,
    walkOverWarm: walkAggregate.calls.median / warm.calls.median,
    methods,
    outcome: { cold: outcomeCold.run, warm: outcomeWarm.run, walkCalls: walk0.run.calls.total, events: walk0.run.events },
    checked: { samples: samples.length, bucketsCompared },
  };
}

function aggregate(runs: Array<{ ms: number; calls: UpstreamCalls; reportedCalls: number }>): Aggregate {
  const sorted = runs.map((run) => run.ms).sort((a, b) => a - b);
  const totals = runs.map((run) => run.calls.total);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    calls: { median: median(totals), min: Math.min(...totals), max: Math.max(...totals) },
    reportedCalls: median(runs.map((run) => run.reportedCalls)),
    bySource: Object.fromEntries(SOURCE_KEYS.map((key) => [key, median(runs.map((run) => run.calls.bySource[key]))])) as Record<SourceKey, number>,
    modelartsServiceList: median(runs.map((run) => run.calls.modelartsServiceList)),
  };
}

/**
 * The demo sources' streams, looked at directly: how many, how many can count upstream
 * (`Stream.count`), and their largest page. Read on sources of their own (the demo
 * configuration over the same emulators), before anything is measured; the calls it makes
 * (a service list) are reset with the first measurement.
 */
async function streamInventory(stack: BenchStack): Promise<Record<SourceKey, StreamInventory>> {
  const vendors = builtInVendors();
  const config = demoConfig(vendors, stack.demoSources, 0);
  const sources = vendors.createSources(config);
  const keyOfKind = new Map(VENDORS.map((module) => [module.configKind as string, module.emulator.starter.key as SourceKey]));
  const out = {} as Record<SourceKey, StreamInventory>;
  for (const [i, source] of sources.entries()) {
    const key = keyOfKind.get((config.sources[i] as { kind: string }).kind);
    if (!key) continue;
    const streams = await source.openSession().streams(new UpstreamCallCounts());
    out[key] = {
      streams: streams.length,
      withCount: streams.filter((stream) => typeof stream.count === 'function').length,
      maxPageSize: Math.max(...streams.map((stream) => stream.maxPageSize)),
    };
  }
  return out;
}
