import { afterEach, describe, expect, it } from 'vitest';
import type { CsmsSourceConfig } from '../../../src/vendors/huawei-csms/csms.config.js';
import { CsmsClient } from '../../../src/vendors/huawei-csms/csms.client.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, startTestServer, type TestServer } from '../../upstream/test-server.js';
import { AK, SK, fixedNow, http, officialAuthorization } from '../huawei/huawei-client.fixtures.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CsmsClient', () => {
  it('CSMS: the same Authorization for the call without parameters', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { records: [], page_info: { current_count: 0 } }));
    const config: CsmsSourceConfig = {
      name: 'csms-test',
      kind: 'huawei-csms',
      endpoint: server.baseUrl,
      http,
      credentials: { type: 'aksk', accessKey: AK, secretKey: SK },
      scope: { projectId: 'proj123' },
      cacheTtlSeconds: 60,
    };
    const answer = await new CsmsClient(config, { now: fixedNow }).listNotificationRecords();
    expect(answer.records).toEqual([]);
    const req = server.requests[0]!;
    expect(req.url).toBe('/v1/proj123/csms/notification-records');
    expect(req.headers['authorization']).toBe(officialAuthorization(req, server.baseUrl));
  });

  it('CSMS: reads the nested error body', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 404, { error: { error_code: 'CSMS.0404', error_msg: 'no such project' } }));
    const config: CsmsSourceConfig = {
      name: 'csms-test',
      kind: 'huawei-csms',
      endpoint: server.baseUrl,
      http,
      credentials: { type: 'aksk', accessKey: AK, secretKey: SK },
      scope: { projectId: 'proj123' },
      cacheTtlSeconds: 60,
    };
    const error = await new CsmsClient(config).listNotificationRecords().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 404, upstreamCode: 'CSMS.0404', upstreamMessage: 'no such project' });
  });
});
