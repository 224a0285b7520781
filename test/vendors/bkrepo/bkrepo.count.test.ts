import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/config.loader.js';
import { mulberry32, randomInt } from '../../../src/emulators/common/mulberry32.js';
import type { BkRepoLogRecord } from '../../../src/emulators/bkrepo/bkrepo.dataset.js';
import { startBkRepoEmulator, type BkRepoEmulatorHandle } from '../../../src/emulators/bkrepo/bkrepo.emulator.js';
import { resourceKeyMatcher } from '../../../src/emulators/bkrepo/bkrepo.query.js';
import { EventOutcome, type EventRecord } from '../../../src/model/event.model.js';
import { matchesFilter, type EventFilter } from '../../../src/timeline/event-filter.js';
import { CountMethod, countStream } from '../../../src/timeline/histogram/stream-count.js';
import { PageDeadline } from '../../../src/timeline/lane.js';
import type { Stream } from '../../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import type { BkRepoSourceConfig } from '../../../src/vendors/bkrepo/bkrepo.config.js';
import { RecordNumbering, toAuditEvent } from '../../../src/vendors/bkrepo/bkrepo.mapper.js';
import { BkRepoSource } from '../../../src/vendors/bkrepo/bkrepo.source.js';
import { parseLocalDateTime, wallClockWindow } from '../../../src/vendors/bkrepo/bkrepo.time.js';
import { formatLocal } from '../../../src/emulators/bkrepo/bkrepo.time.js';
import { IANAZone, FixedOffsetZone } from 'luxon';
import { CONFIG_SCHEMA } from '../../helpers/config-schema.js';
import { ANCHOR } from '../../helpers/stack.js';

/*
 * LogStream.count (one `totalRecords` under the window) against brute force: the emulator's
 * own records of the stream, mapped as the stream maps them and kept by `matchesFilter`.
 * Cache off, so every count is a real call.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PROJECT = 'test';
const REPO = 'generic-local';
const BUSY_TYPE = 'NODE_DOWNLOADED';
const USERS = ['alice', 'bob', 'carol'];
/** A minute with records on and around the edges of its seconds and of itself. */
const EDGE_MINUTE = Math.floor((ANCHOR - 3 * DAY) / MINUTE) * MINUTE + 23 * MINUTE;
const EDGE_OFFSETS = [-1, 0, 0, 1, 999, 1000, 1001, 30_000, MINUTE - 1, MINUTE, MINUTE + 1];
const { SUCCESS, FAILURE } = EventOutcome;

let emulator: BkRepoEmulatorHandle;

function config(overrides: Record<string, unknown> = {}): BkRepoSourceConfig {
  const parsed = parseConfig(
    {
      sources: [
        {
          name: 'bk',
          kind: 'bkrepo',
          endpoint: emulator.url,
          credentials: { type: 'basic', username: 'demo-user', password: 'Demo#Bkrepo1' },
          scope: { projectId: PROJECT, repositories: [REPO], eventTypes: [BUSY_TYPE, 'NODE_CREATED'] },
          http: { retries: 0 },
          cacheTtlSeconds: 0,
          ...overrides,
        },
      ],
    },
    'test',
    CONFIG_SCHEMA,
  );
  return parsed.sources[0] as BkRepoSourceConfig;
}

function record(at: number, n: number, type = BUSY_TYPE): BkRepoLogRecord {
  return {
    at,
    type,
    projectId: PROJECT,
    repoName: REPO,
    resourceKey: `/count/${n % 7}/file-${n}.bin`,
    userId: USERS[n % USERS.length]!,
    clientAddress: '10.0.0.1',
    description: { n },
  };
}

function seed() {
  const random = mulberry32(31);
  const busy: BkRepoLogRecord[] = [];
  for (let n = 0; n < 2500; n++) busy.push(record(ANCHOR - 30 * DAY + randomInt(random, 0, 29 * DAY), n));
  EDGE_OFFSETS.forEach((offset, n) => busy.push(record(EDGE_MINUTE + offset, 10_000 + n)));
  // One record outside the scope's resource prefix `/`: no stream reads it.
  busy.push({ ...record(EDGE_MINUTE, 20_000), resourceKey: 'repo-name' });
  emulator.appendRecords(busy);
}

beforeAll(async () => {
  emulator = await startBkRepoEmulator({ now: ANCHOR });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  seed();
});

async function streamsOf(source: BkRepoSource): Promise<Map<string, Stream>> {
  return new Map((await source.openSession().streams()).map((stream) => [stream.key.split('/').at(-1)!, stream]));
}

/**
 * The emulator's records of the stream, mapped as the stream maps them: at the instant the
 * client reads from `createdDate` as the server writes it.
 */
const mappedMemo = new Map<string, { size: number; events: EventRecord[] }>();
function mapped(type: string, zone = 'Asia/Shanghai'): EventRecord[] {
  const size = emulator.records().length;
  const key = `${type} ${zone}`;
  const known = mappedMemo.get(key);
  if (known?.size === size) return known.events;
  const events = mapAll(type, zone);
  mappedMemo.set(key, { size, events });
  return events;
}

function mapAll(type: string, zone: string, prefix = '/'): EventRecord[] {
  const iana = IANAZone.create(zone);
  const ref = { sourceName: 'bk', projectId: PROJECT, repoName: REPO, eventType: type };
  const numbering = new RecordNumbering();
  const matches = resourceKeyMatcher(prefix);
  return emulator
    .records()
    .filter((r) => r.projectId === PROJECT && r.repoName === REPO && r.type === type && matches(r.resourceKey))
    .map((r) => {
      const createdDate = formatLocal(r.at, iana);
      return toAuditEvent(ref, { record: { ...r, createdDate }, at: parseLocalDateTime(createdDate, iana)! }, numbering);
    });
}

async function count(stream: Stream, since: number, until: number, filter: EventFilter = {}, zone?: string) {
  const calls = new UpstreamCallCounts();
  const windowed = { ...filter, since, until };
  emulator.resetRequests();
  const result = await stream.count!({ since, until, filter: windowed, plan: stream.plan(windowed), calls });
  const type = stream.key.split('/').at(-1)!;
  const expected = mapped(type, zone).filter((event) => matchesFilter(event, windowed)).length;
  return { result, wire: emulator.requests().total, calls: calls.of('bk'), expected };
}

function windows(): [number, number][] {
  const random = mulberry32(3);
  const out: [number, number][] = [
    // China last fell back in 1991 (see the daylight-saving test).
    [Date.UTC(1991, 8, 20), ANCHOR],
    [ANCHOR - 30 * DAY, ANCHOR],
    [EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1],
    [EDGE_MINUTE - MINUTE, EDGE_MINUTE - 1],
    [EDGE_MINUTE + MINUTE, EDGE_MINUTE + 2 * MINUTE - 1],
    [EDGE_MINUTE, EDGE_MINUTE + SECOND - 1],
    [EDGE_MINUTE + SECOND, EDGE_MINUTE + 2 * SECOND - 1],
    [EDGE_MINUTE, EDGE_MINUTE],
    [EDGE_MINUTE + 1, EDGE_MINUTE + 999],
    [EDGE_MINUTE - 1, EDGE_MINUTE + 1],
    [EDGE_MINUTE + 999, EDGE_MINUTE + 1001],
    [ANCHOR + 1, ANCHOR + DAY],
  ];
  for (let i = 0; i < 25; i++) {
    // Bucket-aligned: [k·step, (k+1)·step − 1], steps from a second to a day.
    const step = [SECOND, MINUTE, 5 * MINUTE, HOUR, DAY][i % 5]!;
    const k = Math.floor((ANCHOR - randomInt(random, 0, 30 * DAY)) / step);
    out.push([k * step, (k + 1) * step - 1]);
  }
  for (let i = 0; i < 15; i++) {
    // Anywhere to the millisecond: bk-repo compares milliseconds.
    const since = ANCHOR - randomInt(random, 0, 30 * DAY);
    out.push([since, since + randomInt(random, 0, 5 * DAY)]);
  }
  return out;
}

describe('bk-repo LogStream.count', () => {
  it('equals brute force over random, bucket-aligned and edge windows, in one call', async () => {
    const streams = await streamsOf(new BkRepoSource(config()));
    // The first call learns the server's zone (the configured one here): one call too.
    let nonZero = 0;
    for (const type of [BUSY_TYPE, 'NODE_CREATED']) {
      for (const [since, until] of windows()) {
        const { result, wire, calls, expected } = await count(streams.get(type)!, since, until);
        expect(result, `${type} [${since}, ${until}]`).toBe(expected);
        expect(calls).toBe(1);
        expect(wire).toBe(1);
        if (expected > 0) nonZero += 1;
      }
    }
    expect(nonZero).toBeGreaterThan(20);
  });

  it('counts an actor and an outcome filter that keeps all, and says null without a call for resource, search or a blank actor', async () => {
    const stream = (await streamsOf(new BkRepoSource(config()))).get(BUSY_TYPE)!;
    const window: [number, number] = [ANCHOR - 20 * DAY, ANCHOR - 10 * DAY - 1];
    for (const filter of [{ actor: 'bob' }, { actor: 'nobody' }, { outcomes: [SUCCESS] }, { outcomes: [SUCCESS, FAILURE], actor: 'carol' }] as EventFilter[]) {
      const { result, wire, expected } = await count(stream, ...window, filter);
      expect(result, JSON.stringify(filter)).toBe(expected);
      expect(wire).toBe(1);
    }
    for (const filter of [{ resource: '/count/1/file-1.bin' }, { search: 'bob' }, { actor: '' }, { actor: '  ' }] as EventFilter[]) {
      const { result, wire } = await count(stream, ...window, filter);
      expect(result, JSON.stringify(filter)).toBeNull();
      expect(wire).toBe(0);
    }
    // Every record is SUCCESS: a filter without it rules the stream out, with no call.
    const failures = await count(stream, ...window, { outcomes: [FAILURE] });
    expect(failures).toMatchObject({ result: 0, wire: 0, expected: 0 });
  });

  it('stays exact when the configured zone is wrong: the answer names the server zone, and the count asks again in it', async () => {
    const stream = (await streamsOf(new BkRepoSource(config({ timeZone: 'Europe/Paris' })))).get(BUSY_TYPE)!;
    const first = await count(stream, EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1);
    expect(first.result).toBe(first.expected);
    expect(first.expected).toBeGreaterThan(0);
    expect(first.wire).toBe(2);
    const next = await count(stream, EDGE_MINUTE - HOUR, EDGE_MINUTE + 2 * SECOND - 1);
    expect(next.result).toBe(next.expected);
    expect(next.wire).toBe(1);
  });

  it('in a zone with daylight saving, is null without a call near a fall-back, and exact elsewhere', async () => {
    const zone = 'America/New_York';
    emulator.setKnobs({ serverTimeZone: zone });
    const stream = (await streamsOf(new BkRepoSource(config({ timeZone: zone })))).get(BUSY_TYPE)!;
    // 2026-11-01 02:00 EDT falls back to 01:00 EST (06:00Z): 01:xx happens twice.
    const fallBack = Date.UTC(2026, 10, 1, 6, 0, 0);
    const springForward = Date.UTC(2026, 2, 8, 7, 0, 0);
    const around = [-HOUR - 1, -HOUR, -30 * MINUTE, -1, 0, 1, 30 * MINUTE, HOUR - 1, HOUR, HOUR + 1];
    emulator.appendRecords([...around.map((d) => fallBack + d), ...around.map((d) => springForward + d)].map((at, n) => record(at, 30_000 + n)));
    for (const [since, until] of [
      [fallBack - HOUR, fallBack + HOUR - 1],
      [fallBack + 10 * MINUTE, fallBack + 20 * MINUTE],
      [fallBack - 2 * DAY, fallBack - DAY],
      [fallBack + DAY, fallBack + 2 * DAY],
      [Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31)],
    ] as [number, number][]) {
      const { result, wire } = await count(stream, since, until, {}, zone);
      expect(result, `[${new Date(since).toISOString()}, ${new Date(until).toISOString()}]`).toBeNull();
      expect(wire).toBe(0);
    }
    const windows: [number, number][] = [];
    for (const a of around) for (const b of around) if (a <= b) windows.push([springForward + a, springForward + b]);
    windows.push([springForward - DAY, springForward + DAY], [fallBack - 3 * DAY, fallBack - 2 * DAY - 1], [Date.UTC(2026, 2, 1), Date.UTC(2026, 9, 30)]);
    for (const [since, until] of windows) {
      const { result, expected, wire } = await count(stream, since, until, {}, zone);
      expect(result, `[${new Date(since).toISOString()}, ${new Date(until).toISOString()}]`).toBe(expected);
      expect(wire).toBe(1);
    }
  });

  it('allows a window only away from a fall-back, and only bounds that read back', async () => {
    const shanghai = IANAZone.create('Asia/Shanghai');
    const newYork = IANAZone.create('America/New_York');
    const fallBack = Date.UTC(2026, 10, 1, 6, 0, 0);
    expect(wallClockWindow(EDGE_MINUTE, EDGE_MINUTE + MINUTE - 1, shanghai)).toEqual({ start: EDGE_MINUTE, end: EDGE_MINUTE + MINUTE - 1 });
    expect(wallClockWindow(0, ANCHOR, FixedOffsetZone.instance(540))).toEqual({ start: 0, end: ANCHOR });
    // China observed daylight saving until 1991: an all-time window is refused.
    expect(wallClockWindow(0, ANCHOR, shanghai)).toBeNull();
    expect(wallClockWindow(Date.UTC(1991, 8, 20), ANCHOR, shanghai)).not.toBeNull();
    expect(wallClockWindow(fallBack - 3 * DAY, fallBack - 2 * DAY, newYork)).not.toBeNull();
    for (const at of [fallBack - 30 * HOUR, fallBack - HOUR, fallBack, fallBack + 30 * HOUR]) {
      expect(wallClockWindow(at, at + MINUTE, newYork)).toBeNull();
    }
    expect(wallClockWindow(5, 4, shanghai)).toBeNull();
    expect(wallClockWindow(-1, 4, shanghai)).toBeNull();
    // In the stream: null without a call.
    const stream = (await streamsOf(new BkRepoSource(config()))).get(BUSY_TYPE)!;
    expect(await count(stream, 0, ANCHOR)).toMatchObject({ result: null, wire: 0 });
  });

  it('gives the histogram engine bucket counts equal to brute force', async () => {
    const stream = (await streamsOf(new BkRepoSource(config()))).get(BUSY_TYPE)!;
    // Two busy days: 6000 more records, six pages to scan.
    const busyFrom = Math.floor((ANCHOR - 8 * DAY) / DAY) * DAY;
    const random = mulberry32(41);
    emulator.appendRecords(Array.from({ length: 6000 }, (_, n) => record(busyFrom + randomInt(random, 0, 2 * DAY - 1), 40_000 + n)));
    for (const [from, stepMs, buckets, method] of [
      // Few buckets, many records: one total per bucket.
      [busyFrom, 12 * HOUR, 4, CountMethod.TOTALS],
      // Many buckets, few records: the scan.
      [Math.floor((ANCHOR - 20 * DAY) / DAY) * DAY, DAY, 10, CountMethod.SCAN],
      [EDGE_MINUTE - 2 * SECOND, SECOND, 5, CountMethod.SCAN],
    ] as const) {
      const to = from + stepMs * buckets - 1;
      const filter = { since: from, until: to };
      const starts = Array.from({ length: buckets }, (_, k) => from + k * stepMs);
      const deadline = new PageDeadline(undefined);
      const calls = new UpstreamCallCounts();
      try {
        emulator.resetRequests();
        const counted = await countStream({ stream, plan: stream.plan(filter), filter, starts, stepMs, from, to, byOutcome: false, calls, deadline });
        const events = mapped(BUSY_TYPE);
        for (const start of starts) {
          const expected = events.filter((event) => matchesFilter(event, { since: start, until: start + stepMs - 1 })).length;
          expect(counted.buckets.get(start)!.get('ALL'), `bucket ${start}`).toBe(expected);
        }
        expect(counted.method).toBe(method);
        // TOTALS: one total for the range, then one per bucket.
        if (method === CountMethod.TOTALS) expect(calls.of('bk')).toBe(1 + buckets);
        expect(emulator.requests().total).toBe(calls.of('bk'));
      } finally {
        deadline.dispose();
      }
    }
  });
});
