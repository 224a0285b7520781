import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import type { ModelArtsEvent } from '../../src/emulators/huawei-modelarts/modelarts.dataset.js';
import { call } from './support/emulator-client.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const SEED_SERVICE = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';
const EVENTS_PATH = `/v1/${PROJECT}/services/${SEED_SERVICE}/events`;

let emulators: RunningEmulators;
let base: string;

beforeAll(async () => {
  emulators = await startEmulators({ now: NOW, seed: 7 });
  base = emulators.modelarts.url;
});
afterAll(() => emulators.close());
afterEach(() => emulators.modelarts.reset());

const control = (method: string, path: string, body?: unknown) =>
  call(base, `/__emulator${path}`, {
    method,
    auth: { kind: 'none' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

describe('ModelArts emulator knobs', () => {
  it('are readable and settable over HTTP, validated, and reset', async () => {
    const defaults = { latencyMs: 0, errorRate: 0, forceStatus: null, malformedBody: null, hang: false };
    expect((await control('GET', '/knobs')).json).toEqual(defaults);
    const put = await control('PUT', '/knobs', { latencyMs: 5 });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ ...defaults, latencyMs: 5 });
    for (const bad of [{ errorRate: 2 }, { forceStatus: 200 }, { surprise: true }, { malformedBody: 'sometimes' }, 'not json']) {
      expect((await control('PUT', '/knobs', bad)).status).toBe(400);
    }
    expect(emulators.modelarts.knobs()).toEqual({ ...defaults, latencyMs: 5 });
    expect((await control('DELETE', '/knobs')).json).toEqual(defaults);
    expect(emulators.modelarts.knobs()).toEqual(defaults);
  });

  it('latencyMs delays every API request', async () => {
    emulators.modelarts.setKnobs({ latencyMs: 300 });
    const started = performance.now();
    expect((await call(base, EVENTS_PATH)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('errorRate 1 answers 500 with a ModelArts body; 0.5 fails a seeded, replayable share', async () => {
    emulators.modelarts.setKnobs({ errorRate: 1 });
    const failed = await call(base, EVENTS_PATH);
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ error_code: expect.stringMatching(/^ModelArts\.\d{4}$/), error_msg: expect.any(String) });

    const run = async () => {
      emulators.modelarts.reset();
      emulators.modelarts.setKnobs({ errorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await call(base, EVENTS_PATH)).status);
      return statuses;
    };
    const first = await run();
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(await run()).toEqual(first);
  });

  it('forceStatus answers every request with that status and a vendor body; 429 and 503 add Retry-After', async () => {
    await control('PUT', '/knobs', { forceStatus: 503 });
    const unavailable = await call(base, EVENTS_PATH);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(unavailable.json).toMatchObject({ error_code: expect.stringMatching(/^ModelArts\./), error_msg: expect.any(String) });
    // even an unauthenticated request: the fault is in front of the gateway's auth
    expect((await call(base, EVENTS_PATH, { auth: { kind: 'none' } })).status).toBe(503);

    emulators.modelarts.setKnobs({ forceStatus: 429 });
    const throttled = await call(base, `/v1/${PROJECT}/services`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.json).toMatchObject({ error_code: 'APIGW.0308' });

    emulators.modelarts.setKnobs({ forceStatus: 500 });
    const internal = await call(base, EVENTS_PATH);
    expect(internal.status).toBe(500);
    expect(internal.headers.get('retry-after')).toBeNull();

    emulators.modelarts.setKnobs({ forceStatus: 401 });
    expect((await call(base, EVENTS_PATH)).json).toMatchObject({ error_code: 'APIGW.0301' });
  });

  it('malformedBody answers 200 with invalid JSON or with the wrong shape', async () => {
    emulators.modelarts.setKnobs({ malformedBody: 'invalid-json' });
    const broken = await call(base, EVENTS_PATH);
    expect(broken.status).toBe(200);
    expect(broken.headers.get('content-type')).toContain('application/json');
    expect(() => JSON.parse(broken.text)).toThrow();
    expect((await call(base, `/v1/${PROJECT}/services`)).json).toBeUndefined();

    emulators.modelarts.setKnobs({ malformedBody: 'wrong-shape' });
    const wrong = await call(base, EVENTS_PATH);
    expect(wrong.status).toBe(200);
    expect(Array.isArray(wrong.json.events)).toBe(false);
    expect(typeof wrong.json.total_count).toBe('string');
    const wrongList = await call(base, `/v1/${PROJECT}/services`);
    expect(Array.isArray(wrongList.json.services)).toBe(false);
    // errors stay errors
    expect((await call(base, EVENTS_PATH, { auth: { kind: 'none' } })).status).toBe(401);
  });

  it('hang never answers, and close() still returns promptly', async () => {
    emulators.modelarts.setKnobs({ hang: true });
    await expect(call(base, EVENTS_PATH, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    emulators.modelarts.setKnobs({ hang: false });
    expect((await call(base, EVENTS_PATH)).status).toBe(200);

    const separate = await startEmulators({ now: NOW, modelarts: { knobs: { hang: true, latencyMs: 60_000 } } });
    const pending = call(separate.modelarts.url, EVENTS_PATH).catch((error: unknown) => error);
    const slow = (async () => {
      separate.modelarts.setKnobs({ hang: false });
      return call(separate.modelarts.url, EVENTS_PATH).catch((error: unknown) => error);
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await separate.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
  });
});

describe('ModelArts emulator request log', () => {
  it('counts API requests by path, not control requests, and resets', async () => {
    await control('DELETE', '/requests');
    await call(base, `/v1/${PROJECT}/services`);
    await call(base, EVENTS_PATH, { query: { limit: 1 } });
    await call(base, EVENTS_PATH, { query: { limit: 1, offset: 1 } });
    await call(base, EVENTS_PATH, { auth: { kind: 'none' } });
    await control('GET', '/knobs');
    const counts = (await control('GET', '/requests')).json;
    expect(counts.total).toBe(4);
    expect(counts.byPath).toEqual({ [`/v1/${PROJECT}/services`]: 1, [EVENTS_PATH]: 3 });
    expect(counts.recent.map((e: { status: number }) => e.status)).toEqual([200, 200, 200, 401]);
    expect(counts.recent[2]).toMatchObject({ method: 'GET', path: EVENTS_PATH, query: 'limit=1&offset=1' });
    expect(emulators.modelarts.requests().total).toBe(4);
    expect((await control('DELETE', '/requests')).status).toBe(204);
    expect(emulators.modelarts.requests()).toEqual({ total: 0, byPath: {}, recent: [] });
  });
});

describe('ModelArts emulator run-time events', () => {
  it('appends events over HTTP, keeps the sort, and a reset restores the seeded data', async () => {
    const last = 1562597332582;
    const added: ModelArtsEvent[] = [
      { occur_time: last, event_type: 'normal', event_info: 'appended tie with the last seed event' },
      { occur_time: NOW + 1000, event_type: 'abnormal', event_info: '[zcjtestTF 3.0.0] instance restarted: container OOMKilled' },
    ];
    const r = await control('POST', `/services/${SEED_SERVICE}/events`, added);
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ service_id: SEED_SERVICE, appended: 2, total_count: 11 });

    const desc = (await call(base, EVENTS_PATH)).json;
    expect(desc.total_count).toBe(11);
    expect(desc.events[0]).toEqual(added[1]);
    // among equal occur_times the later insertion comes first in desc, last in asc
    expect(desc.events[1]).toEqual(added[0]);
    const asc = (await call(base, EVENTS_PATH, { query: { order: 'asc' } })).json.events;
    expect(asc.slice(-3).map((e: ModelArtsEvent) => e.event_info)).toEqual([
      '[zcjtestTF 3.0.0] starting model',
      'appended tie with the last seed event',
      '[zcjtestTF 3.0.0] instance restarted: container OOMKilled',
    ]);

    expect((await control('POST', `/services/${SEED_SERVICE}/events`, [{ occur_time: 'soon' }])).status).toBe(400);
    expect((await control('POST', '/services/nope/events', added)).status).toBe(404);
    expect(emulators.modelarts.appendEvents(SEED_SERVICE, [{ occur_time: 1, event_type: 'normal', event_info: 'x' }])).toBe(12);

    expect((await control('POST', '/reset')).status).toBe(204);
    expect((await call(base, EVENTS_PATH)).json.total_count).toBe(9);
  });

  it('describes its data at GET /__emulator/dataset', async () => {
    const r = await control('GET', '/dataset');
    expect(r.json).toMatchObject({ projectId: PROJECT, now: NOW, notable: { seedExampleServiceId: SEED_SERVICE } });
    expect(r.json.services).toHaveLength(8);
  });
});
