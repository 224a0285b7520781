import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { HuaweiCredentials } from '../../../src/vendors/huawei/huawei.config.js';
import type { ModelArtsSourceConfig } from '../../../src/vendors/huawei-modelarts/modelarts.config.js';
import { ModelArtsClient } from '../../../src/vendors/huawei-modelarts/modelarts.client.js';
import type { UpstreamCallInfo } from '../../../src/upstream/upstream.client.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, startTestServer, type ReceivedRequest, type TestServer } from '../../upstream/test-server.js';

// This file tests src/vendors/huawei-modelarts/modelarts.client.ts; it sits here with the
// Huawei auth tests because it exercises both against one local server.

const SERVICE_ID = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';

const eventsBody = {
  service_id: SERVICE_ID,
  service_name: 'zcjtest-07085',
  count: 2,
  total_count: 9,
  events: [
    { occur_time: 1562597251764, event_type: 'normal', event_info: 'start to deploy service', extra_vendor_field: 'kept' },
    { occur_time: 1562597251788, event_type: 'abnormal', event_info: 'building image for model [zcjtestTF 3.0.0]' },
  ],
};

const servicesBody = {
  total_count: 1,
  count: 1,
  services: [
    {
      service_id: SERVICE_ID,
      service_name: 'zcjtest-07085',
      description: null,
      owner: 'op_xxx',
      publish_at: 1562596846040,
      infer_type: 'real-time',
      status: 'running',
      invocation_times: 10,
      failed_times: 1,
      is_shared: false,
    },
  ],
};

/** The official SDK's signature for the request as the server received it. */
function officialSignature(req: ReceivedRequest, host: string): string {
  const url = new URL(req.url, `http://${host}`);
  const signed = /SignedHeaders=([^,]+)/.exec(String(req.headers['authorization']))?.[1]?.split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signed) {
    if (name === 'host') continue; // the SDK takes it from the endpoint
    // The SDK reads X-Sdk-Date case-sensitively.
    headers[name === 'x-sdk-date' ? 'X-Sdk-Date' : name] = String(req.headers[name]);
  }
  const result = AKSKSigner.sign(
    {
      endpoint: `http://${host}${decodeURIComponent(url.pathname)}`,
      method: req.method,
      queryParams: Object.fromEntries(url.searchParams),
      headers,
    },
    { getAk: () => 'AKEXAMPLE', getSk: () => 'SKEXAMPLE' } as unknown as ICredential,
  ) as Record<string, string>;
  return result['Authorization'] ?? '';
}

function route(req: ReceivedRequest, res: ServerResponse, tokens: { issued: number; refuse: Set<string> }): void {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/v3/auth/tokens') {
    tokens.issued += 1;
    sendJson(res, 201, { token: { expires_at: '2099-01-01T00:00:00.000000Z' } }, { 'x-subject-token': `token-${tokens.issued}` });
    return;
  }
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && tokens.refuse.has(token)) {
    sendJson(res, 401, { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });
    return;
  }
  if (url.pathname === '/v1/proj123/services') {
    sendJson(res, 200, servicesBody);
    return;
  }
  const events = /^\/v1\/proj123\/services\/([^/]+)\/events$/.exec(url.pathname);
  if (events && decodeURIComponent(events[1] ?? '') === SERVICE_ID) {
    sendJson(res, 200, mangleEvents ? { ...eventsBody, events: [{ ...eventsBody.events[0], occur_time: 'yesterday' }] } : eventsBody);
    return;
  }
  if (events) {
    sendJson(res, 404, { error_code: 'ModelArts.3502', error_msg: `service ${decodeURIComponent(events[1] ?? '')} not found` });
    return;
  }
  sendJson(res, 404, {});
}

function configFor(server: TestServer, credentials: HuaweiCredentials): ModelArtsSourceConfig {
  return {
    name: 'modelarts-test',
    kind: 'huawei-modelarts',
    endpoint: server.baseUrl,
    serviceListTtlSeconds: 0,
    http: { timeoutMs: 2_000, retries: 1, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 4 },
    credentials,
    scope: { projectId: 'proj123' },
    cacheTtlSeconds: 0,
  };
}

const aksk: HuaweiCredentials = { type: 'aksk', accessKey: 'AKEXAMPLE', secretKey: 'SKEXAMPLE' };

let server: TestServer | undefined;
let tokens = { issued: 0, refuse: new Set<string>() };
let mangleEvents = false;
afterEach(async () => {
  mangleEvents = false;
  await server?.close();
  server = undefined;
  tokens = { issued: 0, refuse: new Set<string>() };
});

async function start(): Promise<TestServer> {
  server = await startTestServer((req, res) => route(req, res, tokens));
  return server;
}

describe('ModelArtsClient', () => {
  it('lists services with only the given filters, signed with AK/SK', async () => {
    const s = await start();
    const calls: UpstreamCallInfo[] = [];
    const client = new ModelArtsClient(configFor(s, aksk), { onCall: (info) => calls.push(info) });

    const list = await client.listServices({ inferType: 'real-time', offset: 0, limit: 1000, sortBy: 'publish_at', order: 'desc', serviceName: 'zcj test' });
    expect(list.total_count).toBe(1);
    expect(list.services[0]).toMatchObject({ service_id: SERVICE_ID, description: null, is_shared: false });

    const [req] = s.requests as [ReceivedRequest];
    expect(req.url).toBe('/v1/proj123/services?infer_type=real-time&limit=1000&offset=0&order=desc&service_name=zcj%20test&sort_by=publish_at');
    expect(req.headers['x-project-id']).toBe('proj123');
    expect(req.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers['authorization']).toBe(officialSignature(req, new URL(s.baseUrl).host));
    expect(calls).toEqual([expect.objectContaining({ source: 'modelarts-test', method: 'GET', path: '/v1/proj123/services', status: 200, attempts: 1 })]);
  });

  it('sends no query at all when no parameter is given', async () => {
    const s = await start();
    await new ModelArtsClient(configFor(s, aksk)).listServices();
    expect(s.requests[0]?.url).toBe('/v1/proj123/services');
  });

  it('reads a service’s events, mapping camelCase parameters to the upstream’s', async () => {
    const s = await start();
    const client = new ModelArtsClient(configFor(s, aksk));

    const page = await client.listServiceEvents(SERVICE_ID, { eventType: 'abnormal', startTime: 1562597251000, endTime: 1562597260000, offset: 2, limit: 50, order: 'asc', sortBy: 'occur_time' });
    expect(page).toMatchObject({ service_id: SERVICE_ID, service_name: 'zcjtest-07085', total_count: 9 });
    expect(page.events[0]).toEqual(eventsBody.events[0]);

    const [req] = s.requests as [ReceivedRequest];
    expect(req.url).toBe(
      `/v1/proj123/services/${SERVICE_ID}/events?end_time=1562597260000&event_type=abnormal&limit=50&offset=2&order=asc&sort_by=occur_time&start_time=1562597251000`,
    );
    expect(req.headers['authorization']).toBe(officialSignature(req, new URL(s.baseUrl).host));
  });

  it('keeps an unknown service distinguishable: status 404 and the ModelArts code', async () => {
    const s = await start();
    const client = new ModelArtsClient(configFor(s, aksk));

    const error = await client.listServiceEvents('no such/service').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 404, upstreamCode: 'ModelArts.3502', source: 'modelarts-test' });
    expect((error as UpstreamError).message).toContain('service no such/service not found');
    expect(s.requests[0]?.url).toBe('/v1/proj123/services/no%20such%2Fservice/events');
    expect(s.requests).toHaveLength(1);
  });

  it('refuses an event whose occur_time is not a number, naming the field', async () => {
    const s = await start();
    mangleEvents = true;
    const client = new ModelArtsClient(configFor(s, aksk));

    const error = await client.listServiceEvents(SERVICE_ID).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 200 });
    expect((error as UpstreamError).message).toContain('events[0].occur_time');
  });

  it('with an IAM token: fetches it once, sends X-Auth-Token, and renews it after a 401', async () => {
    const s = await start();
    const client = new ModelArtsClient(
      configFor(s, { type: 'iam-token', iamEndpoint: s.baseUrl, domain: 'acme', user: 'alice', password: 'pw', projectName: 'cn-north-4' }),
    );

    await client.listServices();
    await client.listServiceEvents(SERVICE_ID);
    expect(tokens.issued).toBe(1);
    expect(s.requests.filter((r) => r.url.startsWith('/v1/')).map((r) => r.headers['x-auth-token'])).toEqual(['token-1', 'token-1']);

    tokens.refuse.add('token-1'); // revoked before its expiry
    await expect(client.listServiceEvents(SERVICE_ID)).resolves.toMatchObject({ total_count: 9 });
    expect(tokens.issued).toBe(2);
    expect(s.requests.at(-1)?.headers['x-auth-token']).toBe('token-2');
  });

  it('with an IAM token that keeps being refused: one renewal, then UPSTREAM_AUTH_FAILED', async () => {
    const s = await start();
    tokens.refuse = new Set(['token-1', 'token-2', 'token-3']);
    const client = new ModelArtsClient(
      configFor(s, { type: 'iam-token', iamEndpoint: s.baseUrl, domain: 'acme', user: 'alice', password: 'pw', projectName: 'cn-north-4' }),
    );

    const error = await client.listServices().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401, upstreamCode: 'APIGW.0307' });
    expect(tokens.issued).toBe(2);
  });
});
