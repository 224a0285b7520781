import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamPolicy } from '../../../src/upstream/upstream.policy.js';
import { createHuaweiAuth, huaweiErrorFor } from '../../../src/vendors/huawei/huawei-auth.js';
import type { PreparedRequest } from '../../../src/upstream/upstream.client.js';
import { sendJson, startTestServer, type TestServer } from '../../upstream/test-server.js';

const policy: UpstreamPolicy = { timeoutMs: 2_000, retries: 0, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 4 };
const T0 = Date.parse('2024-01-01T00:00:00Z');

function prepared(): PreparedRequest {
  return {
    method: 'GET',
    url: new URL('https://hss.cn-north-4.myhuaweicloud.com/v5/proj123/container/image/events?event_name=a%20b%2Fc~&limit=10&offset=0'),
    headers: {},
    body: '',
  };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createHuaweiAuth with AK/SK', () => {
  const auth = createHuaweiAuth(
    { type: 'aksk', accessKey: 'AKEXAMPLE', secretKey: 'SKEXAMPLE' },
    { sourceName: 'hss', policy, projectId: 'proj123', now: () => T0 },
  );

  it('sets X-Project-Id and signs it with the date from its clock (the documented signing vector)', async () => {
    const request = prepared();
    await auth.authorize(request);
    expect(request.headers).toEqual({
      'x-project-id': 'proj123',
      'x-sdk-date': '20240101T000000Z',
      authorization:
        'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, ' +
        'Signature=622c32950d3b67f40bdd41fc5960e6ae233d83e7744f9285c135c899082b1742',
    });
  });

  it('does not retry after a 401', async () => {
    await expect(auth.onUnauthorized(prepared())).resolves.toBe(false);
  });
});

describe('createHuaweiAuth with an IAM token', () => {
  it('sends X-Auth-Token, and after a 401 drops the token and asks for one retry', async () => {
    server = await startTestServer((_req, res, i) =>
      sendJson(res, 201, { token: { expires_at: '2099-01-01T00:00:00.000000Z' } }, { 'x-subject-token': `token-${i}` }),
    );
    const auth = createHuaweiAuth(
      { type: 'iam-token', iamEndpoint: server.baseUrl, domain: 'acme', user: 'alice', password: 'pw', projectName: 'cn-north-4' },
      { sourceName: 'ma', policy, projectId: 'proj123' },
    );

    const first = prepared();
    await auth.authorize(first);
    expect(first.headers['x-auth-token']).toBe('token-0');
    expect(first.headers['authorization']).toBeUndefined();

    const again = prepared();
    await auth.authorize(again);
    expect(again.headers['x-auth-token']).toBe('token-0');
    expect(server.requests).toHaveLength(1);

    await expect(auth.onUnauthorized(first)).resolves.toBe(true);
    const retried = prepared();
    await auth.authorize(retried);
    expect(retried.headers['x-auth-token']).toBe('token-1');
  });
});

describe('huaweiErrorFor', () => {
  it('reads the flat shape of the gateway, HSS and ModelArts', () => {
    expect(huaweiErrorFor('hss', 401, { error_code: 'APIGW.0301', error_msg: 'verify aksk signature fail' })).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      source: 'hss',
      status: 401,
      upstreamCode: 'APIGW.0301',
      upstreamMessage: 'verify aksk signature fail',
    });
    expect(huaweiErrorFor('ma', 404, { error_code: 'ModelArts.3502', error_msg: 'service not found' })).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      status: 404,
      upstreamCode: 'ModelArts.3502',
    });
    expect(huaweiErrorFor('hss', 500, { error_code: 'HSS.0041', error_msg: 'internal' })).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(huaweiErrorFor('hss', 429, { error_code: 'APIGW.0308', error_msg: 'throttled' })).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
  });

  it('reads the nested shapes of CSMS and IAM', () => {
    expect(huaweiErrorFor('csms', 403, { error: { error_code: 'CSMS.0403', error_msg: 'forbidden' } })).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      upstreamCode: 'CSMS.0403',
      upstreamMessage: 'forbidden',
    });
    expect(huaweiErrorFor('iam', 401, { error: { code: 401, title: 'Unauthorized', message: 'wrong password' } })).toMatchObject({
      upstreamCode: '401',
      upstreamMessage: 'wrong password',
    });
  });

  it('leaves successes and unreadable bodies to the core', () => {
    expect(huaweiErrorFor('ma', 200, { error_code: 'X', error_msg: 'y' })).toBeUndefined();
    expect(huaweiErrorFor('ma', 502, '<html>bad gateway</html>')).toBeUndefined();
    expect(huaweiErrorFor('ma', 500, undefined)).toBeUndefined();
  });
});
