import { afterEach, describe, expect, it } from 'vitest';
import type { HssSourceConfig } from '../../../src/vendors/huawei-hss/hss.config.js';
import { HssClient } from '../../../src/vendors/huawei-hss/hss.client.js';
import { OrderCheck } from '../../../src/vendors/huawei-hss/hss.source.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, startTestServer, type TestServer } from '../../upstream/test-server.js';
import { AK, SK, fixedNow, http, officialAuthorization } from '../huawei/huawei-client.fixtures.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('HssClient signs as the official Huawei signer does', () => {
  it('HSS: the same Authorization for the same request, every parameter and odd characters included', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { total_num: 0, data_list: [] }));
    const config: HssSourceConfig = {
      name: 'hss-test',
      kind: 'huawei-hss',
      endpoint: server.baseUrl,
      http,
      credentials: { type: 'aksk', accessKey: AK, secretKey: SK },
      scope: { projectId: 'proj123' },
      cacheTtlSeconds: 0,
    };
    const client = new HssClient(config, { now: fixedNow });
    await client.listImageEvents({
      resourceName: "a b/c~ (it's) *",
      resourceType: 'scc_hss_container/hello-world:*',
      eventType: 'eventtype',
      eventName: 'événement',
      sourceIp: '100.93.10.***',
      userName: 'user+test',
      startTime: 1737465650000,
      endTime: 1737465659999,
      limit: 200,
      offset: 0,
    });
    const [req] = server.requests;
    expect(req!.headers['x-sdk-date']).toBe('20240101T000000Z');
    expect(req!.headers['authorization']).toMatch(/^SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=(accept;)?host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
    expect(req!.headers['authorization']).toBe(officialAuthorization(req!, server.baseUrl));
  });

  it('HSS: the documented signing vector, through the client', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { total_num: 0, data_list: [] }));
    const client = new HssClient(
      {
        name: 'hss-test',
        kind: 'huawei-hss',
        endpoint: server.baseUrl,
        http,
        credentials: { type: 'aksk', accessKey: AK, secretKey: SK },
        scope: { projectId: 'proj123' },
        cacheTtlSeconds: 0,
      },
      { now: fixedNow },
    );
    await client.listImageEvents({ limit: 10, offset: 0, eventName: 'a b/c~' });
    const req = server.requests[0]!;
    // Same inputs as the vector but another host: the official signer agrees with ours on it.
    expect(req.headers['authorization']).toBe(officialAuthorization(req, server.baseUrl));
    expect(new URL(req.url, server.baseUrl).search).toBe('?event_name=a%20b%2Fc~&limit=10&offset=0');
  });
});

describe('OrderCheck', () => {
  const rec = (time: number, id = String(time)) => ({ time, event_id: id });

  it('accepts newest-first pages with ties in any order, across page boundaries', () => {
    const check = new OrderCheck('hss', 'desc');
    check.page([rec(9), rec(7, 'b'), rec(7, 'a')], 0);
    check.page([rec(7, 'c'), rec(3)], 3);
    expect(check.lastAt).toBe(3);
  });

  it('refuses a record newer than the one before, inside a page or across pages', () => {
    expect(() => new OrderCheck('hss', 'desc').page([rec(5), rec(6)], 0)).toThrow(/out of time order/);
    const check = new OrderCheck('hss', 'desc');
    check.page([rec(9), rec(5)], 0);
    expect(() => check.page([rec(6)], 2)).toThrow(UpstreamError);
  });

  it('checks the other way for an oldest-first read', () => {
    const check = new OrderCheck('hss', 'asc');
    check.page([rec(1), rec(1, 'x'), rec(4)], 0);
    expect(() => check.page([rec(3)], 3)).toThrow(/oldest-first/);
  });
});
