import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { CsmsSourceConfig } from '../../../src/config/config.schema.js';
import { CsmsClient } from '../../../src/sources/huawei-csms/csms.client.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, startTestServer, type ReceivedRequest, type TestServer } from '../../upstream/test-server.js';

const AK = 'AKEXAMPLE';
const SK = 'SKEXAMPLE';
const http = { timeoutMs: 2_000, retries: 0, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 4 };
const fixedNow = () => Date.UTC(2024, 0, 1, 0, 0, 0);

/** The official SDK's Authorization for the request as the server received it. */
function officialAuthorization(req: ReceivedRequest, baseUrl: string): string {
  const url = new URL(req.url, baseUrl);
  // The headers our signer signed, as the SDK would be handed them (it adds host itself and
  // reads X-Sdk-Date case-sensitively).
  const signed = /SignedHeaders=([^,]+)/.exec(String(req.headers['authorization']))?.[1]?.split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signed) {
    if (name !== 'host') headers[name === 'x-sdk-date' ? 'X-Sdk-Date' : name] = String(req.headers[name]);
  }
  const result = AKSKSigner.sign(
    {
      endpoint: `${baseUrl}${url.pathname}`,
      method: req.method,
      queryParams: Object.fromEntries(url.searchParams),
      headers,
    },
    { getAk: () => AK, getSk: () => SK } as unknown as ICredential,
  ) as Record<string, string>;
  return result['Authorization'] ?? '';
}

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
