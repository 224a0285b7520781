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
import { EventNumbering, toDeploymentEvent } from '../../../src/vendors/huawei-modelarts/modelarts.mapper.js';
import { VendorRegistry } from '../../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../../helpers/demo-credentials.js';
import { ANCHOR } from '../../helpers/stack.js';

/*
 * ServiceEventStream.count against brute force: the emulator's own events of the service,
 * mapped as the stream maps them and kept by `matchesFilter`. Cache off, so every count is a
 * real call.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const EDGE_MINUTE = Math.floor((ANCHOR - 2 * DAY) / MINUTE) * MINUTE + 41 * MINUTE;
/** Where the busy service gets thousands more events: three whole days. */
const BUSY_FROM = Math.floor((ANCHOR - 10 * DAY) / DAY) * DAY;
const BUSY_EVENTS = 4500;
const { SUCCESS, FAILURE, UNKNOWN } = EventOutcome;

let emulators: RunningEmulators;
/** By service id. */
let streams: Map<string, Stream>;
let names: Map<string, string>;
let busy: string;

beforeAll(async () => {
  emulators = await startEmulators({ now: ANCHOR });
  const listed = emulators.modelarts.summaries().filter((s) => s.workspace_id === '0');
  names = new Map(listed.map((s) => [s.service_id, s.service_name]));
  busy = listed.find((s) => s.event_count > 500)!.service_id;
  const random = mulberry32(11);
  const edges = [-1, 0, 1, 999, 1000, 1001, 30_000, MINUTE - 1, MINUTE, MINUTE + 1];
  for (const { service_id } of listed) {
    emulators.modelarts.appendEvents(service_id, [
      ...edges.map((offset, n) => ({ occur_time: EDGE_MINUTE + offset, event_type: n % 3 === 0 ? ('abnormal' as const) : ('normal' as const), event_info: `edge ${n}` })),
      // Twins in one millisecond.
      { occur_time: EDGE_MINUTE + 1000, event_type: 'normal', event_info: 'edge 4' },
    ]);
  }
  emulators.modelarts.appendEvents(
    busy,
    Array.from({ length: BUSY_EVENTS }, (_, n) => ({
      occur_time: BUSY_FROM + randomInt(random, 0, 3 * DAY - 1),
      event_type: random() < 0.3 ? ('abnormal' as const) : ('normal' as const),
      event_info: `busy ${n}`,
    })),
  );
  const huawei = DEMO_CREDENTIALS.huawei;
  const vendors = new VendorRegistry(VENDORS);
  const config = parseConfig(
    {
      sources: [
        {
          name: 'modelarts',
          kind: 'huawei-modelarts',
          endpoint: emulators.modelarts.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
          http: { retries: 0, rateLimit: { perSecond: 0 } },
          cacheTtlSeconds: 0,
          serviceListTtlSeconds: 0,
        },
      ],
    },
    'test configuration',
    vendors.configSchema,
  );
  const [source] = vendors.createSources(config);
  const list = await source!.openSession().streams(new UpstreamCallCounts());
  streams = new Map(list.map((stream) => [stream.key.slice('modelarts/'.length), stream]));
  expect([...streams.keys()].sort()).toEqual([...names.keys()].sort());
});
afterAll(() => emulators.close());

const mappedByService = new Map<string, EventRecord[]>();
/** The emulator's events of the service as the stream maps them (the data is fixed after beforeAll). */
function mapped(serviceId: string): EventRecord[] {
  let events = mappedByService.get(serviceId);
  if (!events) {
    const ref = { sourceName: 'modelarts', projectId: DEMO_CREDENTIALS.huawei.projectId, serviceId, serviceName: names.get(serviceId)! };
    const numbering = new EventNumbering();
    events = emulators.modelarts.events(serviceId).map((event) => toDeploymentEvent(ref, { ...event }, numbering));
    mappedByService.set(serviceId, events);
  }
  return events;
}

function bruteForce(serviceId: string, filter: EventFilter): number {
  return mapped(serviceId).filter((event) => matchesFilter(event, filter)).length;
}

async function count(serviceId: string, since: number, until: number, filter: EventFilter = {}) {
  const stream = streams.get(serviceId)!;
  const calls = new UpstreamCallCounts();
  const windowed = { ...filter, since, until };
  emulators.modelarts.resetRequests();
  const result = await stream.count!({ since, until, filter: windowed, plan: stream.plan(windowed), calls });
  return { result, wire: emulators.modelarts.requests(), calls: calls.of('modelarts'), expected: bruteForce(serviceId, windowed) };
}

function windows(): [number, number][] {
  const random = mulberry32(5);
  const start = ANCHOR - 91 * DAY;
  const out: [number, number][] = [
    [start, ANCHOR],
    [0, ANCHOR],
    [EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1],
    [EDGE_MINUTE - MINUTE, EDGE_MINUTE - 1],
    [EDGE_MINUTE + MINUTE, EDGE_MINUTE + 2 * MINUTE - 1],
    [EDGE_MINUTE + 1000, EDGE_MINUTE + 1999],
    [EDGE_MINUTE + 1, EDGE_MINUTE + 999],
    [EDGE_MINUTE, EDGE_MINUTE],
    [BUSY_FROM, BUSY_FROM + DAY - 1],
  ];
  for (let i = 0; i < 6; i++) {
    const a = randomInt(random, start, ANCHOR);
    out.push([a, Math.min(ANCHOR, a + randomInt(random, 0, 20 * DAY))]);
    const k = Math.floor(randomInt(random, BUSY_FROM, BUSY_FROM + 3 * DAY) / MINUTE);
    out.push([k * MINUTE, (k + 1) * MINUTE - 1]);
    const h = Math.floor(randomInt(random, start, ANCHOR) / (60 * MINUTE));
    out.push([h * 60 * MINUTE, (h + 1) * 60 * MINUTE - 1]);
  }
  return out;
}

const COUNTABLE: EventFilter[] = [
  {},
  { outcomes: [SUCCESS] },
  { outcomes: [FAILURE] },
  { outcomes: [FAILURE, UNKNOWN] },
  { outcomes: [SUCCESS, FAILURE, UNKNOWN] },
];

describe('ModelArts count', () => {
  it('equals brute force for every service, over random and bucket-aligned windows and outcomes, in one call', async () => {
    let nonZero = 0;
    for (const serviceId of streams.keys()) {
      const filters = [...COUNTABLE, { resource: names.get(serviceId)! }, { resource: names.get(serviceId)!, outcomes: [FAILURE] }];
      for (const [since, until] of windows()) {
        for (const filter of filters) {
          const { result, wire, calls, expected } = await count(serviceId, since, until, filter);
          expect(result, `${serviceId} [${since}, ${until}] ${JSON.stringify(filter)}`).toBe(expected);
          expect([wire.total, calls]).toEqual([1, 1]);
          const query = Object.fromEntries(new URLSearchParams(wire.recent[0]!.query));
          expect(query).toMatchObject({ limit: '1', offset: '0', start_time: String(since), end_time: String(until) });
          const outcomes = filter.outcomes?.filter((o) => o !== UNKNOWN) ?? [];
          expect(query['event_type']).toBe(outcomes.length === 1 ? (outcomes[0] === SUCCESS ? 'normal' : 'abnormal') : undefined);
          if (expected > 0) nonZero += 1;
        }
      }
    }
    expect(nonZero).toBeGreaterThan(200);
  });

  it('the edge minute, second by second', async () => {
    const serviceId = busy;
    const perSecond: number[] = [];
    for (let s = 0; s < 60; s++) perSecond.push((await count(serviceId, EDGE_MINUTE + s * 1000, EDGE_MINUTE + s * 1000 + 999)).result!);
    // 0, 1, 999 | 1000 (twice), 1001 | … 30000 | … 59999
    expect([perSecond[0], perSecond[1], perSecond[30], perSecond[59]]).toEqual([3, 3, 1, 1]);
    expect(perSecond.reduce((a, b) => a + b, 0)).toBe(bruteForce(serviceId, { since: EDGE_MINUTE, until: EDGE_MINUTE + MINUTE - 1 }));
  });

  it('is null, without a call, for search and for SUCCESS and FAILURE without UNKNOWN', async () => {
    for (const filter of [{ search: 'edge' }, { outcomes: [SUCCESS, FAILURE] }, { search: 'x', outcomes: [FAILURE] }] as EventFilter[]) {
      const { result, wire, calls } = await count(busy, ANCHOR - 91 * DAY, ANCHOR, filter);
      expect(result, JSON.stringify(filter)).toBeNull();
      expect([wire.total, calls]).toEqual([0, 0]);
    }
  });

  it('is 0, without a call, for a filter no event of the service matches', async () => {
    for (const filter of [{ actor: 'someone' }, { outcomes: [UNKNOWN] }, { resource: 'not-this-service' }] as EventFilter[]) {
      const { result, wire, expected } = await count(busy, ANCHOR - 91 * DAY, ANCHOR, filter);
      expect([result, expected]).toEqual([0, 0]);
      expect(wire.total).toBe(0);
    }
  });

  it('is null for a window that is not whole milliseconds or starts before the epoch', async () => {
    const stream = streams.get(busy)!;
    emulators.modelarts.resetRequests();
    const calls = new UpstreamCallCounts();
    expect(await stream.count!({ since: EDGE_MINUTE, until: EDGE_MINUTE + 0.5, filter: {}, plan: stream.plan({}), calls })).toBeNull();
    expect(await stream.count!({ since: -1, until: EDGE_MINUTE, filter: {}, plan: stream.plan({}), calls })).toBeNull();
    expect(emulators.modelarts.requests().total).toBe(0);
  });

  it('the histogram engine: per-bucket totals (by outcome too) and scans agree with brute force', async () => {
    const stream = streams.get(busy)!;
    const cases: { from: number; to: number; stepMs: number; byOutcome: boolean; filter: EventFilter; method: CountMethod }[] = [
      // ~5000 events: 5 pages to scan, 3 totals.
      { from: BUSY_FROM, to: BUSY_FROM + 3 * DAY - 1, stepMs: DAY, byOutcome: false, filter: {}, method: CountMethod.TOTALS },
      { from: BUSY_FROM, to: BUSY_FROM + 3 * DAY - 1, stepMs: DAY, byOutcome: false, filter: { outcomes: [SUCCESS] }, method: CountMethod.TOTALS },
      // Three outcomes by three days is more than 5 pages: a scan.
      { from: BUSY_FROM, to: BUSY_FROM + 3 * DAY - 1, stepMs: DAY, byOutcome: true, filter: {}, method: CountMethod.SCAN },
      // One bucket (a 30-day step, from a multiple of it) of unaligned bounds, by outcome: 3 totals.
      { from: Math.floor(BUSY_FROM / (30 * DAY)) * 30 * DAY + 123, to: Math.floor(BUSY_FROM / (30 * DAY)) * 30 * DAY + 30 * DAY - 7, stepMs: 30 * DAY, byOutcome: true, filter: {}, method: CountMethod.TOTALS },
      { from: EDGE_MINUTE - 5 * MINUTE, to: EDGE_MINUTE + 5 * MINUTE - 1, stepMs: 1000, byOutcome: true, filter: {}, method: CountMethod.SCAN },
      // A filter it cannot count: a scan.
      { from: BUSY_FROM, to: BUSY_FROM + 3 * DAY - 1, stepMs: DAY, byOutcome: false, filter: { search: 'busy 1' }, method: CountMethod.SCAN },
    ];
    for (const { from, to, stepMs, byOutcome, filter: given, method } of cases) {
      const starts: number[] = [];
      for (let start = Math.floor(from / stepMs) * stepMs; start <= to; start += stepMs) starts.push(start);
      const filter: EventFilter = { ...given, since: from, until: to };
      const deadline = new PageDeadline(undefined);
      const counted = await countStream({ stream, plan: stream.plan(filter), filter, starts, stepMs, from, to, byOutcome, calls: new UpstreamCallCounts(), deadline });
      deadline.dispose();
      expect(counted.method, JSON.stringify({ from, stepMs, byOutcome, given })).toBe(method);
      for (const start of starts) {
        const bucket = { ...filter, since: Math.max(from, start), until: Math.min(to, start + stepMs - 1) };
        const counts = counted.buckets.get(start)!;
        if (!byOutcome) expect(counts.get('ALL'), `bucket ${start}`).toBe(bruteForce(busy, bucket));
        else for (const outcome of [SUCCESS, FAILURE, UNKNOWN]) expect(counts.get(outcome) ?? 0, `bucket ${start} ${outcome}`).toBe(bruteForce(busy, { ...bucket, outcomes: [outcome] }));
      }
    }
  });

  it('a full read of the stream keeps what brute force keeps', async () => {
    const stream = streams.get(busy)!;
    const filter: EventFilter = { since: BUSY_FROM - DAY, until: ANCHOR, outcomes: [FAILURE] };
    const reader = stream.open({ order: SortDirection.ASC, since: filter.since, until: ANCHOR, filter, want: stream.maxPageSize, plan: stream.plan(filter), calls: new UpstreamCallCounts() });
    let kept = 0;
    for (;;) {
      const chunk = await reader.next();
      kept += chunk.events.filter((event) => matchesFilter(event, filter)).length;
      if (chunk.done) break;
    }
    expect(kept).toBe(bruteForce(busy, filter));
    expect((await count(busy, filter.since!, ANCHOR, { outcomes: [FAILURE] })).result).toBe(kept);
  });
});
