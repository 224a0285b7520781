import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tencentCcrSourceSchema } from '../../../src/config/config.schema.js';
import { startEmulators, type RunningEmulators } from '../../../src/emulators/emulators.js';
import { parseInvokeTime, SEED_EXAMPLE_LOG, type TriggerLog as EmulatedLog } from '../../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { mulberry32 } from '../../../src/emulators/shared/mulberry32.js';
import { SortDirection } from '../../../src/model/event.model.js';
import { TriggerLogScan } from '../../../src/sources/tencent-ccr/tencent-ccr.scan.js';
import { TencentCcrSource } from '../../../src/sources/tencent-ccr/tencent-ccr.source.js';
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

function scan(order: 'asc' | 'desc', from: number | undefined, to: number | undefined, pageSize: number) {
  const session = source.openSession();
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

  it('skips records appended at the top while reading desc, instead of returning them twice', async () => {
    const s = scan('desc', undefined, undefined, 10);
    const first = await s.next();
    emulators.tencentCcr.appendLogs(REPO, [{ ...SEED_EXAMPLE_LOG, repoName: REPO, invokeTime: '2025-01-15 07:59:00', tagName: 'late' }]);
    const rest = await drain(s);
    const seen = [...first.logs.map(({ log }) => log.raw as EmulatedLog), ...rest];
    expect(seen).toEqual(all.slice().reverse());
  });

  it('gives the stream total only when the window is the whole repository', async () => {
    const session = source.openSession();
    const [stream] = (await session.streams()).filter((s) => s.key === `ccr/${REPO}`);
    const until = Date.UTC(2025, 0, 15);
    for (const order of [SortDirection.ASC, SortDirection.DESC]) {
      const whole = await stream!.open({ order, until, filter: {}, want: 21 }).next();
      expect(whole.total).toBe(all.length);
      const windowed = await stream!.open({ order, until, since: until - 86_400_000 * 30, filter: { since: until - 86_400_000 * 30 }, want: 21 }).next();
      expect(windowed.total).toBeNull();
    }
    // a snapshot older than the newest records: desc knows how many it skipped
    const older = ms(all[all.length - 11]!);
    const desc = await stream!.open({ order: SortDirection.DESC, until: older, filter: {}, want: 5 }).next();
    expect(desc.total).toBe(all.filter((l) => ms(l) <= older).length);
  });
});
