import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CsmsSourceConfig } from '../../../src/vendors/huawei-csms/csms.config.js';
import { EventOutcome, SortDirection } from '../../../src/model/event.model.js';
import { type SecretNotificationEventRecord } from '../../../src/vendors/huawei-csms/secret-notification-event.record.js';
import { csmsStreamKey, RecordNumbering, toSecretNotificationEvent } from '../../../src/vendors/huawei-csms/csms.mapper.js';
import { csmsRecordsSchema, type CsmsRecord, type CsmsRecords } from '../../../src/vendors/huawei-csms/csms.schemas.js';
import { CsmsSource } from '../../../src/vendors/huawei-csms/csms.source.js';
import { matchesFilter, type EventFilter } from '../../../src/timeline/event-filter.js';
import type { EventKey, StreamChunk, StreamQuery } from '../../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';

const SOURCE = 'csms';
const T = 1_700_000_000_000;

const config: CsmsSourceConfig = {
  name: SOURCE,
  kind: 'huawei-csms',
  endpoint: 'http://127.0.0.1:9',
  http: { timeoutMs: 1_000, retries: 0, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 1 },
  credentials: { type: 'aksk', accessKey: 'ak', secretKey: 'sk' },
  scope: { projectId: 'p' },
  cacheTtlSeconds: 60,
};

function record(create_time: number, secret_name: string, fields: Partial<CsmsRecord> = {}): CsmsRecord {
  return {
    event_name: 'e',
    trigger_event_type: 'SECRET_ROTATED',
    create_time,
    secret_name,
    secret_type: 'COMMON',
    notification_target_name: 't',
    notification_target_id: 'urn:t',
    notification_content: `{"secret":"${secret_name}"}`,
    notification_status: 'SUCCESS',
    ...fields,
  };
}

/**
 * Out of order, with twins (identical records) interleaved with other records of their
 * millisecond, a millisecond reached from create_time in seconds and one in milliseconds,
 * failures, and content that is not JSON.
 */
const RECORDS: CsmsRecord[] = [
  record(T + 5, 'a'),
  record(T + 1, 'b'),
  record(T + 5, 'c', { notification_status: 'FAIL' }),
  record(T + 5, 'a'),
  record(T + 3, 'd', { notification_content: '{"broken"' }),
  record(T + 5, 'a'),
  record((T + 1) / 1000, 'b'),
  record(T + 1, 'b'),
  record(T + 9, 'e', { trigger_event_type: 'SECRET_ROTATED_FAILED' }),
  record(T, 'f', { notification_content: null, notification_status: null }),
  record(T + 3, 'd', { notification_content: '{"broken"' }),
  record(T + 7, 'g'),
  record(T + 5, 'c', { notification_status: 'FAIL' }),
  record(T + 2, ''),
];

/** The former, eager reader: every record mapped and sorted, then filtered and paged. */
function eagerChunks(records: readonly CsmsRecord[], query: Omit<StreamQuery, 'plan' | 'calls'>): StreamChunk[] {
  const numbering = new RecordNumbering();
  const sorted = records
    .map((r) => toSecretNotificationEvent(SOURCE, r, numbering))
    .sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const window: EventFilter = { ...query.filter, since: query.since, until: query.until };
  const matching = sorted.filter((e) => (query.since === undefined || e.occurredAt >= query.since) && e.occurredAt <= query.until && matchesFilter(e, window));
  const ascending = query.order === SortDirection.ASC;
  if (!ascending) matching.reverse();
  const after = query.after;
  const pending = after ? matching.filter((e) => (ascending ? e.occurredAt >= after.at : e.occurredAt <= after.at)) : matching;
  const size = Math.max(query.want, 1);
  const total = matching.length;
  const chunks: StreamChunk[] = [{ events: pending.splice(0, size), done: pending.length === 0, total }];
  while (!chunks[chunks.length - 1]!.done) chunks.push({ events: pending.splice(0, size), done: pending.length === 0 });
  return chunks;
}

function sourceServing(records: readonly CsmsRecord[]): CsmsSource {
  const source = new CsmsSource(config);
  const answer: CsmsRecords = csmsRecordsSchema.parse({ records, page_info: null });
  vi.spyOn(source.client, 'listNotificationRecords').mockResolvedValue(answer);
  return source;
}

async function lazyChunks(source: CsmsSource, query: Omit<StreamQuery, 'plan' | 'calls'>): Promise<StreamChunk[]> {
  const [stream] = await source.openSession().streams();
  const reader = stream!.open({ ...query, plan: stream!.plan(query.filter), calls: new UpstreamCallCounts() });
  const chunks = [await reader.next()];
  while (!chunks[chunks.length - 1]!.done && chunks.length < 100) chunks.push(await reader.next());
  return chunks;
}

afterEach(() => vi.restoreAllMocks());

describe('CSMS pages mapped lazily', () => {
  const filters: EventFilter[] = [
    {},
    { outcomes: [EventOutcome.SUCCESS, EventOutcome.FAILURE] },
    { outcomes: [EventOutcome.FAILURE] },
    { resource: 'a' },
    { search: 'B' },
  ];
  const windows: { since?: number; until: number }[] = [
    { until: T + 100 },
    { since: T + 1, until: T + 5 },
    { since: T + 6, until: T + 6 },
    { since: T + 8, until: T + 2 },
  ];
  const answers = { 'as given': RECORDS, reversed: [...RECORDS].reverse() };

  for (const [name, records] of Object.entries(answers)) {
    it(`pages exactly as the eager mapping did, answer ${name}`, async () => {
      const source = sourceServing(records);
      const everything = eagerChunks(records, { order: SortDirection.ASC, until: T + 100, filter: {}, want: 1000 })[0]!.events;
      expect(everything).toHaveLength(RECORDS.length);
      expect(new Set(everything.map((e) => e.id)).size).toBe(RECORDS.length);
      // cursors on a millisecond with twins, on a lone one, and on none of the records'
      const cursors: (EventKey | undefined)[] = [
        undefined,
        ...[2, 8, 11].map((i) => ({ at: everything[i]!.occurredAt, stream: csmsStreamKey(SOURCE), id: everything[i]!.id })),
        { at: T + 4, stream: csmsStreamKey(SOURCE), id: '' },
      ];
      let cases = 0;
      for (const order of [SortDirection.ASC, SortDirection.DESC])
        for (const filter of filters)
          for (const window of windows)
            for (const after of cursors)
              for (const want of [1, 2, 3, 50]) {
                const query: Omit<StreamQuery, 'plan' | 'calls'> = { order, ...window, filter, want, ...(after ? { after } : {}) };
                const lazy = await lazyChunks(source, query);
                const eager = eagerChunks(records, query);
                const ids = (chunks: StreamChunk[]) => chunks.map((c) => ({ ids: c.events.map((e) => e.id), done: c.done, total: c.total }));
                expect(ids(lazy), JSON.stringify(query)).toEqual(ids(eager));
                expect(lazy.flatMap((c) => c.events)).toEqual(eager.flatMap((c) => c.events));
                cases++;
              }
      expect(cases).toBe(2 * filters.length * windows.length * cursors.length * 4);
    });
  }

  it('finds every event by id, and lists them in the order of the answer', async () => {
    const source = sourceServing(RECORDS);
    const numbering = new RecordNumbering();
    const eager = RECORDS.map((r) => toSecretNotificationEvent(SOURCE, r, numbering));
    const session = source.openSession();
    for (const event of eager) {
      const [, ...naturalId] = JSON.parse(Buffer.from(event.id, 'base64url').toString('utf8')) as unknown[];
      expect(await session.findEvent(naturalId)).toEqual(event);
    }
    expect(await session.findEvent([T + 5, 'feedfeedfeedfeed', 0])).toBeNull();
    expect(await session.findEvent([T + 4, 'feedfeedfeedfeed', 0])).toBeNull();
    expect((await session.snapshot()).events).toEqual(eager);
  });

  it('maps little more than the page, and each millisecond once per answer', async () => {
    const records = Array.from({ length: 500 }, (_, i) => record(T + ((i * 7919) % 500), `s${i}`));
    const source = sourceServing(records);
    const parse = vi.spyOn(JSON, 'parse');
    const page = async () => {
      const [stream] = await source.openSession().streams();
      return stream!.open({ order: SortDirection.DESC, until: T + 1000, filter: {}, want: 10, plan: stream!.plan({}), calls: new UpstreamCallCounts() }).next();
    };
    const first = await page();
    expect(first).toMatchObject({ total: 500, done: false });
    expect(first.events.map((e) => (e as SecretNotificationEventRecord).occurredAt)).toEqual(Array.from({ length: 10 }, (_, i) => T + 499 - i));
    // one notification_content parsed per mapped record: the page and the one read ahead
    expect(parse).toHaveBeenCalledTimes(11);
    await page();
    expect(parse).toHaveBeenCalledTimes(11);
  });
});
