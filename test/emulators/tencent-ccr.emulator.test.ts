import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { CLUSTER_REGIONS, SEED_EXAMPLE_LOG } from '../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { signedCall, type RawCallOptions } from '../helpers/tencent.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const REPO = 'kubetest/kubetest';

let emulators: RunningEmulators;
let base: string;

beforeAll(async () => {
  emulators = await startEmulators({ now: NOW, seed: 7 });
  base = emulators.tencentCcr.url;
});
afterAll(() => emulators.close());
afterEach(() => emulators.tencentCcr.reset());

const list = (params: Record<string, string | number>, options: RawCallOptions = {}) => signedCall(base, params, options).send();

describe('Tencent CCR emulator: signatures', () => {
  for (const signatureMethod of ['HmacSHA256', 'HmacSHA1'] as const) {
    for (const method of ['GET', 'POST'] as const) {
      it(`accepts a ${signatureMethod} signature by ${method}`, async () => {
        const r = await list({ reponame: REPO }, { signatureMethod, method });
        expect(r.status).toBe(200);
        expect(r.json).toMatchObject({ code: 0, codeDesc: 'Success', data: { totalCount: expect.any(Number) } });
        expect(r.json.data.logInfo).toHaveLength(20);
      });
    }
  }

  it('refuses a wrong signature with 4100, an unknown SecretId with 4104, as HTTP 200', async () => {
    const wrongKey = await list({ reponame: REPO }, { secretKey: 'not-the-key' });
    expect(wrongKey).toMatchObject({ status: 200, json: { code: 4100 } });
    const tampered = await list({ reponame: REPO }, { override: { limit: '5' } });
    expect(tampered.json.code).toBe(4100);
    const unknown = await list({ reponame: REPO }, { secretId: 'AKIDunknown' });
    expect(unknown).toMatchObject({ status: 200, json: { code: 4104, message: expect.stringContaining('AKIDunknown') } });
  });

  it('refuses a replayed nonce and a timestamp more than two hours off with 4500', async () => {
    const call = signedCall(base, { reponame: REPO });
    expect((await call.send()).json.code).toBe(0);
    const replay = await call.send();
    expect(replay.json).toMatchObject({ code: 4500, codeDesc: 'AuthFailure.ReplayAttack' });
    const old = await list({ reponame: REPO }, { timestamp: Math.floor(Date.now() / 1000) - 2 * 3600 - 60 });
    expect(old.json.code).toBe(4500);
    const fine = await list({ reponame: REPO }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(fine.json.code).toBe(0);
  });

  it('needs the Token of a temporary key', async () => {
    const temp = emulators.tencentCcr.keys.find((key) => key.token)!;
    const keyOptions = { secretId: temp.secretId, secretKey: temp.secretKey };
    expect((await list({ reponame: REPO }, keyOptions)).json.code).toBe(4100);
    expect((await list({ reponame: REPO, Token: temp.token! }, keyOptions)).json.code).toBe(0);
  });

  it('refuses missing or bad parameters with 4000', async () => {
    for (const omit of ['Nonce', 'Timestamp', 'SecretId', 'Region', 'Signature', 'Action']) {
      expect((await list({ reponame: REPO }, { omit: [omit] })).json.code, omit).toBe(4000);
    }
    expect((await list({})).json).toMatchObject({ code: 4000, message: expect.stringContaining('reponame') });
    const bads: Record<string, string | number>[] = [{ limit: 0 }, { limit: 1001 }, { offset: -1 }, { limit: 'x' }, { order: 'up' }, { orderby: 'tag_name' }];
    for (const bad of bads) {
      expect((await list({ reponame: REPO, ...bad })).json.code, JSON.stringify(bad)).toBe(4000);
    }
    expect((await list({ reponame: REPO }, { action: 'DescribeRepos' })).json.code).toBe(4000);
    expect((await list({ reponame: REPO }, { region: 'mars-1' })).json.code).toBe(4000);
    expect((await list({ reponame: REPO }, { signatureMethod: 'HmacMD5' as never })).json.code).toBe(4000);
  });
});

describe('Tencent CCR emulator: parameters and data', () => {
  it('serves the API page example verbatim as the oldest record of kubetest/kubetest', async () => {
    const r = await list({ reponame: REPO, order: 'asc', limit: 1 });
    expect(r.json.data.logInfo).toEqual([SEED_EXAMPLE_LOG]);
    expect(Object.keys(r.json.data.logInfo[0])).toEqual(Object.keys(SEED_EXAMPLE_LOG));
    expect(emulators.tencentCcr.logs(REPO)[0]).toEqual(SEED_EXAMPLE_LOG);
  });

  it('pages by offset and limit (default 20), desc by invoke_time by default, asc as its exact reverse', async () => {
    const all = emulators.tencentCcr.logs(REPO);
    const first = await list({ reponame: REPO });
    expect(first.json.data.totalCount).toBe(all.length);
    expect(first.json.data.logInfo).toEqual(all.slice(-20).reverse());
    const asc = await list({ reponame: REPO, order: 'asc', offset: 37, limit: 11 });
    expect(asc.json.data.logInfo).toEqual(all.slice(37, 48));
    const desc = await list({ reponame: REPO, order: 'desc', orderby: 'invoke_time', offset: 5, limit: 3 });
    expect(desc.json.data.logInfo).toEqual(all.slice().reverse().slice(5, 8));
    const past = await list({ reponame: REPO, offset: all.length + 5 });
    expect(past.json.data).toEqual({ logInfo: [], totalCount: all.length });
    expect((await list({ reponame: 'no/such-repo' })).json.data).toEqual({ logInfo: [], totalCount: 0 });
  });

  it('orders by trigger_name (then time) and repo_name', async () => {
    const r = await list({ reponame: REPO, orderby: 'trigger_name', order: 'asc', limit: 1000 });
    const names = r.json.data.logInfo.map((l: { triggerName: string }) => l.triggerName);
    expect(names).toEqual([...names].sort());
    const desc = await list({ reponame: REPO, orderby: 'trigger_name', order: 'desc', limit: 1000 });
    expect(desc.json.data.logInfo).toEqual([...r.json.data.logInfo].reverse());
    const byRepo = await list({ reponame: REPO, orderby: 'repo_name', order: 'asc', limit: 5 });
    expect(byRepo.json.data.logInfo).toEqual(emulators.tencentCcr.logs(REPO).slice(0, 5));
  });

  it('covers every invokeMethod, failures, every clusterRegion, and seconds shared by several records', () => {
    const logs = emulators.tencentCcr.repositories().flatMap((repo) => emulators.tencentCcr.logs(repo));
    expect(emulators.tencentCcr.repositories().length).toBeGreaterThanOrEqual(4);
    expect(new Set(logs.map((l) => l.invokeCondition.invokeMethod))).toEqual(new Set(['all', 'taglist', 'regex']));
    expect(logs.filter((l) => l.invokeResult.returnCode !== 0).length).toBeGreaterThan(20);
    expect(new Set(logs.map((l) => l.invokePara.clusterRegion))).toEqual(new Set(CLUSTER_REGIONS));
    const perSecond = new Map<string, number>();
    for (const l of logs) perSecond.set(`${l.repoName} ${l.invokeTime}`, (perSecond.get(`${l.repoName} ${l.invokeTime}`) ?? 0) + 1);
    expect([...perSecond.values()].filter((n) => n >= 3).length).toBeGreaterThan(5);
    const recent = logs.filter((l) => l.invokeTime !== SEED_EXAMPLE_LOG.invokeTime);
    for (const l of recent) {
      const at = Date.parse(`${l.invokeTime.replace(' ', 'T')}+08:00`);
      expect(at).toBeLessThanOrEqual(NOW);
      expect(at).toBeGreaterThanOrEqual(NOW - 90 * 24 * 3600 * 1000);
    }
  });

  it('is deterministic for a seed and differs for another', async () => {
    const [a, b] = await Promise.all([startEmulators({ now: NOW, seed: 7 }), startEmulators({ now: NOW, seed: 8 })]);
    try {
      const dump = (e: RunningEmulators) => JSON.stringify(e.tencentCcr.repositories().map((r) => e.tencentCcr.logs(r)));
      expect(dump(a)).toBe(dump(emulators));
      expect(dump(b)).not.toBe(dump(emulators));
      expect(b.tencentCcr.logs(REPO)[0]).toEqual(SEED_EXAMPLE_LOG);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('appends records over the control API, in time order, and resets', async () => {
    const before = emulators.tencentCcr.logs(REPO).length;
    const record = { ...SEED_EXAMPLE_LOG, invokeTime: '2024-12-31 23:59:59', tagName: 'appended' };
    const response = await fetch(`${base}/__emulator/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repoName: REPO, logs: [record] }),
    });
    expect(response.status).toBe(201);
    const logs = emulators.tencentCcr.logs(REPO);
    expect(logs).toHaveLength(before + 1);
    const index = logs.findIndex((l) => l.tagName === 'appended');
    expect(logs[index - 1]!.invokeTime <= record.invokeTime && (logs[index + 1]?.invokeTime ?? '9') > record.invokeTime).toBe(true);
    const bad = await fetch(`${base}/__emulator/logs`, { method: 'POST', body: JSON.stringify({ repoName: REPO, logs: [{ nope: 1 }] }) });
    expect(bad.status).toBe(400);
    emulators.tencentCcr.reset();
    expect(emulators.tencentCcr.logs(REPO)).toHaveLength(before);
  });
});

describe('Tencent CCR emulator: knobs', () => {
  it('forceStatus and errorRate answer with HTTP errors and a Tencent body, before authentication', async () => {
    emulators.tencentCcr.setKnobs({ forceStatus: 503 });
    const r = await list({ reponame: REPO }, { secretKey: 'wrong' });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: expect.any(Number), codeDesc: 'InternalError' });
    emulators.tencentCcr.setKnobs({ forceStatus: null, errorRate: 1 });
    expect((await list({ reponame: REPO })).status).toBe(500);
  });

  it('malformedBody breaks successful answers', async () => {
    emulators.tencentCcr.setKnobs({ malformedBody: 'invalid-json' });
    const cut = await list({ reponame: REPO });
    expect(cut.json).toBeUndefined();
    emulators.tencentCcr.setKnobs({ malformedBody: 'wrong-shape' });
    const wrong = await list({ reponame: REPO });
    expect(typeof wrong.json.data.totalCount).toBe('string');
  });

  it('latencyMs delays and the request log counts API calls only', async () => {
    emulators.tencentCcr.setKnobs({ latencyMs: 200 });
    const started = performance.now();
    await list({ reponame: REPO });
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    await fetch(`${base}/__emulator/knobs`);
    expect(emulators.tencentCcr.requests().byPath).toEqual({ '/v2/index.php': 1 });
  });
});
