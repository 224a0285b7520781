import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { OTHER_WORKSPACE_ID, type ModelArtsEvent } from '../../src/emulators/huawei-modelarts/modelarts.dataset.js';
import { call, issueToken } from './support/emulator-client.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const SEED_SERVICE = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';

/** The example response of the vendor API page, character for character. */
const SEED_EXAMPLE = {
  service_id: '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e',
  service_name: 'zcjtest-07085',
  count: 9,
  total_count: 9,
  events: [
    { occur_time: 1562597251764, event_type: 'normal', event_info: 'start to deploy service' },
    { occur_time: 1562597251788, event_type: 'normal', event_info: 'building image for model [zcjtestTF 3.0.0]' },
    { occur_time: 1562597251805, event_type: 'normal', event_info: 'model (zcjtestTF 3.0.0) build image success' },
    { occur_time: 1562597255744, event_type: 'normal', event_info: 'preparing environment' },
    { occur_time: 1562597275915, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] prepare environment success' },
    { occur_time: 1562597275921, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] schedule resource success' },
    { occur_time: 1562597275928, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] pulling model image' },
    { occur_time: 1562597332570, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] pull image success' },
    { occur_time: 1562597332582, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] starting model' },
  ],
};

let emulators: RunningEmulators;
let base: string;

beforeAll(async () => {
  emulators = await startEmulators({ now: NOW, seed: 1 });
  base = emulators.modelarts.url;
});
afterAll(() => emulators.close());

const services = (query: Record<string, string | number> = {}, rawQuery?: string) =>
  call(base, `/v1/${PROJECT}/services`, { query, ...(rawQuery ? { rawQuery } : {}) });
const events = (serviceId: string, query: Record<string, string | number> = {}, rawQuery?: string) =>
  call(base, `/v1/${PROJECT}/services/${serviceId}/events`, { query, ...(rawQuery ? { rawQuery } : {}) });

/** Every event of a service, newest first, read page by page. */
async function allEventsDesc(serviceId: string, limit: number, extra: Record<string, string | number> = {}) {
  const out: ModelArtsEvent[] = [];
  for (let page = 0; ; page++) {
    const r = await events(serviceId, { ...extra, limit, offset: page });
    expect(r.status).toBe(200);
    out.push(...r.json.events);
    if (r.json.events.length < limit) return out;
  }
}

function byName(name: string) {
  const found = emulators.modelarts.summaries().find((s) => s.service_name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe('ModelArts GET /v1/{project_id}/services', () => {
  it('lists the default workspace, newest publish_at first, with the documented fields', async () => {
    const r = await services();
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['total_count', 'count', 'services']);
    expect(r.json.total_count).toBe(7);
    expect(r.json.count).toBe(7);
    const publishAt = r.json.services.map((s: { publish_at: number }) => s.publish_at);
    expect(publishAt).toEqual([...publishAt].sort((a, b) => b - a));
    for (const s of r.json.services) {
      expect(s).toMatchObject({
        service_id: expect.any(String),
        service_name: expect.any(String),
        description: expect.any(String),
        owner: expect.any(String),
        publish_at: expect.any(Number),
        transition_at: expect.any(Number),
        infer_type: expect.stringMatching(/^(real-time|batch|edge)$/),
        status: expect.any(String),
        invocation_times: expect.any(Number),
        failed_times: expect.any(Number),
        model_count: expect.any(Number),
        workspace_id: '0',
      });
    }
    expect(r.json.services.map((s: { service_id: string }) => s.service_id)).toContain(SEED_SERVICE);
  });

  it('filters by workspace_id, service_id, service_name (substring), model_id, infer_type and status', async () => {
    const other = await services({ workspace_id: OTHER_WORKSPACE_ID });
    expect(other.json.services.map((s: { service_id: string }) => s.service_id)).toEqual([
      emulators.modelarts.notable.otherWorkspaceServiceId,
    ]);
    expect((await services({ service_id: SEED_SERVICE })).json).toMatchObject({ total_count: 1, services: [{ service_name: 'zcjtest-07085' }] });
    expect((await services({ service_name: 'zcjtest' })).json.services.map((s: { service_id: string }) => s.service_id)).toEqual([SEED_SERVICE]);
    const bert = byName('bert-sentiment-cn');
    for (const model of bert.models) {
      const r = await services({ model_id: model.model_id });
      expect(r.json.services.map((s: { service_id: string }) => s.service_id)).toEqual([bert.service_id]);
    }
    expect((await services({ infer_type: 'batch' })).json.services.map((s: { service_name: string }) => s.service_name)).toEqual([
      'fraud-score-nightly',
    ]);
    expect((await services({ infer_type: 'edge' })).json.services.map((s: { service_name: string }) => s.service_name)).toEqual([
      'face-quality-edge',
    ]);
    expect((await services({ status: 'failed' })).json.services.map((s: { service_name: string }) => s.service_name)).toEqual([
      'resnet50-defect-inspect',
    ]);
    expect((await services({ status: 'pending' })).json).toEqual({ total_count: 0, count: 0, services: [] });
    expect((await services({ infer_type: 'real-time', status: 'running' })).json.total_count).toBe(3);
  });

  it('pages with offset as a page index', async () => {
    const all = (await services({ sort_by: 'service_name', order: 'asc' })).json.services.map((s: { service_name: string }) => s.service_name);
    const pages = [];
    for (let page = 0; page < 3; page++) {
      const r = await services({ sort_by: 'service_name', order: 'asc', limit: 3, offset: page });
      expect(r.json.total_count).toBe(7);
      expect(r.json.count).toBe(r.json.services.length);
      pages.push(r.json.services.map((s: { service_name: string }) => s.service_name));
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(all);
    expect((await services({ limit: 3, offset: 3 })).json).toEqual({ total_count: 7, count: 0, services: [] });
  });

  it('sorts by service_name and transition_at, asc and desc', async () => {
    const names = (await services({ sort_by: 'service_name', order: 'asc' })).json.services.map((s: { service_name: string }) => s.service_name);
    expect(names).toEqual([...names].sort());
    const desc = (await services({ sort_by: 'service_name', order: 'desc' })).json.services.map((s: { service_name: string }) => s.service_name);
    expect(desc).toEqual([...names].reverse());
    const transitions = (await services({ sort_by: 'transition_at', order: 'asc' })).json.services.map(
      (s: { transition_at: number }) => s.transition_at,
    );
    expect(transitions).toEqual([...transitions].sort((a, b) => a - b));
  });

  it.each([
    ['infer_type=stream', { infer_type: 'stream' }],
    ['status=broken', { status: 'broken' }],
    ['sort_by=name', { sort_by: 'name' }],
    ['order=up', { order: 'up' }],
    ['limit=0', { limit: 0 }],
    ['limit=1001', { limit: 1001 }],
    ['limit=abc', { limit: 'abc' }],
    ['offset=-1', { offset: -1 }],
    ['offset=1.5', { offset: '1.5' }],
    ['offset empty', { offset: '' }],
  ])('answers 400 ModelArts.0104 for %s', async (_name, query) => {
    const r = await services(query);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'ModelArts.0104', error_msg: expect.stringContaining('Parameter error') });
  });

  it('answers 400 for a repeated parameter', async () => {
    expect((await services({}, 'limit=1&limit=2')).status).toBe(400);
  });
});

describe('ModelArts GET /v1/{project_id}/services/{service_id}/events', () => {
  it('returns the example of the API page verbatim with order=asc', async () => {
    const r = await events(SEED_SERVICE, { order: 'asc' });
    expect(r.status).toBe(200);
    expect(r.text).toBe(JSON.stringify(SEED_EXAMPLE));
  });

  it('defaults to newest first (order desc), limit 1000, page 0', async () => {
    const r = await events(SEED_SERVICE);
    expect(r.json).toEqual({ ...SEED_EXAMPLE, events: [...SEED_EXAMPLE.events].reverse() });
  });

  it('treats offset as a page index: page N holds records [N*limit, (N+1)*limit)', async () => {
    const big = emulators.modelarts.summaries().find((s) => s.event_count > 1000);
    expect(big).toBeDefined();
    const id = big!.service_id;
    const full = emulators.modelarts.events(id).reverse();

    const first = await events(id);
    expect(first.json.count).toBe(1000);
    expect(first.json.total_count).toBe(full.length);
    const second = await events(id, { offset: 1 });
    expect(second.json.count).toBe(full.length - 1000);
    expect(second.json.events[0]).toEqual(full[1000]);

    const page3 = await events(id, { limit: 100, offset: 3 });
    expect(page3.json.events).toEqual(full.slice(300, 400));
    expect(await allEventsDesc(id, 100)).toEqual(full);

    const past = await events(id, { limit: 100, offset: 999 });
    expect(past.status).toBe(200);
    expect(past.json).toMatchObject({ count: 0, total_count: full.length, events: [] });
  });

  it('orders asc as the exact reverse of desc, including ties', async () => {
    const id = emulators.modelarts.notable.tiesServiceId;
    const desc = (await events(id)).json.events;
    const asc = (await events(id, { order: 'asc' })).json.events;
    expect(asc).toEqual([...desc].reverse());
    const times = asc.map((e: ModelArtsEvent) => e.occur_time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('keeps ties in a fixed order, also across a page boundary inside the tie', async () => {
    const id = emulators.modelarts.notable.tiesServiceId;
    const asc = emulators.modelarts.events(id);
    const counts = new Map<number, number>();
    for (const e of asc) counts.set(e.occur_time, (counts.get(e.occur_time) ?? 0) + 1);
    const tieTime = [...counts].find(([, n]) => n >= 3)![0];
    const tieStart = asc.findIndex((e) => e.occur_time === tieTime);
    // a page size that cuts the tie after its first record
    const limit = tieStart + 1;
    const pages = [];
    for (let page = 0; page * limit < asc.length; page++) {
      pages.push(...(await events(id, { order: 'asc', limit, offset: page })).json.events);
    }
    expect(pages).toEqual(asc);
    const again = await events(id, { order: 'asc', start_time: tieTime, end_time: tieTime });
    expect(again.json.events).toEqual(asc.filter((e) => e.occur_time === tieTime));
    expect(again.json.count).toBeGreaterThanOrEqual(3);
    const desc = await events(id, { start_time: tieTime, end_time: tieTime });
    expect(desc.json.events).toEqual([...again.json.events].reverse());
  });

  it('returns both of two fully identical records', async () => {
    const id = emulators.modelarts.notable.duplicateServiceId;
    const all = await allEventsDesc(id, 1000);
    const keys = all.map((e) => JSON.stringify(e));
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(dupes.length).toBeGreaterThanOrEqual(1);
    const dupe = JSON.parse(dupes[0]!) as ModelArtsEvent;
    const r = await events(id, { start_time: dupe.occur_time, end_time: dupe.occur_time });
    expect(r.json.events.filter((e: ModelArtsEvent) => JSON.stringify(e) === dupes[0]).length).toBe(2);
  });

  it('takes start_time and end_time as inclusive bounds', async () => {
    const id = byName('ocr-invoice-prod').service_id;
    const asc = emulators.modelarts.events(id);
    const t1 = asc[100]!.occur_time;
    const t2 = asc[250]!.occur_time;
    const expected = asc.filter((e) => e.occur_time >= t1 && e.occur_time <= t2);
    const r = await events(id, { order: 'asc', start_time: t1, end_time: t2 });
    expect(r.json.total_count).toBe(expected.length);
    expect(r.json.events).toEqual(expected);
    expect(r.json.events[0].occur_time).toBe(t1);
    expect(r.json.events.at(-1).occur_time).toBe(t2);
    // either bound alone
    expect((await events(id, { start_time: t2 })).json.total_count).toBe(asc.filter((e) => e.occur_time >= t2).length);
    expect((await events(id, { end_time: t1 })).json.total_count).toBe(asc.filter((e) => e.occur_time <= t1).length);
    // bounds one ms inside exclude the edge records
    const inner = await events(id, { start_time: t1 + 1, end_time: t2 - 1 });
    expect(inner.json.total_count).toBe(asc.filter((e) => e.occur_time > t1 && e.occur_time < t2).length);
  });

  it('filters by event_type, with total_count over all pages and count for this page', async () => {
    const id = byName('bert-sentiment-cn').service_id;
    const all = emulators.modelarts.events(id);
    const abnormal = all.filter((e) => e.event_type === 'abnormal');
    expect(abnormal.length).toBeGreaterThan(10);
    const r = await events(id, { event_type: 'abnormal', limit: 10 });
    expect(r.json.count).toBe(10);
    expect(r.json.total_count).toBe(abnormal.length);
    expect(r.json.events.every((e: ModelArtsEvent) => e.event_type === 'abnormal')).toBe(true);
    expect(r.json.events).toEqual([...abnormal].reverse().slice(0, 10));
    const normal = await events(id, { event_type: 'normal', limit: 1 });
    expect(normal.json.total_count).toBe(all.length - abnormal.length);
  });

  it('holds thousands of events over the 90 days before now, normal and abnormal', () => {
    const summaries = emulators.modelarts.summaries();
    expect(summaries.length).toBe(8);
    expect(summaries.reduce((n, s) => n + s.event_count, 0)).toBeGreaterThan(3000);
    for (const s of summaries) {
      if (s.service_id === SEED_SERVICE) continue;
      const evs = emulators.modelarts.events(s.service_id);
      expect(evs[0]!.occur_time).toBeGreaterThanOrEqual(NOW - 90 * 86_400_000);
      expect(evs.at(-1)!.occur_time).toBeLessThanOrEqual(NOW);
      expect(new Set(evs.map((e) => e.event_type))).toEqual(new Set(['normal', 'abnormal']));
    }
  });

  it('answers 404 ModelArts.3502 for an unknown service', async () => {
    const r = await events('00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error_code: 'ModelArts.3502', error_msg: expect.stringContaining('00000000-0000-4000-8000-000000000000') });
  });

  it.each([
    ['event_type=warning', { event_type: 'warning' }],
    ['sort_by=event_type', { sort_by: 'event_type' }],
    ['order=newest', { order: 'newest' }],
    ['limit=0', { limit: 0 }],
    ['limit=1001', { limit: 1001 }],
    ['offset=abc', { offset: 'abc' }],
    ['offset=-1', { offset: -1 }],
    ['start_time=-5', { start_time: -5 }],
    ['start_time=1e12', { start_time: '1e12' }],
    ['start_time > end_time', { start_time: 2000, end_time: 1000 }],
  ])('answers 400 ModelArts.0104 for %s', async (_name, query) => {
    const r = await events(SEED_SERVICE, query);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'ModelArts.0104', error_msg: expect.stringContaining('Parameter error') });
  });

  it('accepts sort_by=occur_time and equal start and end', async () => {
    const r = await events(SEED_SERVICE, { sort_by: 'occur_time', start_time: 1562597251764, end_time: 1562597251764 });
    expect(r.json.events).toEqual([SEED_EXAMPLE.events[0]]);
  });
});

describe('ModelArts authentication and projects', () => {
  const path = `/v1/${PROJECT}/services/${SEED_SERVICE}/events`;

  it('answers 401 APIGW.0301 without any credentials', async () => {
    const r = await call(base, path, { auth: { kind: 'none' } });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
  });

  it('answers 401 for a wrong SK and an unknown AK', async () => {
    for (const auth of [
      { kind: 'aksk' as const, secretKey: 'not-the-secret' },
      { kind: 'aksk' as const, accessKey: 'UNKNOWNAK00000000000', secretKey: 'x' },
    ]) {
      const r = await call(base, path, { auth });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({
        error_code: 'APIGW.0301',
        error_msg: expect.stringMatching(/^Incorrect IAM authentication information: verify aksk signature fail, /),
      });
    }
  });

  it('answers 401 for an X-Sdk-Date 16 minutes off, and accepts 14', async () => {
    for (const minutes of [16, -16]) {
      const r = await call(base, path, { auth: { kind: 'aksk', date: new Date(Date.now() + minutes * 60_000) } });
      expect(r.status).toBe(401);
      expect(r.json.error_msg).toContain('verify aksk signature fail');
    }
    const ok = await call(base, path, { auth: { kind: 'aksk', date: new Date(Date.now() - 14 * 60_000) } });
    expect(ok.status).toBe(200);
  });

  it('accepts an IAM token and refuses an unknown one', async () => {
    const token = await issueToken(emulators.iam.url);
    expect((await call(base, path, { auth: { kind: 'token', token } })).status).toBe(200);
    const bad = await call(base, path, { auth: { kind: 'token', token: 'MIIbogus' } });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error_code: 'APIGW.0301', error_msg: expect.stringContaining('token') });
  });

  it('answers 403 for another project, whatever the credentials', async () => {
    const other = '0123456789abcdef0123456789abcdef';
    const signed = await call(base, `/v1/${other}/services`);
    expect(signed.status).toBe(403);
    expect(signed.json).toMatchObject({ error_code: 'ModelArts.0103' });
    const token = await issueToken(emulators.iam.url);
    expect((await call(base, `/v1/${other}/services/${SEED_SERVICE}/events`, { auth: { kind: 'token', token } })).status).toBe(403);
    const mismatch = await call(base, `/v1/${PROJECT}/services`, { auth: { kind: 'aksk', projectIdHeader: other } });
    expect(mismatch.status).toBe(403);
  });

  it('answers 404 APIGW.0101 for an API that does not exist', async () => {
    const r = await call(base, `/v1/${PROJECT}/jobs`);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ error_code: 'APIGW.0101' });
  });
});
