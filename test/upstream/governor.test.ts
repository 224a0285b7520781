import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { UpstreamClient, type UpstreamRequest } from '../../src/upstream/upstream.client.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';
import { GateRefusal, SourceGate, type GateClock } from '../../src/upstream/upstream.governor.js';
import type { UpstreamPolicy } from '../../src/upstream/upstream.policy.js';
import { sendJson, sleep, startTestServer, unusedPort, type TestServer } from './test-server.js';

const okSchema = z.object({ ok: z.literal(true) });

const basePolicy: UpstreamPolicy = {
  timeoutMs: 2_000,
  retries: 0,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 5_000,
  concurrency: 16,
};

class GovernedClient extends UpstreamClient {
  constructor(baseUrl: string, policy: Partial<UpstreamPolicy> = {}, secrets: string[] = []) {
    super({ sourceName: 'governed', baseUrl, policy: { ...basePolicy, ...policy }, secrets });
  }

  call(path = '/things', request: Partial<UpstreamRequest> = {}): Promise<{ ok: true }> {
    return this.request({ api: 'GetThings', method: 'GET', path, ...request }, okSchema);
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
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A clock the test moves by hand: `sleep` resolves when `advance` passes its time. */
function manualClock(): GateClock & { advance(ms: number): Promise<void> } {
  let now = 1_000_000;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > until) break;
        sleepers.shift();
        now = next.at;
        next.wake();
        // Let the woken call run on to its next sleep before time moves again.
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = until;
    },
  };
}

describe('SourceGate: the token bucket', () => {
  it('lets a burst through at once, then one call per interval', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 10, burst: 3, maxWaitMs: 10_000, basePauseMs: 100, maxPauseMs: 10_000, clock });
    const started: number[] = [];
    const t0 = clock.now();
    const calls = Array.from({ length: 6 }, () => gate.take().then(() => started.push(clock.now() - t0)));
    await flush();
    await clock.advance(1_000);
    await Promise.all(calls);
    expect(started).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills while idle, up to the burst and no more', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 10, burst: 2, maxWaitMs: 10_000, basePauseMs: 100, maxPauseMs: 10_000, clock });
    await gate.take();
    await gate.take();
    expect(gate.waitFor()).toBe(100);
    await clock.advance(5_000);
    expect(gate.waitFor()).toBe(0);
    await gate.take();
    await gate.take();
    expect(gate.waitFor()).toBe(100);
  });

  it('refuses a call whose wait would exceed maxWaitMs, without taking a token', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 2, burst: 1, maxWaitMs: 600, basePauseMs: 100, maxPauseMs: 10_000, clock });
    await gate.take();
    const second = gate.take(); // waits 500 ms: within the budget
    await expect(gate.take()).rejects.toEqual(new GateRefusal('rate-limit', 1_000));
    await clock.advance(500);
    await second;
    // The refused call took nothing: the next slot is still one interval after the second.
    expect(gate.waitFor()).toBe(500);
  });

  it('without a rate, lets every call through at once', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ maxWaitMs: 1_000, basePauseMs: 100, maxPauseMs: 10_000, clock });
    await Promise.all(Array.from({ length: 100 }, () => gate.take()));
    expect(gate.waitFor()).toBe(0);
  });
});

describe('SourceGate: pauses', () => {
  it('holds every call until a pause ends, then resumes at the steady rate, without a burst', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 10, burst: 5, maxWaitMs: 10_000, basePauseMs: 100, maxPauseMs: 10_000, clock });
    const t0 = clock.now();
    gate.rateLimited(1_000);
    expect(gate.pausedFor()).toBe(1_000);
    const started: number[] = [];
    const calls = Array.from({ length: 3 }, () => gate.take().then(() => started.push(clock.now() - t0)));
    await clock.advance(2_000);
    await Promise.all(calls);
    expect(started).toEqual([1_000, 1_100, 1_200]);
  });

  it('holds a call that was already waiting for its token when the pause began', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 10, burst: 1, maxWaitMs: 10_000, basePauseMs: 100, maxPauseMs: 10_000, clock });
    const t0 = clock.now();
    await gate.take();
    let startedAt: number | undefined;
    const waiting = gate.take().then(() => (startedAt = clock.now() - t0)); // its slot: +100 ms
    await clock.advance(50);
    gate.rateLimited(500);
    await clock.advance(1_000);
    await waiting;
    expect(startedAt).toBe(550);
  });

  it('refuses at once a call that may not wait as long as the pause', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ perSecond: 10, burst: 5, maxWaitMs: 300, basePauseMs: 100, maxPauseMs: 10_000, clock });
    gate.rateLimited(2_000);
    await expect(gate.take()).rejects.toEqual(new GateRefusal('paused', 2_000));
    await clock.advance(1_800);
    const within = gate.take();
    await clock.advance(200);
    await expect(within).resolves.toBe(200);
  });

  it('caps a pause at maxPauseMs, and backs off on its own after a 429 that says not how long', async () => {
    const clock = manualClock();
    const gate = new SourceGate({ maxWaitMs: 60_000, basePauseMs: 100, maxPauseMs: 1_000, clock });
    gate.rateLimited(3_600_000);
    expect(gate.pausedFor()).toBe(1_000);
    await clock.advance(1_000);
    gate.answered();
    gate.rateLimited(undefined);
    expect(gate.pausedFor()).toBe(100);
    gate.rateLimited(undefined);
    expect(gate.pausedFor()).toBe(200);
    gate.rateLimited(undefined);
    expect(gate.pausedFor()).toBe(400);
    gate.answered();
    await clock.advance(1_000);
    gate.rateLimited(undefined);
    expect(gate.pausedFor()).toBe(100);
  });
});

describe('UpstreamClient under a rate limit (fake time)', () => {
  it('makes a burst beyond the rate wait for its tokens, across callers', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const sent: number[] = [];
    const t0 = Date.now();
    class Recording extends GovernedClient {
      protected override willSendRequest(): void {
        sent.push(Date.now() - t0);
      }
    }
    // No server: the exchange fails fast, which is all this test needs of it.
    const client = new Recording(`http://127.0.0.1:${await unusedPort()}`, { rateLimit: { perSecond: 4, burst: 2, maxWaitMs: 10_000 } });
    const calls = Array.from({ length: 5 }, (_, i) => client.call(`/n/${i}`).catch(() => undefined));
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(calls);
    expect(sent).toEqual([0, 0, 250, 500, 750]);
  });
});

describe('UpstreamClient: a rate limit over real HTTP', () => {
  it('spaces the calls beyond the burst by 1/perSecond', async () => {
    const arrived: number[] = [];
    server = await startTestServer((_req, res) => {
      arrived.push(performance.now());
      sendJson(res, 200, { ok: true });
    });
    const client = new GovernedClient(server.baseUrl, { rateLimit: { perSecond: 20, burst: 2, maxWaitMs: 5_000 } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => client.call(`/n/${i}`)));
    expect(arrived).toHaveLength(6);
    // Two at once, then four at 50 ms intervals: at least 150 ms from the first to the last.
    expect(arrived[5]! - arrived[0]!).toBeGreaterThanOrEqual(140);
  });

  it('fails with UPSTREAM_RATE_LIMITED and retryAfterMs, and sends nothing, when a token is further off than maxWaitMs', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { ok: true }));
    const client = new GovernedClient(server.baseUrl, { rateLimit: { perSecond: 1, burst: 1, maxWaitMs: 100 } });
    await client.call();
    const error = await rejection(client.call('/second'));
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', source: 'governed' });
    expect(error.status).toBeUndefined();
    expect(error.retryAfterMs).toBeGreaterThan(100);
    expect(error.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(error.message).toContain('rate limit');
    expect(server.requests).toHaveLength(1);
  });
});

describe('UpstreamClient: a 429 pauses the source for every caller', () => {
  it('holds the other callers until Retry-After has passed, instead of each backing off on its own', async () => {
    const arrived: Array<{ url: string; at: number }> = [];
    server = await startTestServer((req, res, index) => {
      arrived.push({ url: req.url, at: performance.now() });
      if (index === 0) sendJson(res, 429, {}, { 'retry-after': '1' });
      else sendJson(res, 200, { ok: true });
    });
    const client = new GovernedClient(server.baseUrl, { rateLimit: { perSecond: 100, burst: 10, maxWaitMs: 5_000 } });
    const first = await rejection(client.call('/first'));
    expect(first).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429, retryAfterMs: 1_000 });
    const pausedAt = performance.now();
    expect(client.governorState().pausedForMs).toBeGreaterThan(900);
    // Another caller (another request, in the server) asks the same source meanwhile.
    await sleep(100);
    expect(server.requests).toHaveLength(1);
    await expect(client.call('/second')).resolves.toEqual({ ok: true });
    expect(arrived).toHaveLength(2);
    expect(arrived[1]!.at - pausedAt).toBeGreaterThanOrEqual(850);
  });

  it('fails the other callers at once when the pause is longer than they may wait', async () => {
    server = await startTestServer((_req, res, index) =>
      index === 0 ? sendJson(res, 503, {}, { 'retry-after': '30' }) : sendJson(res, 200, { ok: true }),
    );
    const client = new GovernedClient(server.baseUrl, { retryMaxDelayMs: 60_000, rateLimit: { perSecond: 100, burst: 10, maxWaitMs: 200 } });
    expect(await rejection(client.call())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, retryAfterMs: 30_000 });
    const started = performance.now();
    const error = await rejection(client.call('/other'));
    expect(performance.now() - started).toBeLessThan(100);
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', source: 'governed' });
    expect(error.status).toBeUndefined();
    expect(error.retryAfterMs).toBeGreaterThan(29_000);
    expect(error.message).toContain('paused');
    expect(server.requests).toHaveLength(1);
  });

  it('keeps retrying a call that the 429 answered, after the pause, and then serves everyone', async () => {
    server = await startTestServer((_req, res, index) =>
      index === 0 ? sendJson(res, 429, {}, { 'retry-after': '0' }) : sendJson(res, 200, { ok: true }),
    );
    const client = new GovernedClient(server.baseUrl, { retries: 1, rateLimit: { perSecond: 100, burst: 10, maxWaitMs: 1_000 } });
    await expect(client.call()).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });
});

describe('UpstreamClient: the circuit breaker', () => {
  const breaker = { circuitBreaker: { failures: 3, halfOpenAfterMs: 300 } };

  it('opens after N consecutive failures, fails fast without a request, half-opens after the delay and closes on success', async () => {
    let healthy = false;
    server = await startTestServer((_req, res) => (healthy ? sendJson(res, 200, { ok: true }) : sendJson(res, 500, { error: 'down' })));
    const client = new GovernedClient(server.baseUrl, breaker);

    for (let i = 0; i < 3; i++) expect(await rejection(client.call(`/n/${i}`))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 500 });
    expect(client.governorState().circuit).toBe('open');
    expect(server.requests).toHaveLength(3);

    const started = performance.now();
    const open = await rejection(client.call('/n/3'));
    expect(performance.now() - started).toBeLessThan(50);
    expect(open).toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN', source: 'governed' });
    expect(open.status).toBeUndefined();
    expect(open.retryAfterMs).toBeGreaterThan(0);
    expect(open.retryAfterMs).toBeLessThanOrEqual(300);
    expect(server.requests).toHaveLength(3);

    // Half-open: one probe goes; it fails, and the circuit opens again.
    await sleep(320);
    expect(await rejection(client.call('/probe-1'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(server.requests).toHaveLength(4);
    expect(client.governorState().circuit).toBe('open');
    expect(await rejection(client.call('/n/4'))).toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
    expect(server.requests).toHaveLength(4);

    // The next probe succeeds: closed, and every call goes again.
    healthy = true;
    await sleep(320);
    await expect(client.call('/probe-2')).resolves.toEqual({ ok: true });
    expect(client.governorState().circuit).toBe('closed');
    await expect(Promise.all([client.call('/a'), client.call('/b')])).resolves.toHaveLength(2);
    expect(server.requests).toHaveLength(7);
  });

  it('lets one probe through while half-open; the callers that arrive meanwhile wait for its outcome', async () => {
    let healthy = false;
    server = await startTestServer(async (_req, res) => {
      if (!healthy) return sendJson(res, 500, {});
      await sleep(100);
      sendJson(res, 200, { ok: true });
    });
    const client = new GovernedClient(server.baseUrl, breaker);
    for (let i = 0; i < 3; i++) await rejection(client.call(`/n/${i}`));
    healthy = true;
    await sleep(320);
    const results = await Promise.all([client.call('/p/1'), client.call('/p/2'), client.call('/p/3')]);
    expect(results).toHaveLength(3);
    // The probe went alone; the others followed once it had closed the circuit.
    expect(server.requests).toHaveLength(6);
  });

  it('counts timeouts and network failures, but not 4xx, auth failures, bad bodies or 429s', async () => {
    let status = 400;
    server = await startTestServer((_req, res) => sendJson(res, status, {}));
    const client = new GovernedClient(server.baseUrl, breaker);
    for (const next of [400, 401, 403, 404, 429, 400, 401, 403, 404]) {
      status = next;
      await rejection(client.call(`/s/${next}`));
    }
    expect(client.governorState().circuit).toBe('closed');

    const refused = new GovernedClient(`http://127.0.0.1:${await unusedPort()}`, breaker);
    for (let i = 0; i < 3; i++) expect((await rejection(refused.call())).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await rejection(refused.call())).code).toBe('UPSTREAM_CIRCUIT_OPEN');
  });

  it('is reset by a success: only consecutive failures count', async () => {
    const plan = [500, 500, 200, 500, 500, 200, 500, 500];
    server = await startTestServer((_req, res, index) => (plan[index] === 200 ? sendJson(res, 200, { ok: true }) : sendJson(res, 500, {})));
    const client = new GovernedClient(server.baseUrl, breaker);
    for (let i = 0; i < plan.length; i++) await client.call(`/n/${i}`).catch(() => undefined);
    expect(client.governorState().circuit).toBe('closed');
    expect(server.requests).toHaveLength(plan.length);
  });

  it('stops the retries of the call that opened it, which fails with the upstream error', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 502, {}));
    const client = new GovernedClient(server.baseUrl, { ...breaker, retries: 5, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
    const error = await rejection(client.call());
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 502 });
    expect(server.requests).toHaveLength(3);
  });

  it('does nothing with failures: 0', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 500, {}));
    const client = new GovernedClient(server.baseUrl, { circuitBreaker: { failures: 0, halfOpenAfterMs: 1_000 } });
    for (let i = 0; i < 10; i++) expect((await rejection(client.call(`/n/${i}`))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(10);
  });
});

describe('UpstreamClient keeps credentials out of its errors', () => {
  const SECRET = 'S3cr3t-Key-0f-The-Source';

  it('masks a secret the upstream echoes, in the message and the vendor message', async () => {
    server = await startTestServer((req, res) =>
      sendJson(res, 401, { error: `bad signature for key ${SECRET}`, auth: req.headers.authorization }),
    );
    class Echoed extends GovernedClient {
      protected override willSendRequest(request: { headers: Record<string, string> }): void {
        request.headers['authorization'] = `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`;
      }
      protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
        const b = body as { error: string };
        return status === 401 ? this.error('UPSTREAM_AUTH_FAILED', `HTTP 401: ${b.error}`, { status, upstreamMessage: b.error }) : undefined;
      }
    }
    const client = new Echoed(server.baseUrl, {}, [SECRET, `user:${SECRET}`]);
    const error = await rejection(client.call());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify({ message: error.message, upstreamMessage: error.upstreamMessage })).not.toContain(SECRET);

    // The default reading quotes the body, Authorization header and all.
    const plain = new (class extends GovernedClient {
      protected override willSendRequest(request: { headers: Record<string, string> }): void {
        request.headers['authorization'] = `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`;
      }
    })(server.baseUrl, {}, [SECRET, `user:${SECRET}`]);
    const quoted = await rejection(plain.call());
    expect(quoted.message).not.toContain(SECRET);
    expect(quoted.message).not.toContain(Buffer.from(`user:${SECRET}`).toString('base64'));
  });

  it('never sends the userinfo of its base URL, and never quotes its password', async () => {
    server = await startTestServer((req, res) => sendJson(res, 500, { saw: req.url, authorization: req.headers.authorization ?? null }));
    const withUserinfo = server.baseUrl.replace('http://', `http://reader:${encodeURIComponent(SECRET)}@`);
    const client = new GovernedClient(withUserinfo, { circuitBreaker: { failures: 0, halfOpenAfterMs: 1 } });
    const error = await rejection(client.call('/things'));
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(client.cacheKeyFor({ api: 'GetThings', method: 'GET', path: '/things' })).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET);

    const refused = new GovernedClient(`http://reader:${SECRET}@127.0.0.1:${await unusedPort()}`);
    expect((await rejection(refused.call())).message).not.toContain(SECRET);
  });
});
