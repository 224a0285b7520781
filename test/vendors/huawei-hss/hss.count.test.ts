import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { mulberry32, randomInt } from '../../../src/emulators/common/mulberry32.js';
import { EventOutcome, SortDirection, type EventRecord } from '../../../src/model/event.model.js';
import { matchesFilter, type EventFilter } from '../../../src/timeline/event-filter.js';
import { CountMethod, countStream } from '../../../src/timeline/histogram/stream-count.js';
import { PageDeadline } from '../../../src/timeline/lane.js';
import type { Stream } from '../../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import { hssStreamKey, toImageEvent } from '../../../src/vendors/huawei-hss/hss.mapper.js';
import { VendorRegistry } from '../../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../../helpers/demo-credentials.js';
import { ANCHOR } from '../../helpers/stack.js';

/*
 * HssImageEventStream.count against brute force: the emulator's own records, mapped as the
 * stream maps them and kept by `matchesFilter`. Cache off, so every count is a real call.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A minute with records on and around its edges, and on the edges of its seconds. */
const EDGE_MINUTE = Math.floor((ANCHOR - 3 * DAY) / MINUTE) * MINUTE + 17 * MINUTE;
const USER = 'count-user';
const RESOURCE = 'count/image:1';

let emulators: RunningEmulators;
let streams: Map<string, Stream>;

function record(time: number, n: number, overrides: Record<string, string> = {}) {
  return {
    resource_name: RESOURCE,
    resource_type: 'image',
    event_name: 'push',
    event_id: `count-${time}-${n}`,
    event_type: 'operation',
    source_ip: '192.0.2.9',
    user_name: USER,
    time,
    content: `count test ${n}`,
    ...overrides,
  };
}

beforeAll(async () => {
  emulators = await startEmulators({ now: ANCHOR });
  const edges = [-1, 0, 1, 999, 1000, 1001, 29_999, 30_000, MINUTE - 1, MINUTE, MINUTE + 1];
  emulators.hss.appendEvents([
    ...edges.map((offset, n) => record(EDGE_MINUTE + offset, n)),
    // Twins of one millisecond, and names the fuzzy reading of `user_name` would confuse.
    record(EDGE_MINUTE + 1000, 100, { user_name: `${USER}-2` }),
    record(EDGE_MINUTE + 1000, 101, { user_name: '', resource_name: '' }),
    record(EDGE_MINUTE + 1000, 102, { resource_name: `${RESOURCE}-old` }),
  ]);
  const huawei = DEMO_CREDENTIALS.huawei;
  const base = {
    kind: 'huawei-hss',
    endpoint: emulators.hss.url,
    credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
    http: { retries: 0, rateLimit: { perSecond: 0 } },
    cacheTtlSeconds: 0,
  };
  const vendors = new VendorRegistry(VENDORS);
  const config = parseConfig(
    {
      sources: [
        { ...base, name: 'hss', scope: { projectId: huawei.projectId } },
        { ...base, name: 'hss-fixed', scope: { projectId: huawei.projectId, filters: { userName: USER } } },
      ],
    },
    'test configuration',
    vendors.configSchema,
  );
  streams = new Map();
  for (const source of vendors.createSources(config)) {
    const [stream] = await source.openSession().streams(new UpstreamCallCounts());
    streams.set(source.name, stream!);
  }
});
afterAll(() => emulators.close());

/** The emulator's records as the stream maps them (with the fixed filter of `hss-fixed`). */
const mappedBySource = new Map<string, EventRecord[]>();
function mapped(sourceName: string): EventRecord[] {
  const kept = mappedBySource.get(sourceName);
  if (kept) return kept;
  const ref = { sourceName, streamKey: hssStreamKey(sourceName) };
  const fixedUser = sourceName === 'hss-fixed' ? USER : undefined;
  const events = emulators.hss
    .events()
    .filter((r) => fixedUser === undefined || r.user_name === fixedUser)
    .map((r) => toImageEvent(ref, { ...r }));
  // The data does not change after beforeAll.
  mappedBySource.set(sourceName, events);
  return events;
}

/** What the stream would keep of the emulator's records: mapped, then `matchesFilter`. */
function bruteForce(sourceName: string, filter: EventFilter, events = mapped(sourceName)): number {
  return events.filter((event) => matchesFilter(event, filter)).length;
}

async function count(sourceName: string, since: number, until: number, filter: EventFilter = {}) {
  const stream = streams.get(sourceName)!;
  const calls = new UpstreamCallCounts();
  const windowed = { ...filter, since, until };
  emulators.hss.resetRequests();
  const result = await stream.count!({ since, until, filter: windowed, plan: stream.plan(windowed), calls });
  const wire = emulators.hss.requests();
  return { result, wire, calls: calls.of(sourceName), expected: bruteForce(sourceName, windowed) };
}

/** Random windows over the data, minute- and second-aligned buckets, and the edge minute's. */
function windows(): [number, number][] {
  const random = mulberry32(7);
  const start = ANCHOR - 91 * DAY;
  const out: [number, number][] = [
    [start, ANCHOR],
    [EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1],
    [EDGE_MINUTE - MINUTE, EDGE_MINUTE - 1],
    [EDGE_MINUTE + MINUTE, EDGE_MINUTE + 2 * MINUTE - 1],
    [EDGE_MINUTE + 1000, EDGE_MINUTE + 1999],
    [EDGE_MINUTE, EDGE_MINUTE],
    [EDGE_MINUTE + 1, EDGE_MINUTE + 999],
    [EDGE_MINUTE - 1, EDGE_MINUTE + MINUTE],
    [0, ANCHOR],
  ];
  for (let i = 0; i < 12; i++) {
    const a = randomInt(random, start, ANCHOR);
    out.push([a, Math.min(ANCHOR, a + randomInt(random, 0, 20 * DAY))]);
  }
  for (let i = 0; i < 6; i++) {
    const k = Math.floor(randomInt(random, start, ANCHOR) / MINUTE);
    out.push([k * MINUTE, (k + 1) * MINUTE - 1]);
    const d = Math.floor(randomInt(random, start, ANCHOR) / DAY);
    out.push([d * DAY, (d + 1) * DAY - 1]);
  }
  return out;
}

describe('HSS count', () => {
  it('equals brute force over random and bucket-aligned windows, in exactly one limit=0 call', async () => {
    let nonZero = 0;
    for (const [since, until] of windows()) {
      for (const filter of [{}, { outcomes: [EventOutcome.UNKNOWN] }, { outcomes: [EventOutcome.UNKNOWN, EventOutcome.FAILURE] }] as EventFilter[]) {
        const { result, wire, calls, expected } = await count('hss', since, until, filter);
        expect(result, `[${since}, ${until}] ${JSON.stringify(filter)}`).toBe(expected);
        expect([wire.total, calls]).toEqual([1, 1]);
        const query = new URLSearchParams(wire.recent[0]!.query);
        expect(Object.fromEntries(query)).toMatchObject({ limit: '0', offset: '0', start_time: String(since), end_time: String(until) });
        if (expected > 0) nonZero += 1;
      }
    }
    expect(nonZero).toBeGreaterThan(20);
  });

  it('the edge minute: every record on a second or minute boundary lands in the right window', async () => {
    expect((await count('hss', EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1)).result).toBe(bruteForce('hss', { since: EDGE_MINUTE, until: EDGE_MINUTE + MINUTE - 1 }));
    // 0, 1, 999 | 1000 (4 records), 1001 | ...: the seconds of the minute, one by one.
    const perSecond: number[] = [];
    for (let s = 0; s < 60; s++) perSecond.push((await count('hss', EDGE_MINUTE + s * 1000, EDGE_MINUTE + s * 1000 + 999)).result!);
    expect(perSecond[0]).toBe(3);
    expect(perSecond[1]).toBe(5);
    expect(perSecond[29]).toBe(1);
    expect(perSecond[30]).toBe(1);
    expect(perSecond[59]).toBe(1);
  });

  it('with the source fixed filters: the same records a read fetches', async () => {
    for (const [since, until] of windows().slice(0, 10)) {
      const { result, expected, wire } = await count('hss-fixed', since, until);
      expect(result).toBe(expected);
      expect(new URLSearchParams(wire.recent[0]!.query).get('user_name')).toBe(USER);
    }
    // The ten edge records inside the window, and the twin of 1000 by the same user.
    expect((await count('hss-fixed', EDGE_MINUTE - 1, EDGE_MINUTE + MINUTE)).result).toBe(11);
  });

  it('is null, without a call, for search, actor and resource (their upstream matching is not documented exact)', async () => {
    for (const filter of [{ search: 'push' }, { actor: USER }, { resource: RESOURCE }, { actor: USER, outcomes: [EventOutcome.UNKNOWN] }] as EventFilter[]) {
      const { result, wire, calls } = await count('hss', EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1, filter);
      expect(result, JSON.stringify(filter)).toBeNull();
      expect([wire.total, calls]).toEqual([0, 0]);
    }
  });

  it('is 0, without a call, when the plan rules every event out', async () => {
    for (const filter of [{ outcomes: [EventOutcome.SUCCESS] }, { outcomes: [EventOutcome.FAILURE, EventOutcome.SUCCESS] }, { actor: '' }] as EventFilter[]) {
      const { result, wire, expected } = await count('hss', ANCHOR - 91 * DAY, ANCHOR, filter);
      expect([result, expected]).toEqual([0, 0]);
      expect(wire.total).toBe(0);
    }
    // A fixed filter that contradicts the actor filter.
    const { result, wire } = await count('hss-fixed', ANCHOR - 91 * DAY, ANCHOR, { actor: 'someone-else' });
    expect([result, wire.total]).toEqual([0, 0]);
  });

  it('is null for a window that is not whole milliseconds, and 0 without a call for one before the epoch', async () => {
    const stream = streams.get('hss')!;
    const calls = new UpstreamCallCounts();
    emulators.hss.resetRequests();
    expect(await stream.count!({ since: EDGE_MINUTE + 0.5, until: EDGE_MINUTE + MINUTE, filter: {}, plan: stream.plan({}), calls })).toBeNull();
    expect(await stream.count!({ since: -5000, until: -1, filter: {}, plan: stream.plan({}), calls })).toBe(0);
    expect(emulators.hss.requests().total).toBe(0);
    // A start before the epoch is the same as 0.
    expect((await count('hss', -5000, EDGE_MINUTE + MINUTE - 1)).result).toBe(bruteForce('hss', { until: EDGE_MINUTE + MINUTE - 1 }));
  });

  it('the histogram engine: per-bucket totals and a scan of the stream agree with brute force', async () => {
    const stream = streams.get('hss')!;
    const cases: { from: number; to: number; stepMs: number; method: CountMethod }[] = [
      // ~4000 records: 20 pages to scan, 10 totals.
      { from: Math.floor((ANCHOR - 90 * DAY) / (10 * DAY)) * 10 * DAY, to: ANCHOR, stepMs: 10 * DAY, method: CountMethod.TOTALS },
      // A few records over many buckets: one page is cheaper.
      { from: EDGE_MINUTE - 5 * MINUTE, to: EDGE_MINUTE + 5 * MINUTE - 1, stepMs: 1000, method: CountMethod.SCAN },
    ];
    const events = mapped('hss');
    for (const { from, to, stepMs, method } of cases) {
      const starts: number[] = [];
      for (let start = Math.floor(from / stepMs) * stepMs; start <= to; start += stepMs) starts.push(start);
      const filter: EventFilter = { since: from, until: to };
      const deadline = new PageDeadline(undefined);
      const counted = await countStream({ stream, plan: stream.plan(filter), filter, starts, stepMs, from, to, byOutcome: false, calls: new UpstreamCallCounts(), deadline });
      deadline.dispose();
      expect(counted.method).toBe(method);
      for (const start of starts) {
        const expected = bruteForce('hss', { since: Math.max(from, start), until: Math.min(to, start + stepMs - 1) }, events);
        expect(counted.buckets.get(start)!.get('ALL'), `bucket ${start}`).toBe(expected);
      }
    }
  });

  it('a full read of the stream keeps what brute force keeps', async () => {
    const stream = streams.get('hss')!;
    const since = ANCHOR - 20 * DAY;
    const filter: EventFilter = { since, until: ANCHOR };
    const reader = stream.open({ order: SortDirection.DESC, since, until: ANCHOR, filter, want: stream.maxPageSize, plan: stream.plan(filter), calls: new UpstreamCallCounts() });
    const seen: EventRecord[] = [];
    for (;;) {
      const chunk = await reader.next();
      seen.push(...chunk.events.filter((event) => matchesFilter(event, filter)));
      if (chunk.done) break;
    }
    expect(seen.length).toBe(bruteForce('hss', filter));
    expect((await count('hss', since, ANCHOR)).result).toBe(seen.length);
  });
});
