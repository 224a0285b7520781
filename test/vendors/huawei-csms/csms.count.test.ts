import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { EventOutcome, type EventRecord } from '../../../src/model/event.model.js';
import { matchesFilter, type EventFilter } from '../../../src/timeline/event-filter.js';
import { CountMethod, countStream } from '../../../src/timeline/histogram/stream-count.js';
import { PageDeadline } from '../../../src/timeline/lane.js';
import type { Stream } from '../../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import { RecordNumbering, toSecretNotificationEvent } from '../../../src/vendors/huawei-csms/csms.mapper.js';
import { VendorRegistry } from '../../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../../helpers/demo-credentials.js';
import { ANCHOR } from '../../helpers/stack.js';

/*
 * The CSMS stream has no `count`, on purpose (docs/vendors/huawei-csms.md, "Counting"): its
 * one call answers everything, so the histogram engine scans it, and the scan is exact and
 * costs that one call whatever the buckets. Checked here against brute force.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const EDGE_MINUTE = Math.floor((ANCHOR - 2 * DAY) / MINUTE) * MINUTE;

let emulators: RunningEmulators;
let stream: Stream;

beforeAll(async () => {
  emulators = await startEmulators({ now: ANCHOR });
  const record = (createTime: number, n: number, status = 'SUCCESS') => ({
    event_name: `count-${n}`,
    trigger_event_type: 'SECRET_ROTATED',
    create_time: createTime,
    secret_name: 'count-secret',
    secret_type: 'COMMON',
    notification_target_name: 'count',
    notification_target_id: 'urn:count',
    notification_content: '{}',
    notification_status: status,
  });
  emulators.csms.appendRecords([
    // Milliseconds on the edges of a minute, and whole seconds given in seconds.
    record(EDGE_MINUTE - 1, 1),
    record(EDGE_MINUTE, 2, 'FAIL'),
    record(EDGE_MINUTE + MINUTE - 1, 3),
    record((EDGE_MINUTE + MINUTE) / 1000, 4, 'INVALID'),
    record(EDGE_MINUTE / 1000, 5),
  ]);
  const huawei = DEMO_CREDENTIALS.huawei;
  const vendors = new VendorRegistry(VENDORS);
  const config = parseConfig(
    {
      sources: [
        {
          name: 'csms',
          kind: 'huawei-csms',
          endpoint: emulators.csms.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
          http: { retries: 0, rateLimit: { perSecond: 0 } },
          cacheTtlSeconds: 0,
        },
      ],
    },
    'test configuration',
    vendors.configSchema,
  );
  const [source] = vendors.createSources(config);
  stream = (await source!.openSession().streams(new UpstreamCallCounts()))[0]!;
});
afterAll(() => emulators.close());

function mapped(): EventRecord[] {
  const numbering = new RecordNumbering();
  return emulators.csms.served().map((record) => toSecretNotificationEvent('csms', { ...record }, numbering));
}

describe('CSMS counting', () => {
  it('has no count: the engine scans its one answer', () => {
    expect(stream.count).toBeUndefined();
  });

  const CASES: { name: string; from: number; to: number; stepMs: number; byOutcome: boolean; filter: EventFilter }[] = [
    { name: 'the whole history by day', from: ANCHOR - 91 * DAY, to: ANCHOR, stepMs: DAY, byOutcome: false, filter: {} },
    { name: 'by hour and outcome', from: ANCHOR - 5 * DAY, to: ANCHOR, stepMs: HOUR, byOutcome: true, filter: {} },
    { name: 'the edge minutes by second', from: EDGE_MINUTE - MINUTE, to: EDGE_MINUTE + 2 * MINUTE - 1, stepMs: 1000, byOutcome: true, filter: {} },
    { name: 'failures, by minute', from: EDGE_MINUTE - 10 * MINUTE, to: EDGE_MINUTE + 10 * MINUTE - 1, stepMs: MINUTE, byOutcome: false, filter: { outcomes: [EventOutcome.FAILURE] } },
    { name: 'search and resource', from: ANCHOR - 91 * DAY, to: ANCHOR, stepMs: 5 * DAY, byOutcome: false, filter: { search: 'rotat', resource: 'count-secret' } },
    { name: 'unaligned bounds', from: ANCHOR - 30 * DAY + 517, to: ANCHOR - 3 * DAY - 41, stepMs: DAY, byOutcome: true, filter: {} },
  ];

  for (const { name, from, to, stepMs, byOutcome, filter: given } of CASES) {
    it(`scans exactly, in one upstream call: ${name}`, async () => {
      const starts: number[] = [];
      for (let start = Math.floor(from / stepMs) * stepMs; start <= to; start += stepMs) starts.push(start);
      const filter: EventFilter = { ...given, since: from, until: to };
      const calls = new UpstreamCallCounts();
      emulators.csms.resetRequests();
      const deadline = new PageDeadline(undefined);
      const counted = await countStream({ stream, plan: stream.plan(filter), filter, starts, stepMs, from, to, byOutcome, calls, deadline });
      deadline.dispose();
      expect(counted.method).toBe(CountMethod.SCAN);
      expect([emulators.csms.requests().total, calls.of('csms')]).toEqual([1, 1]);
      const events = mapped();
      let total = 0;
      for (const start of starts) {
        const bucket = { ...filter, since: Math.max(from, start), until: Math.min(to, start + stepMs - 1) };
        const counts = counted.buckets.get(start)!;
        if (!byOutcome) {
          const expected = events.filter((event) => matchesFilter(event, bucket)).length;
          expect(counts.get('ALL'), `bucket ${start}`).toBe(expected);
          total += expected;
        } else {
          for (const outcome of Object.values(EventOutcome)) {
            const expected = events.filter((event) => matchesFilter(event, { ...bucket, outcomes: [outcome] })).length;
            expect(counts.get(outcome), `bucket ${start} ${outcome}`).toBe(expected);
            total += expected;
          }
        }
      }
      expect(total).toBeGreaterThan(0);
    });
  }
});
