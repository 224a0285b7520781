import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { ANCHOR, postGraphQL, startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import {
  emulatorRequests,
  eventsTotal,
  expectedStep,
  histogramScope,
  HISTOGRAM_QUERY,
  OUTCOMES,
  resetEmulatorRequests,
  type HistogramAnswer,
  type HistogramVariables,
} from '../helpers/histogram-oracle.js';
import { appendOracleEvent, fiveSources, oracleEvents, type OracleEvent, type Scope } from '../helpers/timeline-oracle.js';

/*
 * eventHistogram, behaviour by behaviour (docs/api.md, "Counts over time"), on the real server
 * over the five vendors' seeded emulators. Every expected number is computed from the
 * emulators' own data (test/helpers/timeline-oracle.ts), never from the answer.
 *
 * API-key auth is on: `ALL_KEY` reads every source, `HSS_KEY` the hss source only.
 */

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const ALL_KEY = generateApiKey();
const HSS_KEY = generateApiKey();

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A day with no seeded event (the data starts in 2018): step tests cost no scan. */
const EMPTY_DAY = Date.UTC(2001, 0, 1);
/** In configuration order (fiveSources: the order of VENDORS). */
const SOURCES = ['ccr', 'hss', 'csms', 'modelarts', 'bkrepo'];

type Answer = GraphQLResult<{ eventHistogram: HistogramAnswer }>;

describe('eventHistogram', () => {
  let stack: Stack;
  let scope: Scope;
  /** The seeded data, before any test appends. */
  let seeded: OracleEvent[];

  const gql = <R = { eventHistogram: HistogramAnswer }>(query: string, variables?: unknown, key = ALL_KEY) =>
    postGraphQL<R>(stack.server.url, query, variables, { authorization: `Bearer ${key}` });
  const histogram = (variables: HistogramVariables, key = ALL_KEY) => gql(HISTOGRAM_QUERY, variables, key) as Promise<Answer>;
  const ok = (result: Answer) => {
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.status).toBe(200);
    return result.data!.eventHistogram;
  };
  /** Seeded events in [from, to], optionally of one source. */
  const countIn = (from: number, to: number, pick: (e: OracleEvent) => boolean = () => true) =>
    seeded.filter((e) => e.occurredAt >= from && e.occurredAt <= to && pick(e)).length;
  const total = (h: HistogramAnswer) => h.rows.reduce((n, row) => n + row.count, 0);
  const source = (h: HistogramAnswer, name: string) => h.sources.find((s) => s.source.name === name)!;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: 0.05 },
      // The service list kept for an hour: a fully cached histogram then makes no call at all.
      sources: (emulators) =>
        fiveSources(emulators, histogramScope(emulators)).map((s) =>
          (s as { kind: string }).kind === 'huawei-modelarts' ? { ...(s as object), serviceListTtlSeconds: 3600 } : s,
        ),
      server: {
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'all', hash: await hashApiKey(ALL_KEY, FAST), sources: ['*'] },
            { name: 'hss-only', hash: await hashApiKey(HSS_KEY, FAST), sources: ['hss'] },
          ],
        },
      },
    });
    scope = histogramScope(stack.emulators);
    seeded = oracleEvents(stack.emulators, scope);
    // Enough data where the tests look, or their numbers would prove little.
    expect(countIn(ANCHOR - 3 * DAY, ANCHOR - DAY - 1)).toBeGreaterThan(20);
  }, 60_000);
  afterAll(() => stack?.close());
  afterEach(() => {
    for (const emulator of stack.emulators.list()) (emulator as { resetKnobs?(): void }).resetKnobs?.();
  });

  describe('Timestamp, for from/to and for EventFilter.since/until', () => {
    // [ANCHOR - 3 d, ANCHOR - 1 d - 1 ms]: 2 days, default 100 points → 30 min buckets.
    const from = ANCHOR - 3 * DAY;
    const to = ANCHOR - DAY - 1;
    const FIELDS = 'intervalMs from to complete rows { time count }';

    it('takes ISO-8601, epoch ms as a number literal beyond Int, a numeric string, and variables of each', async () => {
      expect(from).toBeGreaterThan(2 ** 31);
      const iso = (ms: number) => `"${new Date(ms).toISOString()}"`;
      const literal = (f: string, t: string) => gql(`{ eventHistogram(from: ${f}, to: ${t}) { ${FIELDS} } }`);
      const byVariables = (f: unknown, t: unknown) => gql(`query($f: Timestamp!, $t: Timestamp!) { eventHistogram(from: $f, to: $t) { ${FIELDS} } }`, { f, t });
      const answers = [
        await literal(iso(from), iso(to)),
        await literal(String(from), String(to)),
        await literal(`"${from}"`, `"${to}"`),
        await literal(`"${new Date(from + 8 * HOUR).toISOString().replace('Z', '+08:00')}"`, iso(to)),
        await byVariables(from, to),
        await byVariables(String(from), String(to)),
        await byVariables(new Date(from).toISOString(), new Date(to).toISOString()),
      ].map(ok);
      const expected = countIn(from, to);
      for (const answer of answers) {
        expect(answer).toEqual(answers[0]);
        expect(total(answer)).toBe(expected);
      }
      expect(answers[0]).toMatchObject({ intervalMs: 30 * MIN, from: new Date(from).toISOString(), to: new Date(to).toISOString(), complete: true });
      expect(answers[0]!.rows).toHaveLength(96);
    });

    it('takes the same forms in EventFilter.since/until, for eventHistogram and for events', async () => {
      const [since, until] = [ANCHOR - 2 * DAY - 7 * HOUR - 1234, ANCHOR - DAY - 3 * HOUR + 17];
      const expected = countIn(since, until);
      expect(expected).toBeGreaterThan(5);
      const forms: [string, string][] = [
        [`"${new Date(since).toISOString()}"`, `"${new Date(until).toISOString()}"`],
        [String(since), String(until)],
        [`"${since}"`, `"${until}"`],
      ];
      for (const [s, u] of forms) {
        const h = ok(await gql(`{ eventHistogram(from: ${from}, to: ${to}, filter: { since: ${s}, until: ${u} }) { ${FIELDS} } }`));
        expect(total(h), `${s}..${u}`).toBe(expected);
        // totalCount may be null here (a source with whole-second times applies a sub-second bound locally): count the edges.
        const events = await gql<{ events: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } }>(
          `{ events(first: 500, filter: { since: ${s}, until: ${u} }) { edges { cursor } pageInfo { hasNextPage } } }`,
        );
        expect(events.data!.events.pageInfo.hasNextPage).toBe(false);
        expect(events.data!.events.edges.length, `${s}..${u}`).toBe(expected);
      }
      const query = `query($s: Timestamp!, $u: Timestamp) { eventHistogram(from: ${from}, to: ${to}, filter: { since: $s, until: $u }) { ${FIELDS} } }`;
      for (const [s, u] of [[since, until], [String(since), String(until)], [new Date(since).toISOString(), new Date(until).toISOString()]]) {
        expect(total(ok(await gql(query, { s, u })))).toBe(expected);
      }
    });

    it('refuses what is no instant: BAD_USER_INPUT in a variable, GRAPHQL_VALIDATION_FAILED written in the query (docs/api.md), no upstream call', async () => {
      resetEmulatorRequests(stack.emulators);
      const bad: unknown[] = ['yesterday', 1.5, true, '2026-13-01T00:00:00Z', '', '2026-05-01T12:00:00'];
      for (const value of bad) {
        const label = JSON.stringify(value);
        for (const result of [
          await gql(`query($f: Timestamp!) { eventHistogram(from: $f, to: ${to}) { intervalMs } }`, { f: value }),
          await gql(`query($t: Timestamp!) { eventHistogram(from: ${from}, to: $t) { intervalMs } }`, { t: value }),
          await gql(`query($s: Timestamp) { eventHistogram(from: ${from}, to: ${to}, filter: { since: $s }) { intervalMs } }`, { s: value }),
          await gql(`query($u: Timestamp) { events(first: 1, filter: { until: $u }) { totalCount } }`, { u: value }),
        ]) {
          expect(result.data ?? null, label).toBeNull();
          expect(result.errors?.[0]?.extensions?.code, label).toBe('BAD_USER_INPUT');
        }
      }
      for (const literal of ['"yesterday"', '1.5', 'true', '"2026-13-01T00:00:00Z"']) {
        for (const result of [
          await gql(`{ eventHistogram(from: ${literal}, to: ${to}) { intervalMs } }`),
          await gql(`{ eventHistogram(from: ${from}, to: ${to}, filter: { until: ${literal} }) { intervalMs } }`),
        ]) {
          expect(result.data ?? null, literal).toBeNull();
          expect(result.errors?.[0]?.extensions?.code, literal).toBe('GRAPHQL_VALIDATION_FAILED');
        }
      }
      expect(emulatorRequests(stack.emulators)).toBe(0);
    });

    it("ignores the variables Grafana sends that the query does not declare", async () => {
      const result = await gql(`query($from: Timestamp!, $to: Timestamp!) { eventHistogram(from: $from, to: $to) { ${FIELDS} } }`, {
        from: String(from),
        to: String(to),
        interval_ms: 1_800_000,
        maxDataPoints: 1337,
        refId: 'A',
        __from: String(from),
        __to: String(to),
      });
      expect(result.status).toBe(200);
      const h = ok(result);
      expect(total(h)).toBe(countIn(from, to));
      // Undeclared, maxDataPoints does not reach the field: the default 100 points hold.
      expect(h.intervalMs).toBe(30 * MIN);
    });
  });

  describe('the step', () => {
    const step = async (from: number, to: number, args: { intervalMs?: number; maxDataPoints?: number }) => {
      const h = ok(await histogram({ from, to, ...args, filter: { sources: ['csms'] } }));
      const starts = h.rows.map((row) => row.time);
      // Buckets start at multiples of the step, the first at or before `from`, the last at or before `to`, none missing.
      for (const start of starts) expect(start % h.intervalMs).toBe(0);
      expect(starts[0]).toBeLessThanOrEqual(from);
      expect(starts[0]! + h.intervalMs).toBeGreaterThan(from);
      expect(starts.at(-1)).toBeLessThanOrEqual(to);
      expect(starts.at(-1)! + h.intervalMs).toBeGreaterThan(to);
      expect(starts.every((start, i) => i === 0 || start - starts[i - 1]! === h.intervalMs)).toBe(true);
      return { step: h.intervalMs, buckets: starts.length, complete: h.complete };
    };

    it('24 h over 48 points is 30 min: 48 buckets, aligned at 00:00 UTC', async () => {
      expect(await step(EMPTY_DAY, EMPTY_DAY + DAY - 1, { maxDataPoints: 48 })).toEqual({ step: 30 * MIN, buckets: 48, complete: true });
      expect(expectedStep(EMPTY_DAY, EMPTY_DAY + DAY - 1, undefined, 48)).toBe(30 * MIN);
    });

    it("Grafana's own 24 h range (to - from = 24 h, interval_ms 30 min, 48 points) is 30 min, as the schema's (to - from) / maxDataPoints says", async () => {
      // Grafana sends ${__to} - ${__from} = 86 400 000 and computes $__interval_ms = 1 800 000
      // for 48 points. schema.graphql (EventHistogram.intervalMs) and docs/grafana.md give
      // max(intervalMs, (to - from) / maxDataPoints) = 30 min, "Grafana's interval rounded up".
      const { step: answered } = await step(EMPTY_DAY, EMPTY_DAY + DAY, { intervalMs: 30 * MIN, maxDataPoints: 48 });
      expect(answered).toBe(30 * MIN);
    });

    it('intervalMs 7000 is 10 s; a fractional intervalMs snaps up too', async () => {
      expect(await step(EMPTY_DAY, EMPTY_DAY + HOUR - 1, { intervalMs: 7000 })).toEqual({ step: 10_000, buckets: 360, complete: true });
      expect(await step(EMPTY_DAY, EMPTY_DAY + HOUR - 1, { intervalMs: 1000.5 })).toEqual({ step: 5_000, buckets: 720, complete: true });
    });

    it('intervalMs 1 without maxDataPoints is capped at 2000 buckets', async () => {
      expect(await step(EMPTY_DAY, EMPTY_DAY + 2_000_000 - 1, { intervalMs: 1 })).toEqual({ step: 1000, buckets: 2000, complete: true });
      // One more millisecond and 1 s would make 2001 buckets: 5 s.
      expect(await step(EMPTY_DAY, EMPTY_DAY + 2_000_000, { intervalMs: 1 })).toEqual({ step: 5000, buckets: 401, complete: false });
      expect(await step(EMPTY_DAY, EMPTY_DAY + 30 * DAY - 1, { intervalMs: 1 })).toEqual({ step: 30 * MIN, buckets: 1440, complete: true });
      // Asking for more points than the cap changes nothing.
      expect(await step(EMPTY_DAY, EMPTY_DAY + DAY - 1, { maxDataPoints: 100_000 })).toEqual({ step: MIN, buckets: 1440, complete: true });
    });

    it('beyond a day, whole days; an unaligned from makes a partial first bucket', async () => {
      // 3650 days over 100 points: 36.5 days and a millisecond, snapped up to 37 days.
      const long = await step(EMPTY_DAY - 3000 * DAY, EMPTY_DAY + 650 * DAY - 1, {});
      expect(long.step).toBe(37 * DAY);
      expect(await step(EMPTY_DAY + 7_000, EMPTY_DAY + HOUR + 6_999, { intervalMs: MIN })).toEqual({ step: MIN, buckets: 61, complete: false });
    });
  });

  describe('refused before any upstream call', () => {
    it('to earlier than from, and a filter naming an unknown source, are BAD_USER_INPUT', async () => {
      resetEmulatorRequests(stack.emulators);
      const backwards = await histogram({ from: ANCHOR, to: ANCHOR - 1 });
      expect(backwards.data ?? null).toBeNull();
      expect(backwards.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
      const unknown = await histogram({ from: ANCHOR - DAY, to: ANCHOR, filter: { sources: ['hss', 'no-such-source'] } });
      expect(unknown.data ?? null).toBeNull();
      expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter' });
      expect(unknown.errors![0]!.message).toMatch(/no-such-source/);
      expect(emulatorRequests(stack.emulators)).toBe(0);
    });
  });

  it('groupBy [SOURCE, OUTCOME]: a series per selected source and outcome, totals from the data; a source left out is SKIPPED with no call', async () => {
    const [from, to] = [ANCHOR - 30 * DAY, ANCHOR];
    const selected = SOURCES.filter((s) => s !== 'bkrepo');
    resetEmulatorRequests(stack.emulators);
    const h = ok(await histogram({ from, to, maxDataPoints: 30, filter: { sources: selected }, groupBy: ['SOURCE', 'OUTCOME'] }));
    expect(h.intervalMs).toBe(expectedStep(from, to, undefined, 30));
    expect(h.series).toHaveLength(selected.length * OUTCOMES.length);
    const buckets = h.series[0]!.points.length;
    expect(h.rows).toHaveLength(buckets * selected.length * OUTCOMES.length);
    for (const name of selected) {
      for (const outcome of OUTCOMES) {
        const series = h.series.filter((s) => s.source === name && s.outcome === outcome);
        expect(series, `${name} ${outcome}`).toHaveLength(1);
        const expected = countIn(from, to, (e) => e.source === name && e.outcome === outcome);
        expect(series[0]!.total, `${name} ${outcome}`).toBe(expected);
        expect(series[0]!.name).toBe(`${name} ${outcome}`);
        expect(series[0]!.kind ?? null).toBeNull();
        const rows = h.rows.filter((row) => row.source === name && row.outcome === outcome);
        expect(rows.reduce((n, row) => n + row.count, 0)).toBe(expected);
        expect(rows.map((row) => row.count)).toEqual(series[0]!.points.map((p) => p.count));
      }
      const report = source(h, name);
      expect(report.status, name).toBe('OK');
      expect(report.methods.length, name).toBeGreaterThan(0);
      expect(report.methods.every((m) => ['TOTALS', 'SCAN', 'CACHED'].includes(m)), name).toBe(true);
      expect(report.upstreamCalls, name).toBeGreaterThanOrEqual(0);
      expect(report.events, name).toBe(countIn(from, to, (e) => e.source === name));
    }
    // Seeded data has successes and failures: the split is not trivial.
    expect(h.series.filter((s) => s.total > 0).length).toBeGreaterThanOrEqual(5);
    expect(source(h, 'bkrepo')).toMatchObject({ status: 'SKIPPED', upstreamCalls: 0, events: 0, methods: [], streams: 0 });
    expect(h.series.some((s) => s.source === 'bkrepo')).toBe(false);
    expect((stack.emulators.bkrepo as unknown as { requests(): { total: number } }).requests().total).toBe(0);
    expect(total(h)).toBe(countIn(from, to, (e) => selected.includes(e.source)));
    expect(await eventsTotal((query, vars) => gql(query, vars), { sources: selected, since: from, until: to })).toBe(total(h));
  });

  it('a failing source: complete false, FAILED with UPSTREAM_UNAVAILABLE in sources and errors[], the others still right', async () => {
    const [from, to] = [ANCHOR - 7 * DAY - 5 * HOUR, ANCHOR - 2 * DAY + 13 * MIN];
    expect(countIn(from, to, (e) => e.source === 'hss')).toBeGreaterThan(0);
    stack.emulators.hss.setKnobs({ forceStatus: 500 });
    resetEmulatorRequests(stack.emulators);
    const result = await histogram({ from, to, maxDataPoints: 77, groupBy: ['SOURCE'] });
    expect(result.status).toBe(200);
    const h = result.data!.eventHistogram;
    expect(h.complete).toBe(false);
    const hss = source(h, 'hss');
    expect(['FAILED', 'PARTIAL']).toContain(hss.status);
    expect(hss.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    const hssReceived = stack.emulators.hss.requests().total;
    expect(hssReceived).toBeGreaterThan(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.path).toEqual(['eventHistogram']);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'hss', upstreamStatus: 500 });
    for (const name of SOURCES.filter((s) => s !== 'hss')) {
      expect(source(h, name).status, name).toBe('OK');
      expect(h.series.find((s) => s.source === name)!.total, name).toBe(countIn(from, to, (e) => e.source === name));
    }
    // The failed source keeps its group, with nothing counted.
    expect(h.series.find((s) => s.source === 'hss')!.total).toBe(0);

    // Back up: the same question is whole again.
    stack.emulators.hss.resetKnobs();
    const again = ok(await histogram({ from, to, maxDataPoints: 77, groupBy: ['SOURCE'] }));
    expect(again.series.find((s) => s.source === 'hss')!.total).toBe(countIn(from, to, (e) => e.source === 'hss'));

    // The calls it made count, failed or not (as in `events`, where a sent call counts once
    // whatever its answer; retries are 0 here): what HSS received.
    expect(hss.upstreamCalls, 'upstreamCalls of the failed source').toBe(hssReceived);
  });

  describe('settled buckets are kept', () => {
    it('a range wholly settled, asked twice: the second answer makes no upstream call, every source CACHED', async () => {
      // [ANCHOR - 20 d, ANCHOR - 10 d - 1 ms]: 10 days over 100 points → 3 h buckets, whole ones.
      const [from, to] = [ANCHOR - 20 * DAY, ANCHOR - 10 * DAY - 1];
      const first = ok(await histogram({ from, to, groupBy: ['SOURCE'] }));
      expect(first.intervalMs).toBe(3 * HOUR);
      expect(first.complete).toBe(true);
      expect(first.sources.reduce((n, s) => n + s.upstreamCalls, 0)).toBeGreaterThan(0);
      resetEmulatorRequests(stack.emulators);
      const second = ok(await histogram({ from, to, groupBy: ['SOURCE'] }));
      expect(second.sources.map((s) => [s.source.name, s.upstreamCalls])).toEqual(SOURCES.map((name) => [name, 0]));
      expect(emulatorRequests(stack.emulators)).toBe(0);
      for (const report of second.sources) expect(report.methods, report.source.name).toEqual(['CACHED']);
      expect(second.rows).toEqual(first.rows);
      for (const name of SOURCES) expect(second.series.find((s) => s.source === name)!.total, name).toBe(countIn(from, to, (e) => e.source === name));
      expect(countIn(from, to)).toBeGreaterThan(20);
    });

    it('a range ending now: a refresh reads only the recent buckets; a late record in a settled bucket waits for the kept count to expire', async () => {
      const now0 = Date.now();
      const step = 10 * MIN;
      const from = Math.floor((now0 - 3 * HOUR) / step) * step;
      const to = now0 - 6_000; // before the snapshot time of both requests
      const settledEnd = now0 - 40 * MIN;
      // 700 HSS records in settled buckets (a scan reads 4 pages of 200), 3 in the newest minutes.
      let tag = 0;
      for (let i = 0; i < 700; i += 1) appendOracleEvent(stack.emulators, scope, 'huawei-hss', `hist-old-${tag++}`, from + Math.floor(((settledEnd - from) * i) / 700));
      for (const back of [170_000, 90_000, 12_000]) appendOracleEvent(stack.emulators, scope, 'huawei-hss', `hist-new-${tag++}`, now0 - back);
      const hssNow = () => oracleEvents(stack.emulators, scope).filter((e) => e.source === 'hss' && e.occurredAt >= from && e.occurredAt <= to);
      const variables: HistogramVariables = { from, to, intervalMs: step, maxDataPoints: 10_000, filter: { sources: ['hss'] } };

      const first = ok(await histogram(variables));
      expect(first.intervalMs).toBe(step);
      const countAt = (h: HistogramAnswer, at: number) => h.rows.find((row) => row.time === Math.floor(at / step) * step)!.count;
      expect(total(first)).toBe(hssNow().length);
      expect(total(first)).toBe(703);
      const firstCalls = source(first, 'hss').upstreamCalls;
      expect(firstCalls).toBeGreaterThanOrEqual(2);

      // One record lands late in a settled bucket, one in the newest bucket.
      const lateOld = now0 - 2 * HOUR;
      const lateNew = now0 - 20_000;
      appendOracleEvent(stack.emulators, scope, 'huawei-hss', `hist-late-${tag++}`, lateOld);
      appendOracleEvent(stack.emulators, scope, 'huawei-hss', `hist-late-${tag++}`, lateNew);
      resetEmulatorRequests(stack.emulators);
      const second = ok(await histogram(variables));
      const secondCalls = source(second, 'hss').upstreamCalls;
      expect(secondCalls).toBeLessThan(firstCalls);
      expect(stack.emulators.hss.requests().total).toBe(secondCalls);
      // The settled bucket is the kept count (docs/api.md: counted once the kept count expires) …
      expect(countAt(second, lateOld)).toBe(countAt(first, lateOld));
      // … the newest bucket is counted again and has the new record.
      expect(countAt(second, lateNew)).toBe(countAt(first, lateNew) + 1);
      expect(total(second)).toBe(total(first) + 1);
      expect(second.rows.filter((row) => row.time + step <= now0 - 5 * MIN - step).map((r) => r.count)).toEqual(
        first.rows.filter((row) => row.time + step <= now0 - 5 * MIN - step).map((r) => r.count),
      );
    });
  });

  describe('scopes', () => {
    it('a key limited to hss counts hss only; a filter naming another source is FORBIDDEN', async () => {
      const [from, to] = [ANCHOR - 5 * DAY, ANCHOR - 1];
      const expected = countIn(from, to, (e) => e.source === 'hss');
      expect(expected).toBeGreaterThan(0);
      expect(countIn(from, to)).toBeGreaterThan(expected);
      const h = ok(await histogram({ from, to, maxDataPoints: 20 }, HSS_KEY));
      expect(total(h)).toBe(expected);
      expect(h.sources.map((s) => s.source.name)).toEqual(['hss']);
      const bySource = ok(await histogram({ from, to, maxDataPoints: 20, groupBy: ['SOURCE', 'VENDOR'] }, HSS_KEY));
      expect(bySource.series.map((s) => [s.source, s.vendor, s.total])).toEqual([['hss', 'HUAWEI_CLOUD', expected]]);

      resetEmulatorRequests(stack.emulators);
      const forbidden = await histogram({ from, to, filter: { sources: ['ccr'] } }, HSS_KEY);
      expect(forbidden.data ?? null).toBeNull();
      expect(forbidden.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'filter' });
      // A kind the key may read (it has no kind limit) but none of its sources has: nothing, and no call.
      const kinds = ok(await histogram({ from, to, filter: { kinds: ['AUDIT'] } }, HSS_KEY));
      expect(total(kinds)).toBe(0);
      expect(kinds.sources).toMatchObject([{ source: { name: 'hss' }, status: 'SKIPPED', upstreamCalls: 0 }]);
      expect(emulatorRequests(stack.emulators)).toBe(0);
      // The same question with the key that reads everything sees every source.
      expect(total(ok(await histogram({ from, to, maxDataPoints: 20 })))).toBe(countIn(from, to));
    });
  });

  describe('the snapshot time', () => {
    it('a `to` after the snapshot time counts up to it, and the answer`s `to` says so (docs/api.md)', async () => {
      const from = ANCHOR - DAY;
      const before = Date.now();
      const h = ok(await histogram({ from, to: before + HOUR, groupBy: ['SOURCE'] }));
      const after = Date.now();
      expect(h.complete).toBe(false);
      // Counted up to the snapshot time (the refresh test appended HSS records minutes ago).
      const current = oracleEvents(stack.emulators, scope);
      expect(total(h)).toBe(current.filter((e) => e.occurredAt >= from && e.occurredAt <= before - 5_000).length);
      expect(total(h)).toBe(current.filter((e) => e.occurredAt >= from && e.occurredAt <= after).length);
      const answeredTo = Date.parse(h.to);
      expect(answeredTo, 'the answer`s to').toBeLessThanOrEqual(after);
      expect(answeredTo).toBeGreaterThanOrEqual(before - 5_000);
      expect(answeredTo % 5_000).toBe(0);
    });

    it('a range wholly after the snapshot time counts nothing, without blaming a filter the client never sent', async () => {
      const from = Date.now() + HOUR;
      const result = await histogram({ from, to: from + HOUR, maxDataPoints: 6 });
      expect(result.errors?.map((e) => e.extensions?.argument) ?? []).not.toContain('filter');
      if (!result.errors) {
        const h = result.data!.eventHistogram;
        expect(total(h)).toBe(0);
        expect(h.complete).toBe(false);
      }
    });
  });
});
