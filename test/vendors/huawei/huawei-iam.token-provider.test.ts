import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamPolicy } from '../../../src/upstream/upstream.policy.js';
import { HuaweiIamTokenProvider, type HuaweiIamCredentials } from '../../../src/vendors/huawei/huawei-iam.token-provider.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, sleep, startTestServer, type ReceivedRequest, type TestServer } from '../../upstream/test-server.js';

const policy: UpstreamPolicy = { timeoutMs: 2_000, retries: 1, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 4 };

const T0 = Date.parse('2024-01-01T00:00:00Z');

function credentials(server: TestServer): HuaweiIamCredentials {
  return {
    type: 'iam-token',
    iamEndpoint: server.baseUrl,
    domain: 'acme',
    user: 'alice',
    password: 's3cret',
    projectName: 'cn-north-4',
  };
}

/** IAM's answer: a token valid for `lifetimeMs` from the (test) clock, times with microseconds. */
function issueToken(res: ServerResponse, token: string, issuedAt: number, lifetimeMs: number, withIssuedAt = true): void {
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
  sendJson(
    res,
    201,
    { token: { expires_at: iso(issuedAt + lifetimeMs), ...(withIssuedAt ? { issued_at: iso(issuedAt) } : {}), methods: ['password'] } },
    { 'x-subject-token': token },
  );
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected a failure');
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('HuaweiIamTokenProvider', () => {
  it('asks IAM with the password body of docs/vendors/huawei-modelarts.md, "Auth and signing" and returns X-Subject-Token', async () => {
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, T0, 24 * 3600_000));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => T0 });

    await expect(provider.getToken()).resolves.toBe('token-0');
    const [req] = server.requests as [ReceivedRequest];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v3/auth/tokens?nocatalog=true');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', password: 's3cret', domain: { name: 'acme' } } } },
        scope: { project: { name: 'cn-north-4' } },
      },
    });
  });

  it('caches the token and shares one in-flight request among concurrent callers', async () => {
    server = await startTestServer(async (_req, res, i) => {
      await sleep(50);
      issueToken(res, `token-${i}`, T0, 24 * 3600_000);
    });
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => T0 });

    const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));
    expect(tokens).toEqual(Array.from({ length: 5 }, () => 'token-0'));
    await expect(provider.getToken()).resolves.toBe('token-0');
    expect(server.requests).toHaveLength(1);
  });

  it('refreshes 10% of a short lifetime before expiry by default', async () => {
    let clock = T0;
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, clock, 60_000));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock });

    await expect(provider.getToken()).resolves.toBe('token-0');
    clock = T0 + 53_000;
    await expect(provider.getToken()).resolves.toBe('token-0');
    clock = T0 + 54_500;
    await expect(provider.getToken()).resolves.toBe('token-1');
    expect(server.requests).toHaveLength(2);
  });

  it('refreshes 5 minutes before expiry for a 24 h token, and takes a margin option', async () => {
    let clock = T0;
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, clock, 24 * 3600_000));
    const byDefault = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock });
    const custom = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock, refreshMarginMs: 3600_000 });

    await byDefault.getToken();
    await custom.getToken();
    clock = T0 + 23 * 3600_000 + 54 * 60_000; // 6 minutes left
    expect(await byDefault.getToken()).toBe('token-0');
    expect(await custom.getToken()).toBe('token-2');
    clock = T0 + 23 * 3600_000 + 56 * 60_000; // 4 minutes left
    expect(await byDefault.getToken()).toBe('token-3');
  });

  it('takes only the lifetime from IAM when IAM gives issued_at, so a skewed IAM clock does not matter', async () => {
    let clock = T0;
    // IAM's clock is an hour ahead of ours: its expires_at alone would look valid for an hour.
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, T0 + 3600_000, 60_000));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock });

    await provider.getToken();
    clock = T0 + 53_000;
    expect(await provider.getToken()).toBe('token-0');
    clock = T0 + 55_000;
    expect(await provider.getToken()).toBe('token-1');
  });

  it('reads expires_at on its own clock when IAM gives no issued_at', async () => {
    let clock = T0;
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, T0, 60_000, false));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock });

    await provider.getToken();
    clock = T0 + 53_000;
    expect(await provider.getToken()).toBe('token-0');
    clock = T0 + 55_000;
    expect(await provider.getToken()).toBe('token-1');
  });

  it('drops a refused token on invalidate, but not a newer one', async () => {
    server = await startTestServer((_req, res, i) => issueToken(res, `token-${i}`, T0, 24 * 3600_000));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => T0 });

    expect(await provider.getToken()).toBe('token-0');
    provider.invalidate('token-0');
    expect(await provider.getToken()).toBe('token-1');
    provider.invalidate('token-0'); // a late 401 for the old token
    expect(await provider.getToken()).toBe('token-1');
    provider.invalidate();
    expect(await provider.getToken()).toBe('token-2');
  });

  it('keeps a still-valid token when a refresh in the margin fails', async () => {
    let clock = T0;
    let iamDown = false;
    server = await startTestServer((_req, res, i) => (iamDown ? sendJson(res, 503, {}) : issueToken(res, `token-${i}`, clock, 60_000)));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server), now: () => clock });

    expect(await provider.getToken()).toBe('token-0');
    iamDown = true;
    clock = T0 + 57_000;
    expect(await provider.getToken()).toBe('token-0');
    clock = T0 + 61_000;
    expect(await rejection(provider.getToken())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, source: 'ma' });
  });

  it('maps an IAM 401 to UPSTREAM_AUTH_FAILED with IAM’s own message', async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' } }),
    );
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server) });

    const error = await rejection(provider.getToken());
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401, source: 'ma', upstreamCode: '401' });
    expect(error.message).toContain('The username or password is wrong.');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses an answer without X-Subject-Token', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 201, { token: { expires_at: '2099-01-01T00:00:00.000000Z' } }));
    const provider = new HuaweiIamTokenProvider({ sourceName: 'ma', policy, credentials: credentials(server) });

    const error = await rejection(provider.getToken());
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 201 });
    expect(error.message).toContain('X-Subject-Token');
  });
});
