import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FifoLimiter } from '../../src/server/concurrency.js';
import { checkExposure, ExposureError, isLoopbackHost } from '../../src/server/exposure.js';
import { startServer } from '../../src/server/server.js';
import { builtInVendors } from '../../src/vendors/vendors.js';
import { startStack, type Stack } from '../helpers/stack.js';

/*
 * The HTTP edge, in front of GraphQL (docs/auth.md): the concurrency bound and its 503,
 * bodies that are not GraphQL requests, CORS, and where the server agrees to listen.
 */

const QUERY = '{ events(first: 2) { edges { node { id } } } }';

interface ErrorBody {
  errors: Array<{ message: string; extensions: { code: string } }>;
}

async function readError(response: Response): Promise<ErrorBody['errors'][number]> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const text = await response.text();
  // Never Express's HTML page, never a stack trace.
  expect(text).not.toMatch(/<html|<pre|\bat .*\.(ts|js):\d+/i);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.errors).toHaveLength(1);
  return body.errors[0]!;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('FifoLimiter', () => {
  it('serves waiters first come, first served, and drops the ones that time out', async () => {
    const limiter = new FifoLimiter(1);
    const order: string[] = [];
    const first = await limiter.acquire(1_000).granted;
    const b = limiter.acquire(1_000);
    const late = limiter.acquire(10);
    const c = limiter.acquire(1_000);
    void b.granted.then((release) => {
      order.push('b');
      release?.();
    });
    void c.granted.then((release) => {
      order.push('c');
      release?.();
    });
    expect(await late.granted).toBeUndefined();
    expect(limiter.queued).toBe(2);
    first!();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['b', 'c']);
    expect(limiter.inUse).toBe(0);
  });

  it('lets a cancelled waiter leave the queue', async () => {
    const limiter = new FifoLimiter(1);
    const held = await limiter.acquire(0).granted;
    expect(held).toBeDefined();
    // No room and no waiting allowed: refused at once.
    expect(await limiter.acquire(0).granted).toBeUndefined();
    const ticket = limiter.acquire(5_000);
    ticket.cancel();
    expect(await ticket.granted).toBeUndefined();
    expect(limiter.queued).toBe(0);
    held!();
    expect(limiter.inUse).toBe(0);
  });
});

describe('at most server.maxConcurrentRequests at once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ server: { maxConcurrentRequests: 1, queueTimeoutMs: 50 } });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.modelarts.resetKnobs());

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After once the queue wait runs out, and keeps health open', async () => {
    stack.emulators.modelarts.setKnobs({ latencyMs: 1_000 });
    const held = stack.gql(QUERY);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const refused = await post(stack.server.url, JSON.stringify({ query: QUERY }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = await readError(refused);
    expect(error.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/limit of 1 requests at once/);
    // The health routes are not counted.
    expect((await fetch(new URL('/healthz', stack.server.url))).status).toBe(200);
    expect((await fetch(new URL('/readyz', stack.server.url))).status).toBe(200);
    // The held request itself is unharmed, and the slot comes back after it.
    const result = await held;
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    stack.emulators.modelarts.resetKnobs();
    expect((await stack.gql(QUERY)).status).toBe(200);
  });
});

describe('a request that waits within server.queueTimeoutMs', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ server: { maxConcurrentRequests: 1, queueTimeoutMs: 5_000 } });
  });
  afterAll(() => stack.close());

  it('is served, in turn, after the one ahead of it', async () => {
    stack.emulators.modelarts.setKnobs({ latencyMs: 300 });
    const finished: string[] = [];
    const first = stack.gql(QUERY).then((result) => (finished.push('first'), result));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = stack.gql(QUERY).then((result) => (finished.push('second'), result));
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    expect(finished).toEqual(['first', 'second']);
  });
});

describe('bodies that are not GraphQL requests', () => {
  let stack: Stack;
  const env = process.env.NODE_ENV;
  beforeAll(async () => {
    // Express shows stack traces in development; the answers below must not, whatever NODE_ENV says.
    process.env.NODE_ENV = 'development';
    stack = await startStack();
  });
  afterAll(async () => {
    process.env.NODE_ENV = env;
    await stack.close();
  });

  it('413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const response = await post(stack.server.url, JSON.stringify({ query: QUERY, variables: { pad: 'x'.repeat(1_100_000) } }));
    expect(response.status).toBe(413);
    expect((await readError(response)).extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('400 BAD_REQUEST for malformed JSON', async () => {
    const response = await post(stack.server.url, '{"query": "{ sources { name } }"');
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.extensions.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON, or not UTF-8', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const response = await post(stack.server.url, JSON.stringify({ query: QUERY }), { 'content-type': type });
      expect(response.status, type).toBe(415);
      expect((await readError(response)).extensions.code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('a JSON 404 for a path that does not exist', async () => {
    const response = await fetch(new URL('/nothing-here', stack.server.url));
    expect(response.status).toBe(404);
    expect((await readError(response)).extensions.code).toBe('NOT_FOUND');
  });
});

describe('CORS', () => {
  const ALLOWED = 'https://grafana.example.com';
  let open: Stack;
  let closed: Stack;
  beforeAll(async () => {
    [open, closed] = await Promise.all([startStack({ server: { corsOrigins: [`${ALLOWED}/`] } }), startStack()]);
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
  });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('answers a preflight from an allowed origin with the methods and headers a client needs', async () => {
    const response = await preflight(open.server.url, ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const headers = response.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    expect(headers).toEqual(expect.arrayContaining(['authorization', 'x-api-key', 'content-type']));
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('marks answers to an allowed origin readable, and no other origin', async () => {
    const allowed = await post(open.server.url, JSON.stringify({ query: QUERY }), { origin: ALLOWED });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    const other = await post(open.server.url, JSON.stringify({ query: QUERY }), { origin: 'https://evil.example.com' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const refused = await preflight(open.server.url, 'https://evil.example.com');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect((await readError(refused)).extensions.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('allows no origin at all by default', async () => {
    const response = await preflight(closed.server.url, ALLOWED);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await post(closed.server.url, JSON.stringify({ query: QUERY }), { origin: ALLOWED });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('where the server listens', () => {
  it('knows loopback addresses from exposed ones', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'fd00::2', 'eventgraph.internal', 'localhost.evil.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('refuses an exposed address without auth, warns with auth off written out, and is quiet otherwise', () => {
    expect(() => checkExposure('0.0.0.0', undefined)).toThrow(ExposureError);
    expect(() => checkExposure('0.0.0.0', undefined)).toThrow(/server\.host.*`auth`/s);
    expect(checkExposure('0.0.0.0', { mode: 'none' })).toMatch(/authentication is OFF/);
    expect(checkExposure('127.0.0.1', { mode: 'none' })).toMatch(/authentication is off/);
    expect(checkExposure('127.0.0.1', undefined)).toBeUndefined();
    expect(checkExposure('0.0.0.0', { mode: 'required', apiKeys: [] })).toBeUndefined();
  });

  it('startServer refuses 0.0.0.0 without auth before it listens, and defaults to loopback', async () => {
    await expect(startServer({ vendors: builtInVendors(), port: 0, host: '0.0.0.0' })).rejects.toThrow(ExposureError);
    const server = await startServer({ vendors: builtInVendors(), port: 0 });
    try {
      expect(new URL(server.url).hostname).toBe('127.0.0.1');
      expect(server.authRequired).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
