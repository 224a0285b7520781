import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { mulberry32, randomInt } from '../../../src/emulators/common/mulberry32.js';
import { SEED_EXAMPLE_LOG, type TriggerLog as EmulatedLog } from '../../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { EventOutcome, type EventRecord } from '../../../src/model/event.model.js';
import { matchesFilter, type EventFilter } from '../../../src/timeline/event-filter.js';
import { CountMethod, countStream } from '../../../src/timeline/histogram/stream-count.js';
import { PageDeadline } from '../../../src/timeline/lane.js';
import type { Stream } from '../../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { tencentCcrSourceSchema } from '../../../src/vendors/tencent-ccr/tencent-ccr.config.js';
import { toTriggerEvent, TriggerLogNumbering } from '../../../src/vendors/tencent-ccr/tencent-ccr.mapper.js';
import { triggerLogSchema } from '../../../src/vendors/tencent-ccr/tencent-ccr.schemas.js';
import { TencentCcrSource } from '../../../src/vendors/tencent-ccr/tencent-ccr.source.js';
import { ANCHOR } from '../../helpers/stack.js';
import { tencentSource } from '../../helpers/tencent.js';

/*
 * TriggerLogStream.count (binary search of offsets) against brute force: the emulator's own
 * records of the repository, mapped as the stream maps them and kept by `matchesFilter`.
 * Cache off, so every probe is a real call.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const BUSY = 'shop/web-frontend';
const QUIET = 'infra/nginx-ingress';
const BUSY_RECORDS = 3000;
/** A minute of the busy repository with records on and around its edges. */
const EDGE_MINUTE = Math.floor((ANCHOR - 3 * DAY) / MINUTE) * MINUTE + 17 * MINUTE;
const { SUCCESS, FAILURE, UNKNOWN } = EventOutcome;

let emulators: RunningEmulators;
let source: TencentCcrSource;
let streams: Map<string, Stream>;

/** `YYYY-MM-DD HH:MM:SS` in Beijing time, as the emulator stores it. */
function invokeTime(at: number): string {
  return new Date(at + 8 * 3600 * SECOND).toISOString().slice(0, 19).replace('T', ' ');
}

function record(repoName: string, at: number, n: number, failed = false): EmulatedLog {
  return {
    ...structuredClone(SEED_EXAMPLE_LOG as EmulatedLog),
    repoName,
    tagName: `count-${n}`,
    invokeTime: invokeTime(at),
    invokeResult: failed ? { returnCode: 1, returnMsg: 'failed' } : { returnCode: 0, returnMsg: 'ok' },
  };
}

function seed() {
  const random = mulberry32(23);
  const busy: EmulatedLog[] = [];
  // Bursts: many records share one second.
  for (let n = 0; n < BUSY_RECORDS; ) {
    const at = ANCHOR - 20 * DAY + randomInt(random, 0, 19 * DAY) * 1;
    const second = Math.floor(at / SECOND) * SECOND;
    const burst = Math.min(BUSY_RECORDS - n, randomInt(random, 1, 6));
    for (let k = 0; k < burst; k++, n++) busy.push(record(BUSY, second, n, random() < 0.15));
  }
  for (const [n, offset] of [-SECOND, 0, 0, SECOND, 59 * SECOND, MINUTE, MINUTE, MINUTE + SECOND].entries()) {
    busy.push(record(BUSY, EDGE_MINUTE + offset, 10_000 + n, n % 2 === 0));
  }
  emulators.tencentCcr.appendLogs(BUSY, busy);
}

beforeAll(async () => {
  emulators = await startEmulators({ now: ANCHOR });
  seed();
  source = new TencentCcrSource(tencentCcrSourceSchema.parse(tencentSource(emulators, { cacheTtlSeconds: 0 })));
  streams = new Map((await source.openSession().streams()).map((stream) => [stream.key.slice('ccr/'.length), stream]));
});
afterAll(() => emulators.close());
beforeEach(() => {
  emulators.tencentCcr.reset();
  seed();
});

const mappedMemo = new Map<string, { size: number; events: EventRecord[] }>();
/** The emulator's records of the repository as the stream maps them (kept while their number holds). */
function mapped(repoName: string): EventRecord[] {
  const size = emulators.tencentCcr.logs(repoName).length;
  const known = mappedMemo.get(repoName);
  if (known?.size === size) return known.events;
  const events = mapAll(repoName);
  mappedMemo.set(repoName, { size, events });
  return events;
}

function mapAll(repoName: string): EventRecord[] {
  const context = source.openSession().contextFor(repoName);
  const numbering = new TriggerLogNumbering();
  return emulators.tencentCcr.logs(repoName).map((raw) => toTriggerEvent(context, { record: triggerLogSchema.parse(raw), raw }, numbering));
}

async function count(repoName: string, since: number, until: number, filter: EventFilter = {}) {
  const stream = streams.get(repoName)!;
  const calls = new UpstreamCallCounts();
  const windowed = { ...filter, since, until };
  emulators.tencentCcr.resetRequests();
  const result = await stream.count!({ since, until, filter: windowed, plan: stream.plan(windowed), calls });
  const expected = mapped(repoName).filter((event) => matchesFilter(event, windowed)).length;
  return { result, wire: emulators.tencentCcr.requests().total, calls: calls.of('ccr'), expected, total: emulators.tencentCcr.logs(repoName).length };
}

/** The most calls a count may make over n records: two binary searches over pages of 100, and the first probe. */
function callBound(n: number): number {
  return 2 * Math.ceil(Math.log2(n / 100 + 1)) + 3;
}

function windows(): [number, number][] {
  const random = mulberry32(7);
  const out: [number, number][] = [
    [0, ANCHOR],
    [ANCHOR - 90 * DAY, ANCHOR],
    [EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1],
    [EDGE_MINUTE - MINUTE, EDGE_MINUTE - 1],
    [EDGE_MINUTE + MINUTE, EDGE_MINUTE + 2 * MINUTE - 1],
    [EDGE_MINUTE, EDGE_MINUTE],
    [EDGE_MINUTE + 1, EDGE_MINUTE + 999],
    [EDGE_MINUTE - 1, EDGE_MINUTE + 1],
    [ANCHOR + 1, ANCHOR + DAY],
    [ANCHOR - 1000 * DAY, ANCHOR - 900 * DAY],
  ];
  for (let i = 0; i < 25; i++) {
    // Bucket-aligned: [k·step, (k+1)·step − 1], steps from a second to a day.
    const step = [SECOND, MINUTE, 5 * MINUTE, 3600 * SECOND, DAY][i % 5]!;
    const k = Math.floor((ANCHOR - randomInt(random, 0, 25 * DAY)) / step);
    out.push([k * step, (k + 1) * step - 1]);
  }
  for (let i = 0; i < 15; i++) {
    const since = ANCHOR - randomInt(random, 0, 30 * DAY);
    out.push([since, since + randomInt(random, 0, 5 * DAY)]);
  }
  return out;
}

describe('TriggerLogStream.count', () => {
  it('equals brute force over random, bucket-aligned and edge windows, in O(log n) calls', async () => {
    let nonZero = 0;
    for (const repoName of [BUSY, QUIET]) {
      for (const [since, until] of windows()) {
        const { result, wire, calls, expected, total } = await count(repoName, since, until);
        expect(result, `${repoName} [${since}, ${until}]`).toBe(expected);
        expect(wire).toBe(calls);
        expect(calls).toBeGreaterThanOrEqual(1);
        expect(calls).toBeLessThanOrEqual(callBound(total));
        if (expected > 0) nonZero += 1;
      }
    }
    expect(nonZero).toBeGreaterThan(20);
  });

  it('settles a recent window with the first probe alone', async () => {
    const newest = mapped(QUIET).at(-1)!.occurredAt;
    const { result, calls, expected } = await count(QUIET, newest - 10 * MINUTE, ANCHOR);
    expect(result).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(calls).toBe(1);
  });

  it('counts with an outcome filter that keeps every record, and says null without a call for any other local filter', async () => {
    const window: [number, number] = [ANCHOR - 10 * DAY, ANCHOR - 5 * DAY];
    const all = await count(BUSY, ...window, { outcomes: [SUCCESS, FAILURE] });
    expect(all.result).toBe(all.expected);
    const withUnknown = await count(BUSY, ...window, { outcomes: [SUCCESS, FAILURE, UNKNOWN] });
    expect(withUnknown.result).toBe(withUnknown.expected);
    for (const filter of [{ outcomes: [FAILURE] }, { outcomes: [SUCCESS, UNKNOWN] }, { search: 'count-1' }, { resource: `${BUSY}:latest` }] as EventFilter[]) {
      const { result, wire } = await count(BUSY, ...window, filter);
      expect(result, JSON.stringify(filter)).toBeNull();
      expect(wire).toBe(0);
    }
    // Filters that rule the stream out: zero, no call.
    for (const filter of [{ actor: 'someone' }, { outcomes: [UNKNOWN] }, { resource: 'other/repo:latest' }] as EventFilter[]) {
      const { result, wire, expected } = await count(BUSY, ...window, filter);
      expect(result, JSON.stringify(filter)).toBe(0);
      expect(expected).toBe(0);
      expect(wire).toBe(0);
    }
  });

  it('starts again when records land during the search, and is exact for the log as it ends', async () => {
    const window: [number, number] = [ANCHOR - 12 * DAY, ANCHOR - 6 * DAY];
    let n = 0;
    const off = emulators.tencentCcr.onRequest(() => {
      n += 1;
      // During the first attempt only: one record inside the window, one after it.
      if (n === 2) emulators.tencentCcr.appendLogs(BUSY, [record(BUSY, window[0] + DAY, 50_000), record(BUSY, ANCHOR - MINUTE, 50_001)]);
    });
    try {
      const { result, expected, calls, total } = await count(BUSY, ...window);
      expect(result).toBe(expected);
      expect(calls).toBeGreaterThan(2);
      expect(calls).toBeLessThanOrEqual(2 + callBound(total));
    } finally {
      off();
    }
  });

  it('fails as UPSTREAM_UNAVAILABLE when the log changes at every call', async () => {
    let n = 0;
    const off = emulators.tencentCcr.onRequest(() => {
      emulators.tencentCcr.appendLogs(BUSY, [record(BUSY, ANCHOR - MINUTE, 60_000 + n++)]);
    });
    try {
      const error = await count(BUSY, ANCHOR - 12 * DAY, ANCHOR - 6 * DAY).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      off();
    }
  });

  it('gives the histogram engine bucket counts equal to brute force, whichever method it picks', async () => {
    const stream = streams.get(BUSY)!;
    for (const [from, stepMs, buckets] of [
      [Math.floor((ANCHOR - 15 * DAY) / DAY) * DAY, DAY, 10],
      [EDGE_MINUTE - 2 * MINUTE, MINUTE, 5],
    ] as const) {
      const to = from + stepMs * buckets - 1;
      const filter = { since: from, until: to };
      const starts = Array.from({ length: buckets }, (_, k) => from + k * stepMs);
      const deadline = new PageDeadline(undefined);
      try {
        const counted = await countStream({ stream, plan: stream.plan(filter), filter, starts, stepMs, from, to, byOutcome: false, calls: new UpstreamCallCounts(), deadline });
        expect([CountMethod.TOTALS, CountMethod.SCAN]).toContain(counted.method);
        const events = mapped(BUSY);
        for (const start of starts) {
          const expected = events.filter((event) => matchesFilter(event, { since: start, until: start + stepMs - 1 })).length;
          expect(counted.buckets.get(start)!.get('ALL'), `bucket ${start}`).toBe(expected);
        }
      } finally {
        deadline.dispose();
      }
    }
  });
});
