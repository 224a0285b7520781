import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tencentCcrSourceSchema } from '../../../src/vendors/tencent-ccr/tencent-ccr.config.js';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { parseInvokeTime, SEED_EXAMPLE_LOG, type TriggerLog as EmulatedLog } from '../../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { mulberry32 } from '../../../src/emulators/common/mulberry32.js';
import { SortDirection } from '../../../src/model/event.model.js';
import { TriggerLogScan } from '../../../src/vendors/tencent-ccr/tencent-ccr.scan.js';
import { TencentCcrSource } from '../../../src/vendors/tencent-ccr/tencent-ccr.source.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import { tencentSource } from '../../helpers/tencent.js';

const REPO = 'shop/web-frontend';
const TIE_TIME = '2024-12-01 10:00:00';
const TIE_COUNT = 30;

let emulators: RunningEmulators;
let source: TencentCcrSource;
let all: EmulatedLog[];
const ms = (log: EmulatedLog) => parseInvokeTime(log.invokeTime) * 1000;

beforeAll(async () => {
  emulators = await startEmulators({ now: Date.UTC(2025, 0, 15) });
  source = new TencentCcrSource(tencentCcrSourceSchema.parse(tencentSource(emulators)));
});
afterAll(() => emulators.close());
beforeEach(() => {
  emulators.tencentCcr.reset();
  const ties = Array.from({ length: TIE_COUNT }, (_, i) => ({ ...SEED_EXAMPLE_LOG, repoName: REPO, invokeTime: TIE_TIME, tagName: `tie-${i}` }));
  emulators.tencentCcr.appendLogs(REPO, ties);
  all = emulators.tencentCcr.logs(REPO);
  emulators.tencentCcr.resetRequests();
});

function scan(order: 'asc' | 'desc', from: number | undefined, to: number | undefined, pageSize: number, on = source) {
  const session = on.openSession();
  return new TriggerLogScan({
    repoName: REPO,
    order,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    pageSize,
    list: (params) => session.listTriggerLog(params),
    timeOf: session.timeOf,
  });
}

async function drain(s: TriggerLogScan) {
  const out: EmulatedLog[] = [];
  for (let i = 0; i < 10_000; i++) {
    const batch = await s.next();
    out.push(...batch.logs.map(({ log }) => log.raw as EmulatedLog));
    if (batch.done) return out;
  }
  throw new Error('scan does not end');
}

describe('TriggerLogScan over the emulator', () => {
  it('lands on the first record of a second shared by many, in both orders', async () => {
    const tie = parseInvokeTime(TIE_TIME) * 1000;
    const asc = await scan('asc', tie, undefined, 7).next();
    expect((asc.logs[0]!.log.raw as EmulatedLog).tagName).toBe('tie-0');
    const firstTie = all.findIndex((l) => l.invokeTime === TIE_TIME);
    expect(all[firstTie - 1]!.invokeTime < TIE_TIME).toBe(true);
    const desc = await scan('desc', tie + 999, undefined, 7).next();
    expect((desc.logs[0]!.log.raw as EmulatedLog).tagName).toBe(`tie-${TIE_COUNT - 1}`);
    // inside the second but after its start: the whole second is already behind
    const inside = await scan('asc', tie + 1, undefined, 7).next();
    expect((inside.logs[0]!.log.raw as EmulatedLog).invokeTime > TIE_TIME).toBe(true);
  });

  it('finds a deep start in a logarithmic number of calls and stops once past the window', async () => {
    const n = all.length;
    const target = all[Math.floor(n * 0.8)]!;
    const pageSize = 5;
    const s = scan('asc', ms(target), ms(target) + 3600_000, pageSize);
    const got = await drain(s);
    expect(got).toEqual(all.filter((l) => ms(l) >= ms(target) && ms(l) <= ms(target) + 3600_000));
    const calls = emulators.tencentCcr.requests().total;
    expect(calls).toBeLessThanOrEqual(Math.ceil(Math.log2(n / pageSize)) + 2 + Math.ceil(got.length / pageSize) + 1);
    // reading from offset 0 would have taken a call per page before the target as well
    const before = all.findIndex((l) => ms(l) >= ms(target));
    expect(calls).toBeLessThan((before + got.length) / pageSize / 2);
  });

  it('returns exactly the brute-force window for random bounds, orders and page sizes', async () => {
    const random = mulberry32(42);
    const times = all.map(ms);
    const lo = times[0]!;
    const hi = times[times.length - 1]!;
    for (let i = 0; i < 40; i++) {
      const a = lo - 1000 + Math.floor(random() * (hi - lo + 2000));
      const b = a + Math.floor(random() * (hi - lo) * (random() < 0.5 ? 0.05 : 1));
      const pageSize = 1 + Math.floor(random() * 40);
      const order = random() < 0.5 ? 'asc' : 'desc';
      const noFrom = random() < 0.15;
      const expected = all.filter((l) => (order === 'asc' ? (noFrom || ms(l) >= a) && ms(l) <= b : (noFrom || ms(l) <= b) && ms(l) >= a));
      if (order === 'desc') expected.reverse();
      const got = await drain(order === 'asc' ? scan('asc', noFrom ? undefined : a, b, pageSize) : scan('desc', noFrom ? undefined : b, a, pageSize));
      expect(got, `${order} ${a}..${b} by ${pageSize}`).toEqual(expected);
    }
  });

  it('reads again from the last second returned when records land while reading desc: nothing twice, nothing skipped', async () => {
    // Uncached: every round reads the same pages of other data.
    const uncached = new TencentCcrSource(tencentCcrSourceSchema.parse(tencentSource(emulators, { cacheTtlSeconds: 0 })));
    for (const late of ['2025-01-15 07:59:00', '2024-01-01 00:00:00', TIE_TIME]) {
      emulators.tencentCcr.reset();
      const ties = Array.from({ length: TIE_COUNT }, (_, i) => ({ ...SEED_EXAMPLE_LOG, repoName: REPO, invokeTime: TIE_TIME, tagName: `tie-${i}` }));
      emulators.tencentCcr.appendLogs(REPO, ties);
      const before = emulators.tencentCcr.logs(REPO);
      const tie = parseInvokeTime(TIE_TIME) * 1000;
      const s = scan('desc', tie, undefined, 10, uncached);
      const first = await s.next();
      // newer than everything (first in desc order), older than everything (still to read),
      // or in the very second being read (first of it in desc order)
      emulators.tencentCcr.appendLogs(REPO, [{ ...SEED_EXAMPLE_LOG, repoName: REPO, invokeTime: late, tagName: 'late' }]);
      const second = await s.next();
      expect(second.restarted, late).toBe(true);
      // the second read last, from its first record in desc order
      const lastAt = first.logs.at(-1)!.at;
      const restart = second.logs.findIndex(({ log }) => (log.raw as EmulatedLog).tagName !== 'late');
      expect(second.logs[restart]!.at).toBe(lastAt);
      expect(restart === 0 || late === TIE_TIME).toBe(true);
      const rest = await drain(s);
      const seen = timelineOf([first.logs, second.logs].flatMap((logs) => logs.map(({ log }) => log.raw as EmulatedLog)).concat(rest), 'desc');
      const expected = before.filter((l) => ms(l) <= tie).reverse();
      expect(seen.filter((l) => l.tagName !== 'late'), late).toEqual(expected);
      // the late record lands ahead of the read position only when it is older
      expect(seen.filter((l) => l.tagName === 'late').length, late).toBe(late === '2025-01-15 07:59:00' ? 0 : 1);
    }
  });

  it('gives the stream total only when the window is the whole repository', async () => {
    const session = source.openSession();
    const [stream] = (await session.streams()).filter((s) => s.key === `ccr/${REPO}`);
    const calls = new UpstreamCallCounts();
    const until = Date.UTC(2025, 0, 15);
    for (const order of [SortDirection.ASC, SortDirection.DESC]) {
      const whole = await stream!.open({ order, until, filter: {}, want: 21, plan: stream!.plan({}), calls }).next();
      expect(whole.total).toBe(all.length);
      const windowed = await stream!.open({ order, until, since: until - 86_400_000 * 30, filter: { since: until - 86_400_000 * 30 }, want: 21, plan: stream!.plan({ since: until - 86_400_000 * 30 }), calls }).next();
      expect(windowed.total).toBeNull();
    }
    // a snapshot older than the newest records: desc knows how many it skipped
    const older = ms(all[all.length - 11]!);
    const desc = await stream!.open({ order: SortDirection.DESC, until: older, filter: {}, want: 5, plan: stream!.plan({}), calls }).next();
    expect(desc.total).toBe(all.filter((l) => ms(l) <= older).length);
  });
});

/**
 * What the stream and the timeline keep of a scan's records, all in one: a record of the
 * last second kept whose content was already kept there is the same record read again
 * (the seeded records of one second all differ), and a record behind it was read already.
 */
function timelineOf(logs: EmulatedLog[], order: 'asc' | 'desc'): EmulatedLog[] {
  const kept: EmulatedLog[] = [];
  let at: number | undefined;
  const seen = new Set<string>();
  for (const log of logs) {
    const t = ms(log);
    if (at !== undefined && t !== at && (order === 'asc' ? t < at : t > at)) continue;
    if (t !== at) {
      at = t;
      seen.clear();
    }
    const key = JSON.stringify(log);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(log);
  }
  return kept;
}
