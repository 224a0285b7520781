import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import type { ArrivingRequest } from '../../src/emulators/common/emulator.app.js';
import { call } from './support/emulator-client.js';

const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const HSS_PATH = `/v5/${PROJECT}/container/image/events`;

/*
 * The `onRequest` hook of every emulator: a test acts between two upstream calls of one
 * GraphQL page with it (test/integration/appends-during-page.integration.test.ts).
 */
describe('emulator handles: onRequest', () => {
  let emulators: RunningEmulators;
  beforeAll(async () => {
    emulators = await startEmulators({ now: Date.UTC(2026, 0, 1), scale: 0.02 });
  });
  afterAll(() => emulators.close());

  it('is on every emulator handle', () => {
    for (const handle of [emulators.iam, emulators.modelarts, emulators.tencentCcr, emulators.hss, emulators.csms, emulators.bkrepo]) {
      expect(typeof handle.onRequest).toBe('function');
    }
  });

  it('hears API requests before they are answered, so that the answer reads what the listener appended', async () => {
    const { hss } = emulators;
    const heard: ArrivingRequest[] = [];
    const at = hss.now + 3600_000;
    const off = hss.onRequest((request) => {
      heard.push(request);
      hss.appendEvents([
        {
          resource_name: 'hook',
          resource_type: 'image',
          event_name: 'push',
          event_id: `hook-${heard.length}`,
          event_type: 'operation',
          source_ip: '192.0.2.1',
          user_name: 'hook',
          time: at,
          content: 'appended by the listener',
        },
      ]);
    });
    try {
      const first = await call(hss.url, HSS_PATH, { query: { start_time: at, end_time: at, limit: 10 } });
      expect(first.status).toBe(200);
      expect(first.json.data_list.map((e: { event_id: string }) => e.event_id)).toEqual(['hook-1']);
      expect(heard).toEqual([{ method: 'GET', path: HSS_PATH, query: `start_time=${at}&end_time=${at}&limit=10`, body: '' }]);
      const second = await call(hss.url, HSS_PATH, { query: { start_time: at, end_time: at, limit: 10 } });
      expect(second.json.total_num).toBe(2);
    } finally {
      off();
      hss.reset();
    }
  });

  it('does not hear control requests, stops when removed, and holds a request while its promise is pending', async () => {
    const { modelarts } = emulators;
    const heard: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const off = modelarts.onRequest(async (request) => {
      heard.push(request.path);
      await gate;
    });
    try {
      expect((await fetch(`${modelarts.url}/__emulator/knobs`)).status).toBe(200);
      expect((await fetch(`${modelarts.url}/__emulator/dataset`)).status).toBe(200);
      expect(heard).toEqual([]);

      let answered = false;
      const pending = call(modelarts.url, `/v1/${PROJECT}/services`).then((r) => {
        answered = true;
        return r;
      });
      await expect.poll(() => heard.length).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      release();
      expect((await pending).status).toBe(200);
      expect(heard).toEqual([`/v1/${PROJECT}/services`]);

      off();
      expect((await call(modelarts.url, `/v1/${PROJECT}/services`)).status).toBe(200);
      expect(heard).toHaveLength(1);
    } finally {
      off();
      release();
    }
  });

  it('hears a POST body, and reset() removes every listener', async () => {
    const { bkrepo } = emulators;
    const heard: ArrivingRequest[] = [];
    bkrepo.onRequest((request) => void heard.push(request));
    const body = JSON.stringify({
      projectId: 'test',
      repoName: 'generic-local',
      eventType: 'NODE_DOWNLOADED',
      resourceKey: '/',
      pageNumber: 1,
      pageSize: 5,
    });
    const post = () =>
      fetch(`${bkrepo.url}/repository/api/log/list`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${DEMO_CREDENTIALS.bkrepo.user}:${DEMO_CREDENTIALS.bkrepo.password}`).toString('base64')}`,
        },
        body,
      });
    expect((await post()).status).toBe(200);
    expect(heard.map((r) => [r.method, r.path, r.body])).toEqual([['POST', '/repository/api/log/list', body]]);
    bkrepo.reset();
    expect((await post()).status).toBe(200);
    expect(heard).toHaveLength(1);
  });

  it('a listener that throws answers the vendor error of a 500, and the emulator goes on', async () => {
    const { hss } = emulators;
    const off = hss.onRequest(() => {
      throw new Error('listener failed');
    });
    const failed = await call(hss.url, HSS_PATH, { query: { limit: 1 } });
    off();
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ error_code: 'HSS.0041' });
    expect((await call(hss.url, HSS_PATH, { query: { limit: 1 } })).status).toBe(200);
  });
});
