import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import type { HssImageEvent } from '../../src/emulators/huawei-hss/hss.dataset.js';
import { call, issueToken } from './support/emulator-client.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const PATH = `/v5/${PROJECT}/container/image/events`;
const DAY = 24 * 3600_000;

/** The example response record of the vendor API page, character for character. */
const SEED_RECORD = {
  resource_name: 'name',
  resource_type: 'scc_hss_container/hello-world:*',
  event_name: 'operation',
  event_id: 'f989**25-b3a4-4d88-b05a-cc***cd1205',
  event_type: 'eventtype',
  source_ip: '100.93.10.***',
  user_name: 'usertest',
  time: 1737465650731,
  content:
    'successfully started container k8s_infer-8995e1d2-c409-4ada-ab1b-77e611497bf1_infer-39cce5d3-8b68-4578-8e5c-77e611497bf1-1824u-role-0-6db9jrd_pool-x-infer-test-04f258c84780d5a52f3bc00dc15aa5e7_ac085160-d5a5-4251-ab06-30e6c33dedc4_0',
};

let emulators: RunningEmulators;
let all: HssImageEvent[];

beforeAll(async () => {
  emulators = await startEmulators({ now: NOW });
  all = emulators.hss.events();
});
afterAll(() => emulators.close());
afterEach(() => emulators.hss.reset());

const list = (query: Record<string, string | number> = {}, rawQuery?: string) =>
  call(emulators.hss.url, PATH, { query, ...(rawQuery ? { rawQuery } : {}) });

describe('HSS emulator: data', () => {
  it('holds thousands of records over 90 days, with many images, resource types, users and IPs', () => {
    expect(all.length).toBeGreaterThan(3000);
    const generated = all.filter((e) => e.event_id !== SEED_RECORD.event_id);
    expect(Math.min(...generated.map((e) => e.time))).toBeGreaterThanOrEqual(NOW - 90 * DAY);
    expect(Math.max(...generated.map((e) => e.time))).toBeLessThanOrEqual(NOW);
    const distinct = (field: keyof HssImageEvent) => new Set(all.map((e) => e[field])).size;
    expect(distinct('resource_name')).toBeGreaterThan(100);
    expect(distinct('resource_type')).toBeGreaterThan(5);
    expect(distinct('user_name')).toBeGreaterThan(10);
    expect(distinct('source_ip')).toBeGreaterThan(20);
    expect(distinct('event_type')).toBeGreaterThan(5);
    expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
  });

  it('serves the API page example verbatim', async () => {
    const r = await list({ start_time: SEED_RECORD.time, end_time: SEED_RECORD.time });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ total_num: 1, data_list: [SEED_RECORD] });
    // key order as on the page
    expect(Object.keys(r.json.data_list[0])).toEqual(Object.keys(SEED_RECORD));
  });

  it('is the same from the same seed and differs with another', async () => {
    const [a, b] = await Promise.all([startEmulators({ now: NOW, seed: 1 }), startEmulators({ now: NOW, seed: 2 })]);
    try {
      expect(JSON.stringify(a.hss.events())).toBe(JSON.stringify(all));
      expect(JSON.stringify(b.hss.events())).not.toBe(JSON.stringify(all));
      expect(b.hss.events().some((e) => e.event_id === SEED_RECORD.event_id)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('HSS emulator: query parameters', () => {
  it('answers 10 records by default, newest first, with the total', async () => {
    const r = await list();
    expect(r.json.total_num).toBe(all.length);
    expect(r.json.data_list).toEqual(all.slice(0, 10));
    const times = all.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('pages by record offset, and limit 0 counts only', async () => {
    const r = await list({ offset: 195, limit: 200 });
    expect(r.json.data_list).toEqual(all.slice(195, 395));
    expect((await list({ limit: 0 })).json).toEqual({ total_num: all.length, data_list: [] });
    expect((await list({ offset: all.length, limit: 5 })).json).toEqual({ total_num: all.length, data_list: [] });
    expect((await list({ offset: 2_000_000, limit: 200 })).status).toBe(200);
  });

  it('filters by an inclusive time range', async () => {
    const from = NOW - 10 * DAY;
    const to = all.find((e) => e.time < NOW - 2 * DAY)!.time;
    const expected = all.filter((e) => e.time >= from && e.time <= to);
    const r = await list({ start_time: from, end_time: to, limit: 200 });
    expect(r.json.total_num).toBe(expected.length);
    expect(r.json.data_list).toEqual(expected.slice(0, 200));
    const tie = emulators.hss.notable;
    expect((await list({ start_time: tie.tieTime, end_time: tie.tieTime })).json.total_num).toBe(tie.tieCount);
  });

  for (const field of ['resource_name', 'resource_type', 'event_type', 'event_name', 'source_ip', 'user_name'] as const) {
    it(`filters ${field} exactly`, async () => {
      const value = all[137]![field];
      const expected = all.filter((e) => e[field] === value);
      const r = await list({ [field]: value, limit: 200 });
      expect(r.json.total_num).toBe(expected.length);
      expect(r.json.data_list).toEqual(expected.slice(0, 200));
      expect((await list({ [field]: value.slice(0, -1), limit: 1 })).json.total_num).toBe(
        all.filter((e) => e[field] === value.slice(0, -1)).length,
      );
    });
  }

  it('combines filters', async () => {
    const { user_name, event_type } = all[42]!;
    const expected = all.filter((e) => e.user_name === user_name && e.event_type === event_type && e.time >= NOW - 30 * DAY);
    const r = await list({ user_name, event_type, start_time: NOW - 30 * DAY, limit: 200 });
    expect(r.json.total_num).toBe(expected.length);
    expect(r.json.data_list).toEqual(expected.slice(0, 200));
  });

  it.each([
    ['limit above 200', { limit: 201 }],
    ['a negative limit', { limit: -1 }],
    ['a text limit', { limit: 'ten' }],
    ['a fractional offset', { offset: 1.5 }],
    ['offset above 2,000,000', { offset: 2_000_001 }],
    ['start_time after end_time', { start_time: 2000, end_time: 1000 }],
    ['a text start_time', { start_time: 'yesterday' }],
    ['resource_name of 257 characters', { resource_name: 'r'.repeat(257) }],
    ['event_name of 257 characters', { event_name: 'e'.repeat(257) }],
    ['resource_type of 65 characters', { resource_type: 't'.repeat(65) }],
    ['event_type of 65 characters', { event_type: 't'.repeat(65) }],
    ['source_ip of 65 characters', { source_ip: '1'.repeat(65) }],
    ['user_name of 65 characters', { user_name: 'u'.repeat(65) }],
  ])('answers 400 HSS.0001 for %s', async (_name, query) => {
    const r = await list(query as Record<string, string | number>);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'HSS.0001', error_msg: expect.stringMatching(/^Invalid parameter: /) });
  });

  it('accepts the maximum lengths, and refuses a repeated parameter', async () => {
    const atMax = await list({ resource_name: 'r'.repeat(256), event_name: 'e'.repeat(256), user_name: 'u'.repeat(64), source_ip: '1'.repeat(64), resource_type: 't'.repeat(64), event_type: 'x'.repeat(64) });
    expect(atMax.status).toBe(200);
    expect(atMax.json.total_num).toBe(0);
    expect((await list({ limit: 1 }, 'limit=2')).json.error_code).toBe('HSS.0001');
  });

  it('ignores unknown parameters, and an empty filter means none', async () => {
    const r = await list({ sort: 'asc', user_name: '', limit: 3 });
    expect(r.json).toEqual({ total_num: all.length, data_list: all.slice(0, 3) });
  });
});

describe('HSS emulator: auth and knobs', () => {
  it('accepts an IAM token of the same account, and refuses it once expired or for another project', async () => {
    const token = await issueToken(emulators.iam.url);
    expect((await call(emulators.hss.url, PATH, { auth: { kind: 'token', token } })).status).toBe(200);
    const other = await call(emulators.hss.url, '/v5/0123456789abcdef0123456789abcdef/container/image/events', { auth: { kind: 'token', token } });
    expect(other.status).toBe(403);
    expect(other.json.error_code).toBe('HSS.0010');
    emulators.iam.tokens.expireAll();
    const expired = await call(emulators.hss.url, PATH, { auth: { kind: 'token', token } });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ error_code: 'APIGW.0301', error_msg: expect.stringContaining('expired') });
  });

  it('refuses a wrong signature, a wrong key and no auth with the gateway 401', async () => {
    const wrong = await call(emulators.hss.url, PATH, { auth: { kind: 'aksk', secretKey: 'not-the-secret' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error_msg).toContain('verify aksk signature fail');
    expect((await call(emulators.hss.url, PATH, { auth: { kind: 'aksk', accessKey: 'UNKNOWNAK' } })).status).toBe(401);
    expect((await call(emulators.hss.url, PATH, { auth: { kind: 'none' } })).status).toBe(401);
    const skewed = await call(emulators.hss.url, PATH, { auth: { kind: 'aksk', date: new Date(Date.now() - 20 * 60_000) } });
    expect(skewed.status).toBe(401);
  });

  it('accepts a request signed by the official SDK signer', async () => {
    const d = DEMO_CREDENTIALS.huawei;
    const queryParams = { user_name: 'usertest', limit: 5, resource_type: 'scc_hss_container/hello-world:*', end_time: SEED_RECORD.time };
    const signed = AKSKSigner.sign(
      { method: 'GET', endpoint: `${emulators.hss.url}${PATH}`, headers: { 'X-Project-Id': d.projectId }, queryParams },
      new BasicCredentials().withAk(d.accessKey).withSk(d.secretKey),
    ) as Record<string, string>;
    const { host: _host, ...headers } = signed;
    const query = new URLSearchParams(Object.entries(queryParams).map(([k, v]) => [k, String(v)]));
    const response = await fetch(`${emulators.hss.url}${PATH}?${query}`, { headers });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data_list: HssImageEvent[] };
    expect(body.data_list).toEqual([SEED_RECORD]);
  });

  it('answers injected statuses with HSS bodies', async () => {
    emulators.hss.setKnobs({ forceStatus: 500 });
    expect((await list()).json).toEqual({ error_code: 'HSS.0041', error_msg: 'Internal Server Error' });
    emulators.hss.setKnobs({ forceStatus: 403 });
    expect((await list()).json.error_code).toBe('HSS.0010');
  });

  it('answers in another order when the order knob says so', async () => {
    emulators.hss.setKnobs({ order: 'oldest-first' });
    expect((await list({ limit: 5 })).json.data_list).toEqual([...all].reverse().slice(0, 5));
    const r = await call(emulators.hss.url, '/__emulator/knobs', { method: 'PUT', body: JSON.stringify({ order: 'event-id' }), auth: { kind: 'none' } });
    expect(r.json.order).toBe('event-id');
    const ids = (await list({ limit: 50 })).json.data_list.map((e: HssImageEvent) => e.event_id);
    expect(ids).toEqual([...ids].sort());
    const bad = await call(emulators.hss.url, '/__emulator/knobs', { method: 'PUT', body: JSON.stringify({ order: 'random' }), auth: { kind: 'none' } });
    expect(bad.status).toBe(400);
  });

  it('appends records through the control route', async () => {
    const record = { ...SEED_RECORD, event_id: 'appended-1', time: NOW + 1 };
    const r = await call(emulators.hss.url, '/__emulator/events', { method: 'POST', body: JSON.stringify([record]), auth: { kind: 'none' } });
    expect(r.status).toBe(201);
    expect((await list({ limit: 1 })).json.data_list).toEqual([record]);
  });
});
