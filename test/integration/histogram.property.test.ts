import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import {
  bruteForceCounts,
  contentSummaries,
  eventsTotal,
  expectedGroups,
  expectedStarts,
  expectedStep,
  GROUPS,
  groupKey,
  histogramScope,
  HISTOGRAM_QUERY,
  selected,
  SOURCE_INFO,
  type Group,
  type HistogramAnswer,
  type HistogramVariables,
} from '../helpers/histogram-oracle.js';
import { fiveSources, matches, oracleEvents, toGraphQLFilter, walk, type Filter, type OracleEvent } from '../helpers/timeline-oracle.js';
import { KINDS, OUTCOMES, SOURCES, sometimes, VENDORS } from '../helpers/filter-arbitraries.js';

/*
 * Property: for any range (inside and around the seeded data), any step arguments, any
 * filter and any grouping, every count of `eventHistogram` equals a brute-force count of the
 * emulators' own data (test/helpers/timeline-oracle.ts), bucket by bucket and group by group,
 * and the whole equals what a walk of `events` over the same range and filter gives.
 * Every range ends before the server's clock; `to` after the snapshot time is histogram.test.ts's.
 *
 * One stack (all five vendors, seeded emulators anchored at ANCHOR, a month before the
 * server's clock, so every seeded event is before the snapshot time), many histograms on it.
 * Counts of settled buckets are kept across runs: a kept count must be right as well.
 */

const DAY = 86_400_000;

const SEED = Number(process.env.HISTOGRAM_SEED ?? 20261201);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);


const filterChoice = fc.record({
  kinds: sometimes(fc.subarray(KINDS, { minLength: 1 })),
  vendors: sometimes(fc.subarray(VENDORS, { minLength: 1 })),
  sources: sometimes(fc.subarray(SOURCES, { minLength: 1 })),
  outcomes: sometimes(fc.subarray(OUTCOMES, { minLength: 1 })),
  actor: sometimes(fc.nat()),
  resource: sometimes(fc.nat()),
  search: sometimes(fc.record({ event: fc.nat(), start: fc.nat(), length: fc.integer({ min: 1, max: 6 }), upper: fc.boolean() })),
  // A narrower window inside the range, as fractions of it.
  window: sometimes(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))),
});
type FilterChoice = typeof filterChoice extends fc.Arbitrary<infer T> ? T : never;

const rangeChoice = fc.oneof(
  // Near the anchor, where the data is dense: from 1 ms to 60 days long.
  fc.record({ shape: fc.constant('recent' as const), back: fc.integer({ min: 0, max: 40 * DAY }), lengthExp: fc.double({ min: 0, max: Math.log10(60 * DAY), noNaN: true }) }),
  // Anywhere in the seeded years, up to 8 years long.
  fc.record({ shape: fc.constant('wide' as const), back: fc.integer({ min: 0, max: 8 * 365 * DAY }), lengthExp: fc.double({ min: 3, max: Math.log10(8 * 365 * DAY), noNaN: true }) }),
  // Bounds on events' own times: ties at the bounds.
  fc.record({ shape: fc.constant('events' as const), a: fc.nat(), b: fc.nat() }),
);

const histogramChoice = fc.record({
  range: rangeChoice,
  intervalMs: sometimes(fc.oneof(fc.integer({ min: 1, max: 3 * DAY }), fc.double({ min: 0.5, max: 3 * DAY, noNaN: true })), 1),
  maxDataPoints: sometimes(fc.integer({ min: 1, max: 3000 }), 1),
  filter: filterChoice,
  groupBy: fc.shuffledSubarray(GROUPS),
  format: fc.constantFrom<'iso' | 'number' | 'string'>('iso', 'number', 'string'),
});

describe('eventHistogram equals a brute-force count (property)', () => {
  let stack: Stack;
  let all: OracleEvent[];
  let summaries: string[];
  let summaryOf: (event: OracleEvent) => string | undefined;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: 0.05 },
      sources: (emulators) => fiveSources(emulators, histogramScope(emulators)),
    });
    all = oracleEvents(stack.emulators, histogramScope(stack.emulators));
    // The unfiltered walk gives what the oracle does not model: the summaries, for `search`.
    const base = await walk(stack, { order: 'DESC', pageSize: 500, direction: 'forward' });
    expect(base.events).toHaveLength(all.length);
    summaries = base.events.map((e) => e.summary);
    summaryOf = contentSummaries(base.events);
    expect(all.every((e) => summaryOf(e) !== undefined)).toBe(true);
  }, 60_000);
  afterAll(() => stack?.close());

  it('for random ranges, steps, filters and groupings', { timeout: 120_000 }, async () => {
    const times = all.map((e) => e.occurredAt).sort((a, b) => a - b);
    let current = '';
    try {
      await fc.assert(
        fc.asyncProperty(histogramChoice, async (choice) => {
          const [from, to] = toRange(choice.range, times);
          const filter = toFilter(choice.filter, from, to, all, summaries);
          const groupBy = choice.groupBy as Group[];
          const variables: HistogramVariables = {
            from: written(from, choice.format),
            to: written(to, choice.format),
            ...(choice.intervalMs !== undefined ? { intervalMs: choice.intervalMs } : {}),
            ...(choice.maxDataPoints !== undefined ? { maxDataPoints: choice.maxDataPoints } : {}),
            filter: toGraphQLFilter(filter),
            groupBy,
          };
          current = JSON.stringify(variables);
          const result = await stack.gql<{ eventHistogram: HistogramAnswer }, HistogramVariables>(HISTOGRAM_QUERY, variables);
          expect(result.errors, current).toBeUndefined();
          const h = result.data!.eventHistogram;

          // The range counted: [from, to], every range here ending before the snapshot time
          // (a `to` after it: histogram.test.ts).
          expect(Date.parse(h.from), current).toBe(from);
          expect(Date.parse(h.to), current).toBe(to);
          const end = to;

          // The step, and the buckets: every multiple of it that meets the range.
          const step = expectedStep(from, end, choice.intervalMs, choice.maxDataPoints);
          expect(h.intervalMs, `${current}: intervalMs`).toBe(step);
          const starts = expectedStarts(from, end, step);
          expect(starts.length, current).toBeLessThanOrEqual(2001);

          // Rows: ordered by time, each bucket once per group, every group in every bucket.
          const groups = expectedGroups(filter, groupBy);
          expect(h.rows, `${current}: rows`).toHaveLength(starts.length * groups.size);
          for (let i = 1; i < h.rows.length; i += 1) expect(h.rows[i]!.time, `${current}: row ${i} out of order`).toBeGreaterThanOrEqual(h.rows[i - 1]!.time);
          const seen = new Map<string, number>();
          for (const row of h.rows) {
            expect(row.time % step, `${current}: bucket start ${row.time} not a multiple of ${step}`).toBe(0);
            expect(new Date(row.time).toISOString()).toBe(row.timeIso);
            const key = `${row.time}|${groupKey(row, groupBy)}`;
            expect(seen.has(key), `${current}: ${key} twice`).toBe(false);
            seen.set(key, row.count);
          }
          for (const start of starts) for (const group of groups) expect(seen.has(`${start}|${group}`), `${current}: no row ${start}|${group}`).toBe(true);
          // Labels not grouped by are null.
          for (const row of h.rows) {
            if (!groupBy.includes('KIND')) expect(row.kind).toBeNull();
            if (!groupBy.includes('VENDOR')) expect(row.vendor).toBeNull();
            if (!groupBy.includes('SOURCE')) expect(row.source).toBeNull();
            if (!groupBy.includes('OUTCOME')) expect(row.outcome).toBeNull();
          }

          // Every count is the brute-force count of its bucket (clipped to the range) and group.
          const since = Math.max(from, filter.since ?? from);
          const until = Math.min(end, filter.until ?? end);
          const expected = bruteForceCounts(all, filter, summaryOf, since, until, step, groupBy);
          const wrong = [...seen].filter(([key, count]) => count !== (expected.get(key) ?? 0)).map(([key, count]) => `${key}: ${count}, brute force ${expected.get(key) ?? 0}`);
          expect(wrong, `${current}: counts`).toEqual([]);
          for (const key of expected.keys()) expect(seen.has(key), `${current}: events in ${key} but no row`).toBe(true);

          // The wide format says the same.
          expect(h.series, current).toHaveLength(groups.size);
          for (const series of h.series) {
            expect(series.points.map((p) => p.time), current).toEqual(starts);
            const group = groupKey(series, groupBy);
            expect(series.points.map((p) => p.count), current).toEqual(starts.map((start) => seen.get(`${start}|${group}`)));
            expect(series.total, current).toBe(series.points.reduce((n, p) => n + p.count, 0));
          }

          // Per source: status and the events it counted.
          const matching = all.filter((e) => e.occurredAt >= since && e.occurredAt <= until && matches(e, filter, summaryOf(e)));
          for (const info of SOURCE_INFO) {
            const report = h.sources.find((s) => s.source.name === info.name)!;
            if (!selected(info, filter)) {
              expect(report, `${current}: ${info.name}`).toMatchObject({ status: 'SKIPPED', upstreamCalls: 0, events: 0 });
              continue;
            }
            expect(report.status, `${current}: ${info.name} ${JSON.stringify(report.error)}`).toBe('OK');
            expect(report.events, `${current}: ${info.name} events`).toBe(matching.filter((e) => e.source === info.name).length);
            // A stream whose plan rules every event out is not read, and has no method.
            expect(report.methods.length > 0, `${current}: ${info.name} methods ${report.methods}, ${report.streams} streams`).toBe(report.streams > 0);
          }

          // `complete`: every source answered, the buckets lie inside the range, `to` not after the snapshot time.
          const inside = starts[0]! >= from && starts.at(-1)! + step - 1 <= end;
          expect(h.complete, `${current}: complete`).toBe(inside && to <= end);

          // The whole equals a walk of `events` over the range and filter.
          const total = h.rows.reduce((n, row) => n + row.count, 0);
          expect(total, `${current}: total`).toBe(matching.length);
          expect(await eventsTotal((query, vars) => stack.gql(query, vars), { ...filter, since, until }), `${current}: events`).toBe(total);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } catch (error) {
      console.error(`eventHistogram property failed: seed ${SEED} (HISTOGRAM_SEED=${SEED} to replay); last variables ${current}`);
      throw error;
    }
  });
});

type RangeChoice = typeof rangeChoice extends fc.Arbitrary<infer T> ? T : never;

function toRange(choice: RangeChoice, times: readonly number[]): [number, number] {
  switch (choice.shape) {
    case 'recent':
    case 'wide': {
      const to = ANCHOR + DAY - choice.back;
      return [to - Math.floor(10 ** choice.lengthExp) + 1, to];
    }
    case 'events': {
      const [a, b] = [times[choice.a % times.length]!, times[choice.b % times.length]!];
      return [Math.min(a, b), Math.max(a, b)];
    }
  }
}

function written(ms: number, format: 'iso' | 'number' | 'string'): string | number {
  return format === 'iso' ? new Date(ms).toISOString() : format === 'number' ? ms : String(ms);
}

function toFilter(choice: FilterChoice, from: number, to: number, events: readonly OracleEvent[], summaries: readonly string[]): Filter {
  const filter: Filter = {};
  if (choice.kinds) filter.kinds = choice.kinds;
  if (choice.vendors) filter.vendors = choice.vendors;
  if (choice.sources) filter.sources = choice.sources;
  if (choice.outcomes) filter.outcomes = choice.outcomes;
  const pick = <T>(list: readonly T[], n: number | undefined) => (n === undefined || list.length === 0 ? undefined : list[n % list.length]);
  const actors = [...new Set(events.flatMap((e) => (e.actor === null ? [] : [e.actor])))].sort();
  const resources = [...new Set(events.flatMap((e) => (e.resource === null ? [] : [e.resource])))].sort();
  const actor = pick(actors, choice.actor);
  if (actor !== undefined) filter.actor = actor;
  const resource = pick(resources, choice.resource);
  if (resource !== undefined) filter.resource = resource;
  const text = pick(summaries, choice.search?.event);
  if (text !== undefined && choice.search) {
    const start = choice.search.start % text.length;
    const needle = text.slice(start, start + choice.search.length);
    filter.search = choice.search.upper ? needle.toUpperCase() : needle.toLowerCase();
  }
  if (choice.window) {
    const [a, b] = choice.window.map((f) => from + Math.floor(f * (to - from)));
    [filter.since, filter.until] = [Math.min(a!, b!), Math.max(a!, b!)];
  }
  return filter;
}
