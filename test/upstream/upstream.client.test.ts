import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { UpstreamPolicy } from '../../src/upstream/upstream.policy.js';
import {
  UpstreamClient,
  type PreparedRequest,
  type UpstreamCallInfo,
  type UpstreamRequest,
} from '../../src/upstream/upstream.client.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';
import { parseRetryAfter } from '../../src/upstream/upstream.url.js';
import { sendJson, sleep, startTestServer, unusedPort, type TestServer } from './test-server.js';

const okSchema = z.object({ ok: z.literal(true) });

const fastPolicy: UpstreamPolicy = {
  timeoutMs: 2_000,
  retries: 2,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 2_000,
  concurrency: 8,
};

interface TestClientOptions {
  policy?: Partial<UpstreamPolicy>;
  onSend?: (req: PreparedRequest, attempt: number) => void;
  onUnauthorized?: () => boolean;
  errorFor?: (status: number, body: unknown) => UpstreamError | undefined;
}

class TestClient extends UpstreamClient {
  readonly calls: UpstreamCallInfo[] = [];
  private sends = 0;

  constructor(
    baseUrl: string,
    private readonly testOptions: TestClientOptions = {},
  ) {
    super({
      sourceName: 'test-source',
      baseUrl,
      policy: { ...fastPolicy, ...testOptions.policy },
      onCall: (info) => this.calls.push(info),
    });
  }

  call<T>(req: Omit<UpstreamRequest, 'api'>, schema: z.ZodType<T>): Promise<T> {
    return this.request({ api: 'GetThings', ...req }, schema);
  }

  protected override willSendRequest(req: PreparedRequest): void {
    this.sends += 1;
    this.testOptions.onSend?.(req, this.sends);
  }

  protected override didReceiveUnauthorized(): Promise<boolean> {
    return Promise.resolve(this.testOptions.onUnauthorized?.() ?? false);
  }

  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    return this.testOptions.errorFor?.(status, body);
  }
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected the call to fail');
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('UpstreamClient retries', () => {
  it('retries a GET after 500s and returns the eventual success', async () => {
    server = await startTestServer((_req, res, i) => (i < 2 ? sendJson(res, 500, { error: 'boom' }) : sendJson(res, 200, { ok: true })));
    const client = new TestClient(server.baseUrl);

    await expect(client.call({ method: 'GET', path: '/things' }, okSchema)).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
    expect(client.calls).toEqual([expect.objectContaining({ source: 'test-source', method: 'GET', path: '/things', status: 200, attempts: 3 })]);
    expect(client.calls[0]?.error).toBeUndefined();
  });

  it('gives up after `retries` extra attempts with UPSTREAM_UNAVAILABLE and the status', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 503, { error: 'down' }));
    const client = new TestClient(server.baseUrl, { policy: { retries: 1 } });

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, source: 'test-source' });
    expect(server.requests).toHaveLength(2);
    expect(client.calls[0]).toMatchObject({ attempts: 2, status: 503, error });
  });

  it('honours Retry-After in seconds on a 429', async () => {
    server = await startTestServer((_req, res, i) =>
      i === 0 ? sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '1' }) : sendJson(res, 200, { ok: true }),
    );
    const client = new TestClient(server.baseUrl);

    const started = Date.now();
    await expect(client.call({ method: 'GET', path: '/things' }, okSchema)).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests).toHaveLength(2);
  });

  it('caps a long Retry-After at retryMaxDelayMs', async () => {
    server = await startTestServer((_req, res, i) =>
      i === 0 ? sendJson(res, 429, {}, { 'retry-after': '3600' }) : sendJson(res, 200, { ok: true }),
    );
    const client = new TestClient(server.baseUrl, { policy: { retryMaxDelayMs: 50 } });

    const started = Date.now();
    await expect(client.call({ method: 'GET', path: '/things' }, okSchema)).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports UPSTREAM_RATE_LIMITED with the asked delay when 429s persist', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 429, {}, { 'retry-after': '0' }));
    const client = new TestClient(server.baseUrl);

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429, retryAfterMs: 0 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a non-idempotent request', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 500, {}));
    const client = new TestClient(server.baseUrl);

    const error = await rejection(client.call({ method: 'POST', path: '/things', body: '{"a":1}' }, okSchema));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('retries a POST the caller marks idempotent', async () => {
    server = await startTestServer((_req, res, i) => (i === 0 ? sendJson(res, 502, {}) : sendJson(res, 200, { ok: true })));
    const client = new TestClient(server.baseUrl);

    await expect(client.call({ method: 'POST', path: '/search', body: '{}', idempotent: true }, okSchema)).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a 4xx', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 400, { message: 'bad limit' }));
    const client = new TestClient(server.baseUrl);

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 400 });
    expect(error.message).toContain('bad limit');
    expect(server.requests).toHaveLength(1);
  });
});

describe('UpstreamClient timeouts and connections', () => {
  it('times out a slow attempt with UPSTREAM_TIMEOUT', async () => {
    server = await startTestServer(async (_req, res) => {
      await sleep(1_000);
      if (!res.destroyed) sendJson(res, 200, { ok: true });
    });
    const client = new TestClient(server.baseUrl, { policy: { timeoutMs: 100, retries: 1 } });

    const started = Date.now();
    const error = await rejection(client.call({ method: 'GET', path: '/slow' }, okSchema));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.status).toBeUndefined();
    // Per attempt: two attempts of 100ms, not one of 1s.
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('times out an attempt whose body trickles in past the deadline', async () => {
    // Headers at once, then a byte every 20ms: no gap is long, but the whole is.
    server = await startTestServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const byte of '{"ok": true}                              ') {
        if (res.destroyed) return;
        res.write(byte);
        await sleep(20);
      }
      res.end();
    });
    const client = new TestClient(server.baseUrl, { policy: { timeoutMs: 150, retries: 0 } });

    const started = Date.now();
    const error = await rejection(client.call({ method: 'GET', path: '/trickle' }, okSchema));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('maps a refused connection to UPSTREAM_UNAVAILABLE, after retrying it', async () => {
    const port = await unusedPort();
    const client = new TestClient(`http://127.0.0.1:${port}`, { policy: { retries: 1 } });

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('ECONNREFUSED');
    expect(client.calls[0]).toMatchObject({ attempts: 2 });
    expect(client.calls[0]?.status).toBeUndefined();
  });

  it('keeps at most `concurrency` requests in flight and queues the rest', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    server = await startTestServer(async (_req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(50);
      inFlight -= 1;
      sendJson(res, 200, { ok: true });
    });
    const client = new TestClient(server.baseUrl, { policy: { concurrency: 2 } });

    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => client.call({ method: 'GET', path: `/things/${i}` }, okSchema)));
    expect(results).toHaveLength(7);
    expect(server.requests).toHaveLength(7);
    expect(maxInFlight).toBe(2);
  });
});

describe('UpstreamClient responses', () => {
  it('maps a body that is not JSON to UPSTREAM_BAD_RESPONSE', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok": tru');
    });
    const client = new TestClient(server.baseUrl);

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 200 });
    expect(error.message).toContain('not JSON');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a schema mismatch to UPSTREAM_BAD_RESPONSE naming the field', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { items: [{ id: 'a' }, { id: 7 }] }));
    const client = new TestClient(server.baseUrl);
    const schema = z.object({ items: z.array(z.object({ id: z.string() })) });

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, schema));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('items[1].id');
  });

  it('maps 401 to UPSTREAM_AUTH_FAILED with the status, without retrying', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 401, { error_code: 'APIGW.0301', error_msg: 'bad signature' }));
    const client = new TestClient(server.baseUrl);

    const error = await rejection(client.call({ method: 'GET', path: '/things' }, okSchema));
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401, source: 'test-source' });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 403 to UPSTREAM_AUTH_FAILED and 404 to UPSTREAM_BAD_RESPONSE', async () => {
    server = await startTestServer((req, res) => sendJson(res, req.url === '/forbidden' ? 403 : 404, {}));
    const client = new TestClient(server.baseUrl);

    expect(await rejection(client.call({ method: 'GET', path: '/forbidden' }, okSchema))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 403 });
    expect(await rejection(client.call({ method: 'GET', path: '/missing' }, okSchema))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 404 });
  });

  it('lets the vendor hook read its error body, even inside a 200', async () => {
    server = await startTestServer((req, res) =>
      req.url === '/ok' ? sendJson(res, 200, { code: 4100, message: 'signature mismatch' }) : sendJson(res, 404, { error_code: 'X.404', error_msg: 'no such thing' }),
    );
    const client = new TestClient(server.baseUrl, {
      errorFor: (status, body) => {
        const b = body as { code?: number; error_code?: string; error_msg?: string; message?: string };
        if (status === 200 && b.code === 4100) return new UpstreamError({ code: 'UPSTREAM_AUTH_FAILED', source: 'test-source', status, upstreamCode: '4100', message: b.message ?? '' });
        if (b.error_code) return new UpstreamError({ code: 'UPSTREAM_BAD_RESPONSE', source: 'test-source', status, upstreamCode: b.error_code, upstreamMessage: b.error_msg, message: `${b.error_code}: ${b.error_msg}` });
        return undefined;
      },
    });

    expect(await rejection(client.call({ method: 'GET', path: '/ok' }, okSchema))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamCode: '4100', status: 200 });
    expect(await rejection(client.call({ method: 'GET', path: '/missing' }, okSchema))).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      status: 404,
      upstreamCode: 'X.404',
      upstreamMessage: 'no such thing',
    });
  });
});

describe('UpstreamClient hooks', () => {
  it('runs willSendRequest on every attempt with the final URL, and sends what it sets', async () => {
    server = await startTestServer((_req, res, i) => (i === 0 ? sendJson(res, 500, {}) : sendJson(res, 200, { ok: true })));
    const seen: string[] = [];
    const client = new TestClient(`${server.baseUrl}/api/`, {
      onSend: (req, attempt) => {
        seen.push(req.url.href);
        req.headers['x-signature'] = `sig-${attempt}`;
      },
    });

    await client.call({ method: 'GET', path: '/v1/p/things', query: { b: 'x y', a: 1, skipped: undefined, empty: '' } }, okSchema);
    const expected = `${server.baseUrl}/api/v1/p/things?a=1&b=x%20y&empty=`;
    expect(seen).toEqual([expected, expected]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/v1/p/things?a=1&b=x%20y&empty=', '/api/v1/p/things?a=1&b=x%20y&empty=']);
    expect(server.requests.map((r) => r.headers['x-signature'])).toEqual(['sig-1', 'sig-2']);
  });

  it('does not retry a failure of willSendRequest itself (the auth provider retried already)', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { ok: true }));
    const client = new TestClient(server.baseUrl, {
      onSend: () => {
        throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: 'test-source', status: 503, message: 'IAM is down' });
      },
    });

    expect(await rejection(client.call({ method: 'GET', path: '/things' }, okSchema))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'IAM is down' });
    expect(server.requests).toHaveLength(0);
    expect(client.calls[0]).toMatchObject({ attempts: 1 });
  });

  it('retries once after a 401 when didReceiveUnauthorized says so', async () => {
    server = await startTestServer((_req, res, i) => (i === 0 ? sendJson(res, 401, {}) : sendJson(res, 200, { ok: true })));
    let asked = 0;
    const client = new TestClient(server.baseUrl, { onUnauthorized: () => (asked += 1) > 0 });

    await expect(client.call({ method: 'POST', path: '/things', body: '{}' }, okSchema)).resolves.toEqual({ ok: true });
    expect(asked).toBe(1);
    expect(client.calls[0]).toMatchObject({ attempts: 2, status: 200 });
  });

  it('asks didReceiveUnauthorized only once per call', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 401, {}));
    let asked = 0;
    const client = new TestClient(server.baseUrl, { onUnauthorized: () => (asked += 1) > 0 });

    expect(await rejection(client.call({ method: 'GET', path: '/things' }, okSchema))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401 });
    expect(asked).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('keys the cache on the unsigned request: source, method, URL with sorted query, body', () => {
    const client = new TestClient('http://upstream.example/base');
    const key = client.cacheKeyFor({ api: 'GetThings', method: 'GET', path: '/v1/x', query: { z: 1, a: 'b c', none: undefined } });
    expect(key).toBe('test-source GET http://upstream.example/base/v1/x?a=b%20c&z=1');
    expect(client.cacheKeyFor({ api: 'GetThings', method: 'GET', path: '/v1/x', query: { a: 'b c', z: 1 } })).toBe(key);
    expect(client.cacheKeyFor({ api: 'GetThings', method: 'POST', path: '/v1/x', body: '{"q":1}' })).toBe('test-source POST http://upstream.example/base/v1/x\n{"q":1}');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
