import { describe, expect, it } from 'vitest';
import { fixedPorts, startEmulators } from '../../src/demo/demo.emulators.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { call } from '../emulators/support/emulator-client.js';

const PROJECT = DEMO_CREDENTIALS.huawei.projectId;

describe('startEmulators', () => {
  it('starts IAM and ModelArts on loopback, lists them, and closes (twice is fine)', async () => {
    const emulators = await startEmulators();
    // Each vendor adds its own; these are the ones every checkout has.
    expect(emulators.list().map((e) => e.name)).toEqual(expect.arrayContaining(['huawei-iam', 'huawei-modelarts', 'tencent-ccr', 'huawei-hss', 'huawei-csms', 'bkrepo']));
    for (const e of emulators.list()) expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulators.modelarts.now % 60_000).toBe(0);
    expect(Math.abs(emulators.modelarts.now - Date.now())).toBeLessThan(61_000);
    await emulators.close();
    await emulators.close();
    await expect(fetch(`${emulators.modelarts.url}/__emulator/knobs`)).rejects.toThrow();
  });

  it('documents fixed ports and demo credentials', () => {
    expect(fixedPorts(VENDORS)).toMatchObject({ modelarts: 4104, iam: 4110, tencentCcr: 4101, hss: 4102, csms: 4103, bkrepo: 4105 });
    expect(DEMO_CREDENTIALS.huawei).toMatchObject({ region: 'cn-north-4', projectId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('accepts extra AK/SK pairs and IAM users, keeping the demo ones', async () => {
    const emulators = await startEmulators({
      iam: {
        accessKeys: [{ accessKey: 'SECONDAK000000000002', secretKey: 'second-secret' }],
        users: [{ name: 'ci-bot', password: 'ci-pass', id: 'ffffffffffffffffffffffffffffffff' }],
      },
    });
    try {
      const path = `/v1/${PROJECT}/services`;
      expect((await call(emulators.modelarts.url, path, { auth: { kind: 'aksk', accessKey: 'SECONDAK000000000002', secretKey: 'second-secret' } })).status).toBe(200);
      expect((await call(emulators.modelarts.url, path)).status).toBe(200);
      expect((await call(emulators.modelarts.url, path, { auth: { kind: 'aksk', accessKey: 'SECONDAK000000000002', secretKey: 'other' } })).status).toBe(401);
      const body = JSON.parse(
        JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: 'ci-bot', password: 'ci-pass', domain: { name: DEMO_CREDENTIALS.huawei.domain } } } },
            scope: { project: { id: PROJECT } },
          },
        }),
      );
      const r = await call(emulators.iam.url, '/v3/auth/tokens', { method: 'POST', auth: { kind: 'none' }, body: JSON.stringify(body) });
      expect(r.status).toBe(201);
      expect(r.json.token.user.name).toBe('ci-bot');
    } finally {
      await emulators.close();
    }
  });

  it('generates the same data from the same seed and now, and other data from another seed', async () => {
    const now = Date.UTC(2025, 5, 1);
    const [a, b, c] = await Promise.all([startEmulators({ now, seed: 3 }), startEmulators({ now, seed: 3 }), startEmulators({ now, seed: 4 })]);
    try {
      const dump = (e: typeof a) => e.modelarts.summaries().map((s) => [s, e.modelarts.events(s.service_id)]);
      expect(JSON.stringify(dump(a))).toBe(JSON.stringify(dump(b)));
      expect(JSON.stringify(dump(a))).not.toBe(JSON.stringify(dump(c)));
      // the API page example is there whatever the seed
      expect(c.modelarts.events('35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e')).toHaveLength(9);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('scale multiplies the data and still answers a 1000-record page quickly', async () => {
    const emulators = await startEmulators({ scale: 4, now: Date.UTC(2025, 5, 1) });
    try {
      const summaries = emulators.modelarts.summaries();
      expect(summaries).toHaveLength(32);
      const biggest = summaries.reduce((a, b) => (b.event_count > a.event_count ? b : a));
      const started = performance.now();
      const r = await call(emulators.modelarts.url, `/v1/${PROJECT}/services/${biggest.service_id}/events`, { query: { limit: 1000 } });
      expect(r.json.count).toBe(Math.min(1000, biggest.event_count));
      // generous bound: this guards against an O(n) per-record regression, not a benchmark
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await emulators.close();
    }
  });
});
