import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/emulators/common/mulberry32.js';
import type { ListTriggerLogParams } from '../../../src/vendors/tencent-ccr/tencent-ccr.client.js';
import { TwinNumbering } from '../../../src/vendors/common/event-memo.js';
import { MAX_REANCHORS, TriggerLogChurnError, TriggerLogScan, type ScanPosition } from '../../../src/vendors/tencent-ccr/tencent-ccr.scan.js';
import type { TriggerLog, TriggerLogPage } from '../../../src/vendors/tencent-ccr/tencent-ccr.schemas.js';

/*
 * The scan's resume hints against an in-memory upstream with ListTriggerLog's semantics
 * (offset/limit over records sorted by a whole-second time, ties in arrival order, desc the
 * exact reverse of asc), so that every call can be counted and the data changed between two
 * scans, or between two calls of one scan, exactly where a test wants.
 */

interface Fake {
  at: number;
  seq: number;
  /** What the record says: records of one second with the same kind are identical (twins). */
  kind: number;
  /** Landed while a scan read. */
  late?: true;
}

const SECOND = 1000;
const T0 = Date.UTC(2026, 0, 1);

class FakeLog {
  /** Ascending by time, ties in arrival order. */
  records: Fake[] = [];
  calls: ListTriggerLogParams[] = [];
  /** Runs at every call, before it is answered (`calls` holds it already): what lands meanwhile. */
  beforeAnswer?: () => void;
  /**
   * Answers by question, when set: the same question gets the same answer, as in one GraphQL
   * request (its deduplication) or from the cross-request cache.
   */
  memo?: Map<string, TriggerLogPage>;
  private seq = 0;

  /** `kinds`: records of one second get a kind below it, so some are twins; by default none is. */
  constructor(times: number[] = [], kinds?: () => number) {
    for (const at of times) this.add(at, kinds ? { kind: kinds() } : {});
  }

  /** After every record of the same or an earlier second, as the upstream stores arrivals. */
  add(at: number, what: { kind?: number; late?: true } = {}): Fake {
    let i = this.records.length;
    while (i > 0 && this.records[i - 1]!.at > at) i -= 1;
    const seq = this.seq++;
    const record: Fake = { at, seq, kind: what.kind ?? 1000 + seq, ...(what.late ? { late: true as const } : {}) };
    this.records.splice(i, 0, record);
    return record;
  }

  list = async (params: ListTriggerLogParams): Promise<TriggerLogPage> => {
    this.calls.push(params);
    this.beforeAnswer?.();
    const key = JSON.stringify([params.offset, params.limit, params.order]);
    const known = this.memo?.get(key);
    if (known) return known;
    const ordered = params.order === 'asc' ? this.records : [...this.records].reverse();
    const offset = params.offset ?? 0;
    const page = ordered.slice(offset, offset + (params.limit ?? 20));
    const answer = { totalCount: this.records.length, logs: page.map((raw) => ({ record: {} as TriggerLog['record'], raw })) };
    this.memo?.set(key, answer);
    return answer;
  };

  /** Brute force: the window's records in the scan's order, and the offset of the first (as of `total`, by default now). */
  expected(order: 'asc' | 'desc', from: number | undefined, to: number | undefined, total = this.records.length): { records: Fake[]; landing: number } {
    // Records only land, so a total names one state: the first `total` to land.
    const state = this.records.filter((r) => r.seq < total);
    const ordered = order === 'asc' ? state : [...state].reverse();
    const reached = (at: number) => from === undefined || (order === 'asc' ? at >= from : at <= from);
    const inside = (at: number) => to === undefined || (order === 'asc' ? at <= to : at >= to);
    const landing = ordered.findIndex((r) => reached(r.at));
    const start = landing < 0 ? ordered.length : landing;
    const records: Fake[] = [];
    for (const r of ordered.slice(start)) {
      if (!inside(r.at)) break;
      records.push(r);
    }
    return { records, landing: start };
  }
}

interface ScanSpec {
  order: 'asc' | 'desc';
  from?: number;
  to?: number;
  pageSize: number;
  resume?: ScanPosition;
}

function scanOf(log: FakeLog, spec: ScanSpec): TriggerLogScan {
  return new TriggerLogScan({
    repoName: 'fake/repo',
    order: spec.order,
    ...(spec.from !== undefined ? { from: spec.from } : {}),
    ...(spec.to !== undefined ? { to: spec.to } : {}),
    pageSize: spec.pageSize,
    // as the stream allows
    maxPageSize: 100,
    list: log.list,
    timeOf: (entry) => (entry.raw as Fake).at,
    ...(spec.resume !== undefined ? { resume: spec.resume } : {}),
  });
}

async function drain(scan: TriggerLogScan): Promise<Fake[]> {
  const out: Fake[] = [];
  for (let i = 0; i < 10_000; i++) {
    const batch = await scan.next();
    out.push(...batch.logs.map(({ log }) => log.raw as Fake));
    if (batch.done) return out;
  }
  throw new Error('scan does not end');
}

/** Bursts of ties: `seconds` seconds, each with 0 to `maxTies` records. */
function bursty(random: () => number, seconds: number, maxTies: number): number[] {
  const times: number[] = [];
  for (let s = 0; s < seconds; s++) {
    const n = Math.floor(random() * (maxTies + 1));
    for (let k = 0; k < n; k++) times.push(T0 + s * SECOND);
  }
  return times;
}

const flag = (order: 'asc' | 'desc') => (order === 'asc' ? 0 : 1);

/** The page that a timeline would serve next: the position at a key, then a scan from that key with it. */
async function resumeAt(log: FakeLog, spec: ScanSpec, at: number) {
  const previous = scanOf(log, spec);
  await previous.next();
  return previous.position(at);
}

describe('TriggerLogScan positions and resume hints', () => {
  for (const order of ['asc', 'desc'] as const) {
    it(`tells where a scan from a key it has read past would start, and a scan resumed there lands in one call (${order})`, async () => {
      const random = mulberry32(order === 'asc' ? 7 : 8);
      const log = new FakeLog(bursty(random, 400, 4));
      const pageSize = 21;
      for (let round = 0; round < 60; round++) {
        const pivot = log.records[Math.floor(random() * log.records.length)]!.at;
        const scan = scanOf(log, { order, from: pivot, pageSize });
        const read: Fake[] = [];
        for (let chunks = 0; chunks < 3; chunks++) {
          const batch = await scan.next();
          read.push(...batch.logs.map(({ log: entry }) => entry.raw as Fake));
          if (batch.done) break;
        }
        // Every key the timeline could hold while this lane's head is still ahead of it: any
        // record read but those of its last second, and instants between seconds.
        const lastAt = read.at(-1)!.at;
        const keys = read.filter((r) => r.at !== lastAt).flatMap((r) => [r.at, order === 'asc' ? r.at + 1 : r.at - 1]);
        for (const at of keys) {
          const expected = log.expected(order, at, undefined);
          expect(scan.position(at), `${order} at ${at}`).toEqual([flag(order), expected.landing, log.records.length]);
        }
        const at = keys[Math.floor(random() * keys.length)];
        if (at === undefined) continue;
        log.calls = [];
        const resumed = scanOf(log, { order, from: at, pageSize, resume: scan.position(at)! });
        const first = await resumed.next();
        expect(log.calls).toHaveLength(1);
        expect(resumed.startIndex).toBe(log.expected(order, at, undefined).landing);
        const rest = first.done ? [] : await drain(resumed);
        expect([...first.logs.map(({ log: entry }) => entry.raw as Fake), ...rest]).toEqual(log.expected(order, at, undefined).records);
      }
    });
  }

  it('answers the end once the scan has read the last record, and nothing when it has not read far enough', async () => {
    const log = new FakeLog(bursty(mulberry32(3), 60, 3));
    const total = log.records.length;
    const last = log.records.at(-1)!.at;
    const done = scanOf(log, { order: 'asc', from: T0, pageSize: 500 });
    expect((await done.next()).done).toBe(true);
    expect(done.position(last + 1)).toEqual([0, total, total]);
    const partial = scanOf(log, { order: 'asc', from: T0, pageSize: 5 });
    await partial.next();
    expect(partial.position(last)).toBeUndefined();
    // After a search, the probes tell some starts and not others; what they tell is right.
    const searched = scanOf(log, { order: 'desc', from: log.records[Math.floor(total / 3)]!.at, pageSize: 4 });
    await searched.next();
    let unknown = 0;
    for (const at of log.records.flatMap((r) => [r.at, r.at - 1])) {
      const position = searched.position(at);
      if (position === undefined) unknown += 1;
      else expect(position, `at ${at}`).toEqual([1, log.expected('desc', at, undefined).landing, total]);
    }
    expect(unknown).toBeGreaterThan(0);
    const empty = scanOf(new FakeLog(), { order: 'desc', from: T0, pageSize: 5 });
    expect(await empty.next()).toEqual({ logs: [], done: true });
    expect(empty.position(T0)).toEqual([1, 0, 0]);
  });

  it('ignores hints of the other order, malformed ones and ones that do not hold, with the same records as no hint', async () => {
    const log = new FakeLog(bursty(mulberry32(11), 300, 5));
    const total = log.records.length;
    const from = log.records[Math.floor(total * 0.6)]!.at;
    const pageSize = 10;
    const { landing } = log.expected('asc', from, undefined);
    const honest = [0, landing, total];
    const hints: ScanPosition[] = [
      [1, landing, total],
      [2, landing, total],
      [],
      [0],
      [0, landing],
      [0, landing, total, 0],
      [0, -1, total],
      [0, landing + 0.5, total],
      [0, landing, total + 0.5],
      [0, Number.NaN, total],
      [0, total + 1, total],
      [0, landing, -1],
      [0, 0, total],
      [0, total, total],
      [0, landing + 2, total],
      [0, landing - pageSize * 3, total],
      [0, landing + pageSize * 3, total],
    ];
    log.calls = [];
    const plain = scanOf(log, { order: 'asc', from, pageSize });
    const expected = await drain(plain);
    expect(expected).toEqual(log.expected('asc', from, undefined).records);
    const searchCalls = log.calls.length;
    log.calls = [];
    const resumed = scanOf(log, { order: 'asc', from, pageSize, resume: honest });
    await resumed.next();
    expect(log.calls).toHaveLength(1);
    expect(searchCalls).toBeGreaterThan(3);
    for (const hint of hints) {
      const scan = scanOf(log, { order: 'asc', from, pageSize, resume: hint });
      expect(await drain(scan), JSON.stringify(hint)).toEqual(expected);
      expect(scan.startIndex, JSON.stringify(hint)).toBe(landing);
    }
  });

  it('never lands inside a second: a hint past the first record of a run of ties falls back to the search', async () => {
    // 30 records over 30 seconds, then 12 ties in one second, then 30 more.
    const tie = T0 + 30 * SECOND;
    const times = [...Array.from({ length: 30 }, (_, i) => T0 + i * SECOND), ...Array(12).fill(tie), ...Array.from({ length: 30 }, (_, i) => tie + (i + 1) * SECOND)];
    const log = new FakeLog(times);
    for (const order of ['asc', 'desc'] as const) {
      const first = log.expected(order, tie, undefined).landing;
      for (const wrong of [first + 1, first + 3, first + 11]) {
        log.calls = [];
        const scan = scanOf(log, { order, from: tie, pageSize: 5, resume: [flag(order), wrong, times.length] });
        const got = await drain(scan);
        expect(scan.startIndex, `${order} hint ${wrong}`).toBe(first);
        expect(got).toEqual(log.expected(order, tie, undefined).records);
        // the hinted page is refused, then the search runs before it
        expect(log.calls[0]!.offset).toBe(wrong - 1);
        expect(log.calls.slice(1).some((call) => call.offset! < first)).toBe(true);
      }
    }
  });

  it('follows records that arrived at the top in desc order, and late records before the start in asc order', async () => {
    const random = mulberry32(5);
    for (const order of ['asc', 'desc'] as const) {
      for (const arrived of [3, 60]) {
        const log = new FakeLog(bursty(random, 300, 3));
        const at = log.records[Math.floor(log.records.length / 2)]!.at;
        const position = await resumeAt(log, { order, from: at, pageSize: 21 }, at);
        expect(position).toEqual([flag(order), log.expected(order, at, undefined).landing, log.records.length]);
        // desc: newer than everything, so first in desc order; asc: older than everything.
        for (let i = 0; i < arrived; i++) log.add(order === 'desc' ? T0 + 1000 * SECOND : T0 - SECOND);
        log.calls = [];
        const scan = scanOf(log, { order, from: at, pageSize: 21, resume: position! });
        const first = await scan.next();
        // within the hinted page, or one more page where the total says the start moved
        expect(log.calls.length, `${order} +${arrived}`).toBe(arrived < 20 ? 1 : 2);
        expect(scan.startIndex).toBe(log.expected(order, at, undefined).landing);
        const got = [...first.logs.map(({ log: entry }) => entry.raw as Fake), ...(first.done ? [] : await drain(scan))];
        expect(got).toEqual(log.expected(order, at, undefined).records);
      }
    }
  });

  it('gives exactly the brute-force window for random data, keys, hints and arrivals', async () => {
    const random = mulberry32(2024);
    for (let round = 0; round < 300; round++) {
      const log = new FakeLog(bursty(random, 20 + Math.floor(random() * 200), 1 + Math.floor(random() * 6)));
      if (log.records.length === 0) continue;
      const order = random() < 0.5 ? 'asc' : 'desc';
      const pageSize = 1 + Math.floor(random() * 30);
      const pick = () => log.records[Math.floor(random() * log.records.length)]!.at + (random() < 0.2 ? 500 : 0);
      const at = pick();
      let position = await resumeAt(log, { order, from: order === 'asc' ? log.records[0]!.at : log.records.at(-1)!.at, pageSize: 1 + Math.floor(random() * 400) }, at);
      const r = random();
      if (position && r < 0.3) position = [position[0]!, Math.max(0, position[1]! + Math.floor(random() * 40) - 20), position[2]!];
      else if (r < 0.4) position = [Math.floor(random() * 2), Math.floor(random() * 400), Math.floor(random() * 400)];
      // records arriving anywhere between the two pages
      const arrivals = random() < 0.5 ? 0 : Math.floor(random() * 50);
      const lo = log.records[0]!.at - 10 * SECOND;
      const span = log.records.at(-1)!.at - lo + 20 * SECOND;
      for (let i = 0; i < arrivals; i++) log.add(lo + Math.floor((random() * span) / SECOND) * SECOND);
      const to = random() < 0.3 ? undefined : pick();
      const window = order === 'asc' ? { from: at, to: to === undefined || to >= at ? to : undefined } : { from: at, to: to === undefined || to <= at ? to : undefined };
      const spec: ScanSpec = { order, ...window, pageSize, ...(position ? { resume: position } : {}) };
      const scan = scanOf(log, spec);
      const expected = log.expected(order, window.from, window.to);
      expect(await drain(scan), JSON.stringify({ round, spec })).toEqual(expected.records);
      if (scan.startIndex !== undefined && expected.records.length > 0) expect(scan.startIndex, `round ${round}`).toBe(expected.landing);
    }
  });
});

/** One event as the stream makes it (twins numbered within their second) and the timeline keeps it. */
interface Kept {
  record: Fake;
  id: string;
}

/**
 * A scan read to the end as TriggerLogStream and the timeline read it: the numbering starts
 * afresh where a batch says it restarted, and from the second chunk on, an event behind the
 * latest millisecond kept, or of that millisecond with an id already kept, is dropped
 * (timeline.ts, `isNew`). Also the scan's batches, for assertions on them.
 */
async function readAsTimeline(scan: TriggerLogScan, order: 'asc' | 'desc', afterFirst?: (records: Fake[]) => void) {
  const fresh = () => new TwinNumbering<Fake>((r) => r.at, (r) => String(r.kind));
  let numbering = fresh();
  const kept: Kept[] = [];
  const batches: { records: Fake[]; restarted: boolean }[] = [];
  let seenAt: number | undefined;
  const seenIds = new Set<string>();
  for (let chunk = 0; chunk < 10_000; chunk++) {
    const batch = await scan.next();
    if (batch.restarted) numbering = fresh();
    const records = batch.logs.map(({ log }) => log.raw as Fake);
    batches.push({ records, restarted: batch.restarted === true });
    if (chunk === 0) afterFirst?.(records);
    for (const record of records) {
      const id = `${record.at}/${record.kind}/${numbering.number(record).n}`;
      const at = record.at;
      if (chunk > 0) {
        if (seenAt !== undefined && at !== seenAt && (order === 'asc' ? at < seenAt : at > seenAt)) continue;
        if (at === seenAt && seenIds.has(id)) continue;
      }
      if (at !== seenAt) {
        seenAt = at;
        seenIds.clear();
      }
      seenIds.add(id);
      kept.push({ record, id });
    }
    if (batch.done) return { kept, batches };
  }
  throw new Error('scan does not end');
}

/** The ids a scan with nothing landing gives the window's records: twins numbered from the first record of their second. */
function idsOf(records: Fake[]): string[] {
  const numbering = new TwinNumbering<Fake>((r) => r.at, (r) => String(r.kind));
  return records.map((r) => `${r.at}/${r.kind}/${numbering.number(r).n}`);
}

/**
 * What a page must get when records land while the scan reads: every record of the window
 * as it was when the scan began, once, under the id it has with nothing landing; no record
 * twice; all in time order. (Whether a record that landed is there is unspecified.)
 */
function expectConsistent(kept: Kept[], expected: Fake[], order: 'asc' | 'desc', what: string): void {
  const seqs = kept.map((k) => k.record.seq);
  expect(new Set(seqs).size, `${what}: a record twice`).toBe(seqs.length);
  const original = kept.filter((k) => !k.record.late);
  expect(
    original.map((k) => k.record.seq),
    `${what}: the window as it was`,
  ).toEqual(expected.map((r) => r.seq));
  expect(
    original.map((k) => k.id),
    `${what}: ids`,
  ).toEqual(idsOf(expected));
  for (let i = 1; i < kept.length; i++) {
    const step = kept[i]!.record.at - kept[i - 1]!.record.at;
    expect(order === 'asc' ? step : -step, `${what}: time order at ${i}`).toBeGreaterThanOrEqual(0);
  }
}

/** Whether every `position` the scan tells, for keys it read, is right in the state its total names. */
function expectPositions(log: FakeLog, scan: TriggerLogScan, order: 'asc' | 'desc', keys: number[], what: string): void {
  for (const at of keys) {
    const position = scan.position(at);
    if (position === undefined) continue;
    const [, , total] = position as [number, number, number];
    expect(position, `${what}: position at ${at}`).toEqual([flag(order), log.expected(order, at, undefined, total).landing, total]);
  }
}

describe('TriggerLogScan when records land between two calls of one scan', () => {
  /** 60 seconds of ties, twins among them; every page of 5 splits some second. */
  const seeded = () => {
    const random = mulberry32(99);
    return new FakeLog(bursty(random, 60, 4), () => Math.floor(random() * 2));
  };
  type Where = 'oldest' | 'behind' | 'at' | 'ahead' | 'far ahead' | 'newest';
  /** A time of each kind, in the scan's order, given the records read so far (`read`) and the window's (`all`). */
  const placeOf = (where: Where, order: 'asc' | 'desc', read: Fake[], all: Fake[]): number => {
    const back = order === 'asc' ? -SECOND : SECOND;
    switch (where) {
      case 'oldest':
        return (order === 'asc' ? T0 : T0 + 100 * SECOND) + back * 5;
      case 'behind':
        return read[0]!.at;
      case 'at':
        return read.at(-1)!.at;
      case 'ahead':
        return all[read.length]!.at;
      case 'far ahead':
        return all[read.length + 12]!.at;
      case 'newest':
        return (order === 'asc' ? T0 + 100 * SECOND : T0) - back * 5;
    }
  };
  const places: Where[] = ['oldest', 'behind', 'at', 'ahead', 'far ahead', 'newest'];

  for (const order of ['asc', 'desc'] as const) {
    for (const memo of [false, true]) {
      for (const where of [...places.map((p) => [p]), places]) {
        it(`${order}, ${memo ? 'answers kept per question' : 'fresh answers'}: records landing ${where.join(' + ')} after the first call`, async () => {
          const log = seeded();
          const from = log.records[Math.floor(log.records.length / 3)]!.at;
          const spec: ScanSpec = { order, from: order === 'asc' ? from : log.records.at(-1)!.at - 3 * SECOND, pageSize: 5 };
          const expected = log.expected(order, spec.from, undefined).records;
          // without anything landing, for the cost
          const quiet = scanOf(log, spec);
          await drain(quiet);
          const quietCalls = log.calls.length;
          log.calls = [];
          if (memo) log.memo = new Map();
          const scan = scanOf(log, spec);
          let read: Fake[] = [];
          const { kept, batches: all } = await readAsTimeline(scan, order, (records) => {
            read = records;
            const times = where.map((w) => placeOf(w, order, read, expected));
            const firstCalls = log.calls.length;
            log.beforeAnswer = () => {
              if (log.calls.length !== firstCalls + 1) return;
              for (const at of times) for (let i = 0; i < 2; i++) log.add(at, { late: true });
            };
          });
          expect(read.length).toBeGreaterThan(0);
          expectConsistent(kept, expected, order, `${order} ${where.join('+')}`);
          // The read after the landing restarts at the first record of the last second read.
          const restart = all[1]!;
          expect(restart.restarted).toBe(true);
          const after = all.slice(1).flatMap((b) => b.records);
          const k = after.findIndex((r) => !r.late);
          const firstOfSecond = after[k]!;
          // before it, only records that landed in that very second (first of it in desc order)
          expect(after.slice(0, k).every((r) => order === 'desc' && r.at === read.at(-1)!.at)).toBe(true);
          expect(firstOfSecond.at).toBe(read.at(-1)!.at);
          expect(firstOfSecond.seq).toBe(expected.find((r) => r.at === read.at(-1)!.at)!.seq);
          expect(all.slice(2).every((b) => !b.restarted)).toBe(true);
          // a few calls more than with nothing landing: the search starts from the old position
          expect(log.calls.length - quietCalls, `${log.calls.length} calls, ${quietCalls} with nothing landing`).toBeLessThanOrEqual(4);
          expectPositions(log, scan, order, [...expected, ...log.records.filter((r) => r.late)].map((r) => r.at), `${order} ${where.join('+')}`);
        });
      }
    }
  }

  it('reads on while records land at every call, and gives up only when one call cannot get past the second it rereads', async () => {
    for (const order of ['asc', 'desc'] as const) {
      // at every call, anywhere: every re-anchor reads again what it must, and on
      const busy = seeded();
      busy.memo = new Map();
      const expected = busy.expected(order, undefined, undefined).records;
      const random = mulberry32(order === 'asc' ? 1 : 2);
      busy.beforeAnswer = () => {
        if (busy.calls.length > 1) busy.add(T0 + Math.floor(random() * 70) * SECOND, { late: true });
      };
      const { kept, batches } = await readAsTimeline(scanOf(busy, { order, pageSize: 5 }), order);
      expectConsistent(kept, expected, order, `${order}, busy`);
      expect(batches.filter((b) => b.restarted).length).toBeGreaterThan(MAX_REANCHORS);

      // One second of many records, read 5 at a time, and one more landing (outside it) at
      // every call: every re-anchor reads the second again from its start, and further.
      const tied = (count: number) => {
        const log = new FakeLog([T0 - SECOND, ...Array<number>(count).fill(T0), T0 + SECOND]);
        log.memo = new Map();
        log.beforeAnswer = () => {
          if (log.calls.length > 1) log.add(T0 + (log.calls.length % 2 ? -2 : 2) * SECOND, { late: true });
        };
        return log;
      };
      const some = tied(60);
      const all = some.expected(order, undefined, undefined).records;
      expectConsistent((await readAsTimeline(scanOf(some, { order, pageSize: 5 }), order)).kept, all, order, `${order}, 60 tied`);
      // more than one call may ask for (100 here): the scan cannot get past it
      const many = tied(150);
      await expect(readAsTimeline(scanOf(many, { order, pageSize: 5 }), order)).rejects.toThrow(TriggerLogChurnError);
      expect(many.calls.length).toBeGreaterThan(MAX_REANCHORS);
    }
  });

  it('reads every record of the window once under its own id, for random data, windows, hints and records landing at random calls', async () => {
    const random = mulberry32(4242);
    let restarts = 0;
    for (let round = 0; round < 400; round++) {
      const log = new FakeLog(bursty(random, 10 + Math.floor(random() * 120), 1 + Math.floor(random() * 5)), () => Math.floor(random() * 2));
      if (log.records.length === 0) continue;
      const order = random() < 0.5 ? 'asc' : 'desc';
      const pageSize = 1 + Math.floor(random() * 12);
      const pick = () => log.records[Math.floor(random() * log.records.length)]!.at + (random() < 0.2 ? 500 : 0);
      const from = random() < 0.2 ? undefined : pick();
      const to = random() < 0.5 ? undefined : pick();
      const window = { ...(from !== undefined ? { from } : {}), ...(to !== undefined && (from === undefined || (order === 'asc' ? to >= from : to <= from)) ? { to } : {}) };
      const position = from !== undefined && random() < 0.5 ? await resumeAt(log, { order, pageSize: 1 + Math.floor(random() * 200) }, from) : undefined;
      const spec: ScanSpec = { order, ...window, pageSize, ...(position ? { resume: position } : {}) };
      const expected = log.expected(order, window.from, window.to).records;
      log.calls = [];
      const lo = log.records[0]!.at - 5 * SECOND;
      const span = log.records.at(-1)!.at - lo + 10 * SECOND;
      const somewhere = () => (random() < 0.5 ? log.records[Math.floor(random() * log.records.length)]!.at : lo + Math.floor((random() * span) / SECOND) * SECOND);
      if (random() < 0.5) {
        log.memo = new Map();
        if (random() < 0.5) {
          // Answers kept from an earlier read of the same pages (another alias of the
          // request, or the cross-request cache), with records landing since: the scan's
          // first questions get answers of older data than its later ones.
          await drain(scanOf(log, { ...spec, pageSize: random() < 0.5 ? pageSize : 1 + Math.floor(random() * 12) }));
          for (let i = Math.floor(random() * 4); i > 0; i--) log.add(somewhere(), { late: true });
        }
      }
      // Up to 6 landings, at random calls, of 1 to 3 records anywhere (behind, at, ahead of
      // the read position, or past either end).
      const chance = 0.1 + random() * 0.5;
      let landings = 0;
      log.beforeAnswer = () => {
        if (landings >= 6 || random() >= chance) return;
        landings += 1;
        const count = 1 + Math.floor(random() * 3);
        // Mostly distinct, sometimes the same kind as a record of the second: a twin.
        for (let i = 0; i < count; i++) log.add(somewhere(), random() < 0.8 ? { late: true } : { late: true, kind: Math.floor(random() * 2) });
      };
      const scan = scanOf(log, spec);
      const what = JSON.stringify({ round, spec, memo: log.memo !== undefined });
      const { kept, batches } = await readAsTimeline(scan, order);
      restarts += batches.filter((b) => b.restarted).length;
      if (log.records.some((r) => r.late && r.kind < 1000)) {
        // Twins that land can take an id of the record they twin (they are the same record
        // to anyone): check by content only.
        const content = (r: Fake) => `${r.at}/${r.kind}`;
        const got = kept.filter((k) => !k.record.late || k.record.kind < 1000).map((k) => content(k.record));
        const want = expected.map(content);
        // every record of the window, in order, possibly with twins that landed among them
        let i = 0;
        for (const c of got) if (i < want.length && c === want[i]) i += 1;
        expect(i, what).toBe(want.length);
        expect(new Set(kept.map((k) => k.id)).size, what).toBe(kept.length);
      } else {
        expectConsistent(kept, expected, order, what);
      }
      expectPositions(log, scan, order, log.records.map((r) => r.at).flatMap((at) => [at, order === 'asc' ? at + 1 : at - 1]), what);
    }
    // the rounds did make the scan re-anchor, many times
    expect(restarts).toBeGreaterThan(100);
  });

  it('searches right when some answers are of older data: kept from a read of every page before records landed', async () => {
    const random = mulberry32(77);
    for (let round = 0; round < 300; round++) {
      const log = new FakeLog(bursty(random, 20 + Math.floor(random() * 100), 1 + Math.floor(random() * 4)), () => Math.floor(random() * 2));
      if (log.records.length === 0) continue;
      const order = random() < 0.5 ? 'asc' : 'desc';
      const pageSize = 1 + Math.floor(random() * 8);
      const from = log.records[Math.floor(random() * log.records.length)]!.at;
      const expected = log.expected(order, from, undefined).records;
      // every page at multiples of pageSize, kept as they are now
      log.memo = new Map();
      await drain(scanOf(log, { order, pageSize }));
      // then records land: before the start (they move it), and anywhere
      for (let i = Math.floor(random() * 6); i > 0; i--) log.add(order === 'asc' ? T0 - SECOND : T0 + 1000 * SECOND, { late: true });
      for (let i = Math.floor(random() * 3); i > 0; i--) log.add(log.records[Math.floor(random() * log.records.length)]!.at, { late: true });
      const scan = scanOf(log, { order, from, pageSize });
      const { kept } = await readAsTimeline(scan, order);
      expectConsistent(kept, expected, order, JSON.stringify({ round, order, pageSize, from }));
    }
  });

  it('never starts from an answer of older data: the page it kept is asked again with another limit', async () => {
    // one record a second; the window starts at the 3rd
    const log = new FakeLog(Array.from({ length: 12 }, (_, i) => T0 + (i + 1) * SECOND));
    const from = T0 + 3 * SECOND;
    const expected = log.expected('asc', from, undefined).records;
    // the page at 4 as it is now, kept; then two records land before everything
    log.memo = new Map();
    await log.list({ repoName: 'fake/repo', offset: 4, limit: 2, order: 'asc', orderBy: 'invoke_time' });
    log.add(T0, { late: true });
    log.add(T0, { late: true });
    log.calls = [];
    // The hint's page (from 2) shows that the start is at 4 or after, the search narrows it
    // down to 4, and the kept page at 4 (of older data) starts with a reached record.
    const scan = scanOf(log, { order: 'asc', from, pageSize: 2, resume: [0, 3, log.records.length] });
    const { kept } = await readAsTimeline(scan, 'asc');
    expectConsistent(kept, expected, 'asc', 'older page at the start');
    expect(scan.startIndex).toBe(4);
    const asked = log.calls.filter((call) => call.offset === 4).map((call) => call.limit);
    expect(asked).toEqual([2, 3]);
  });
});

