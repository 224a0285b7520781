import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tencentCcrSourceSchema, type TencentCcrSourceConfig } from '../../../src/vendors/tencent-ccr/tencent-ccr.config.js';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { SIGNING_PARAMS, TencentCcrClient } from '../../../src/vendors/tencent-ccr/tencent-ccr.client.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { tencentSource } from '../../helpers/tencent.js';
import { sendJson, startTestServer, type TestServer } from '../../upstream/test-server.js';

const REPO = 'kubetest/kubetest';
const config = (raw: unknown): TencentCcrSourceConfig => tencentCcrSourceSchema.parse(raw);

let emulators: RunningEmulators;
beforeAll(async () => {
  emulators = await startEmulators({ now: Date.UTC(2025, 0, 15) });
});
afterAll(() => emulators.close());
afterEach(() => emulators.tencentCcr.reset());

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('TencentCcrClient against the emulator', () => {
  for (const signatureMethod of ['HmacSHA256', 'HmacSHA1'] as const) {
    for (const httpMethod of ['GET', 'POST'] as const) {
      it(`signs ${signatureMethod} by ${httpMethod} and reads the page`, async () => {
        const client = new TencentCcrClient(config(tencentSource(emulators, { signatureMethod, httpMethod })));
        const page = await client.listTriggerLog({ repoName: REPO, order: 'asc', limit: 3 });
        expect(page.totalCount).toBe(emulators.tencentCcr.logs(REPO).length);
        expect(page.logs.map((l) => l.raw)).toEqual(emulators.tencentCcr.logs(REPO).slice(0, 3));
        const sent = emulators.tencentCcr.requests().recent.at(-1)!;
        expect(sent.method).toBe(httpMethod);
        expect(sent.query === '').toBe(httpMethod === 'POST');
      });
    }
  }

  it('sends the Token of a temporary key', async () => {
    const temp = emulators.tencentCcr.keys.find((key) => key.token)!;
    const client = new TencentCcrClient(
      config(tencentSource(emulators, { credentials: { secretId: temp.secretId, secretKey: temp.secretKey, token: temp.token } })),
    );
    expect((await client.listTriggerLog({ repoName: REPO, limit: 1 })).logs).toHaveLength(1);
  });

  it('maps code 4100 (wrong key) and 4104 (unknown SecretId) to UPSTREAM_AUTH_FAILED, 4000 to UPSTREAM_BAD_RESPONSE', async () => {
    const wrongKey = new TencentCcrClient(config(tencentSource(emulators, { credentials: { secretId: emulators.tencentCcr.keys[0]!.secretId, secretKey: 'wrong' } })));
    expect(await failure(wrongKey.listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamCode: '4100', status: 200, source: 'ccr' });
    const unknown = new TencentCcrClient(config(tencentSource(emulators, { credentials: { secretId: 'AKIDnope', secretKey: 'x' } })));
    expect(await failure(unknown.listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamCode: '4104' });
    const badRegion = new TencentCcrClient(config(tencentSource(emulators, { scope: { region: 'mars-1', repositories: [REPO] } })));
    expect(await failure(badRegion.listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstreamCode: '4000' });
  });

  it('maps a Timestamp far off (4500) to UPSTREAM_AUTH_FAILED', async () => {
    const skewed = new TencentCcrClient(config(tencentSource(emulators)), { now: () => Date.now() - 3 * 3600 * 1000 });
    expect(await failure(skewed.listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamCode: '4500' });
  });

  it('signs every retry afresh, so a retry is not a replay', async () => {
    emulators.tencentCcr.setKnobs({ errorRate: 0.5 });
    const client = new TencentCcrClient(config(tencentSource(emulators, { http: { retries: 6, retryBaseDelayMs: 1, retryMaxDelayMs: 2 }, cacheTtlSeconds: 0 })));
    for (let i = 0; i < 5; i++) expect((await client.listTriggerLog({ repoName: REPO, limit: 1 })).logs).toHaveLength(1);
    const queries = emulators.tencentCcr.requests().recent.map((r) => new URLSearchParams(r.query));
    expect(queries.length).toBeGreaterThan(5);
    expect(new Set(queries.map((q) => q.get('Nonce'))).size).toBe(queries.length);
  });

  it('keeps signing parameters out of the cache key: different nonces, one key', async () => {
    const client = new TencentCcrClient(config(tencentSource(emulators, { cacheTtlSeconds: 0 })));
    const request = { api: 'ListTriggerLog', method: 'GET' as const, path: '/v2/index.php', query: { Action: 'ListTriggerLog', reponame: REPO, limit: 5 } };
    const a = client.cacheKeyFor({ ...request, query: { ...request.query, Nonce: 1, Timestamp: 1700000000, Signature: 'a', SecretId: 'x' } });
    const b = client.cacheKeyFor({ ...request, query: { ...request.query, Nonce: 2, Timestamp: 1700000001, Signature: 'b', SecretId: 'y' } });
    expect(a).toBe(b);
    expect(a).toBe(client.cacheKeyFor(request));
    for (const name of SIGNING_PARAMS) expect(a).not.toContain(`${name}=`);
    expect(client.cacheKeyFor({ ...request, query: { ...request.query, limit: 6 } })).not.toBe(a);
    // and the two real requests on the wire did carry different nonces
    await client.listTriggerLog({ repoName: REPO, limit: 5 });
    await client.listTriggerLog({ repoName: REPO, limit: 5 });
    const [first, second] = emulators.tencentCcr.requests().recent.map((r) => new URLSearchParams(r.query).get('Nonce'));
    expect(first).not.toBe(second);
  });
});

describe('TencentCcrClient reading answers', () => {
  let server: TestServer;
  let body: unknown;
  let status = 200;
  beforeAll(async () => {
    server = await startTestServer((_req, res) => sendJson(res, status, body));
  });
  afterAll(() => server.close());
  afterEach(() => {
    status = 200;
  });
  const client = () =>
    new TencentCcrClient(config({ name: 'ccr', kind: 'tencent-ccr', endpoint: server.baseUrl, credentials: { secretId: 'id', secretKey: 'key' }, scope: { region: 'ap-guangzhou', repositories: [REPO] }, http: { retries: 0 } }));
  const record = { repoName: REPO, tagName: 'v1', triggerName: 't', invokeTime: '2024-01-02 03:04:05', invokeResult: { returnCode: '0', returnMsg: 'ok' }, invokePara: { appId: 1254119589, clusterRegion: '8' } };

  it('accepts fields under data and at the top level, and codes as strings', async () => {
    body = { code: 0, message: '', codeDesc: 'Success', data: { logInfo: [record], totalCount: 1 } };
    const nested = await client().listTriggerLog({ repoName: REPO });
    body = { code: '0', message: '', codeDesc: 'Success', totalCount: '1', logInfo: [record] };
    const flat = await client().listTriggerLog({ repoName: REPO });
    for (const page of [nested, flat]) {
      expect(page.totalCount).toBe(1);
      expect(page.logs[0]!.raw).toEqual(record);
      expect(page.logs[0]!.record.invokeResult.returnCode).toBe(0);
      expect(page.logs[0]!.record.invokePara).toMatchObject({ appId: '1254119589', clusterRegion: 8 });
    }
  });

  it('reads an error code given as a string, and refuses a broken record', async () => {
    body = { code: '5100', message: 'operation failed', codeDesc: 'OperationFailed' };
    expect(await failure(client().listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstreamCode: '5100', upstreamMessage: 'operation failed' });
    body = { code: '4104', message: 'secretid not found' };
    expect((await failure(client().listTriggerLog({ repoName: REPO }))).code).toBe('UPSTREAM_AUTH_FAILED');
    body = { code: 0, data: { totalCount: 1, logInfo: [{ ...record, invokeTime: '2024-02-30 00:00:00' }] } };
    expect(await failure(client().listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', message: expect.stringContaining('logInfo[0].invokeTime') });
    body = { code: 0, message: '' };
    expect((await failure(client().listTriggerLog({ repoName: REPO }))).code).toBe('UPSTREAM_BAD_RESPONSE');
    status = 503;
    body = { code: 6000, message: 'internal error' };
    expect(await failure(client().listTriggerLog({ repoName: REPO }))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, upstreamCode: '6000' });
  });
});
