import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UpstreamCallCounts } from '../../src/upstream/upstream.calls.js';
import { UpstreamClient, type PreparedRequest, type UpstreamRequest } from '../../src/upstream/upstream.client.js';
import { UpstreamRequestScope } from '../../src/upstream/upstream.scope.js';
import { sendJson, startTestServer, type TestServer } from './test-server.js';

const answerSchema = z.object({ n: z.number() });

class ScopedClient extends UpstreamClient {
  constructor(baseUrl: string, cacheTtlSeconds = 0, retries = 0) {
    super({
      sourceName: 'scoped',
      baseUrl,
      policy: { timeoutMs: 2_000, retries, retryBaseDelayMs: 1, retryMaxDelayMs: 5, concurrency: 1 },
      cacheTtlSeconds,
    });
  }

  call(request: Partial<UpstreamRequest> = {}, calls?: UpstreamCallCounts): Promise<{ n: number }> {
    return this.request({ api: 'GetThings', method: 'GET', path: '/things', ...request }, answerSchema, calls);
  }
}

/** Asks `tokens` for a token before every attempt, as a Huawei IAM-token source does. */
class TokenAuthClient extends ScopedClient {
  constructor(
    baseUrl: string,
    private readonly tokens: ScopedClient,
  ) {
    super(baseUrl);
  }

  protected override async willSendRequest(_request: PreparedRequest, calls: UpstreamCallCounts | undefined): Promise<void> {
    await this.tokens.call({ method: 'POST', path: '/token', body: '{}', idempotent: true, cacheable: false }, calls);
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers `{n: index}`, or 503 for the indices in `failing`. */
async function upstream(failing: number[] = []): Promise<TestServer> {
  server = await startTestServer((_req, res, index) => (failing.includes(index) ? sendJson(res, 503, {}) : sendJson(res, 200, { n: index })));
  return server;
}

describe('the request scope', () => {
  it('sends identical requests of one scope once, concurrent or not, and counts real calls only', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl);
    const scope = new UpstreamRequestScope();
    const answers = await scope.run(async () => {
      const concurrent = await Promise.all([client.call({ query: { a: 1 } }), client.call({ query: { a: 1 } })]);
      const later = await client.call({ query: { a: 1 } });
      const other = await client.call({ query: { a: 2 } });
      return [...concurrent, later, other];
    });
    expect(answers.map((answer) => answer.n)).toEqual([0, 0, 0, 1]);
    expect(requests).toHaveLength(2);
    expect(scope.calls.of('scoped')).toBe(2);
  });

  it('shares nothing between scopes, nor without one, when the cache is off', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl);
    await new UpstreamRequestScope().run(() => client.call());
    await new UpstreamRequestScope().run(() => client.call());
    await client.call();
    await client.call();
    expect(requests).toHaveLength(4);
  });

  it('never shares a request marked not cacheable (an IAM token request)', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl, 60);
    await new UpstreamRequestScope().run(async () => {
      await client.call({ method: 'POST', body: '{}', idempotent: true, cacheable: false });
      await client.call({ method: 'POST', body: '{}', idempotent: true, cacheable: false });
    });
    expect(requests).toHaveLength(2);
  });

  it('counts a call once however many attempts it takes, on the tally of the code that asked first', async () => {
    const { baseUrl, requests } = await upstream([0, 1]);
    const client = new ScopedClient(baseUrl, 0, 2);
    const scope = new UpstreamRequestScope();
    const panelA = new UpstreamCallCounts();
    const panelB = new UpstreamCallCounts();
    await scope.run(() => Promise.all([client.call({}, panelA), client.call({}, panelB)]));
    expect(requests).toHaveLength(3);
    expect([panelA.of('scoped'), panelB.of('scoped'), scope.calls.of('scoped')]).toEqual([1, 0, 1]);
    // The shared answer still tells the second asker how long it may serve.
    expect(panelB.servableUntil('scoped')).toBe(panelA.servableUntil('scoped'));
    expect(panelB.servableUntil('scoped')).toBeDefined();
  });

  it('counts nothing on a tally that was not handed to the call', async () => {
    const { baseUrl } = await upstream();
    const client = new ScopedClient(baseUrl);
    const scope = new UpstreamRequestScope();
    const handed = new UpstreamCallCounts();
    const bystander = new UpstreamCallCounts();
    await scope.run(async () => {
      await client.call({ query: { a: 1 } }, handed);
      await client.call({ query: { a: 2 } });
    });
    expect([handed.of('scoped'), bystander.of('scoped'), scope.calls.of('scoped')]).toEqual([1, 0, 2]);
    expect(handed.servableUntil('scoped')).toBeDefined();
    expect(bystander.servableUntil('scoped')).toBeUndefined();
  });

  it('counts a request made in willSendRequest for the call that needed it, even after waiting for a slot another request freed', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new TokenAuthClient(baseUrl, new ScopedClient(baseUrl));
    const [first, second] = [new UpstreamRequestScope(), new UpstreamRequestScope()];
    const [panelA, panelB] = [new UpstreamCallCounts(), new UpstreamCallCounts()];
    // One slot: the second call waits for it and resumes when the first one frees it.
    await Promise.all([
      first.run(() => client.call({ query: { a: 1 } }, panelA)),
      second.run(() => client.call({ query: { a: 2 } }, panelB)),
    ]);
    expect(requests).toHaveLength(4);
    expect([panelA.of('scoped'), panelB.of('scoped')]).toEqual([2, 2]);
    expect([first.calls.of('scoped'), second.calls.of('scoped')]).toEqual([2, 2]);
  });
});

describe('the cross-request cache', () => {
  it('answers identical requests within the TTL, and asks again after it', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl, 0.2);
    const scope = new UpstreamRequestScope();
    expect((await client.call()).n).toBe(0);
    expect((await scope.run(() => client.call())).n).toBe(0);
    expect(scope.calls.of('scoped')).toBe(0);
    expect(requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await client.call()).n).toBe(1);
  });

  it('lets concurrent identical misses share one call', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl, 60);
    const answers = await Promise.all([1, 2, 3].map(() => new UpstreamRequestScope().run(() => client.call())));
    expect(answers.map((answer) => answer.n)).toEqual([0, 0, 0]);
    expect(requests).toHaveLength(1);
  });

  it('counts a hit on no tally, and tells it how long the answer may still serve', async () => {
    const { baseUrl, requests } = await upstream();
    const client = new ScopedClient(baseUrl, 60);
    const [cold, warm] = [new UpstreamCallCounts(), new UpstreamCallCounts()];
    const before = Date.now();
    await client.call({}, cold);
    await new UpstreamRequestScope().run(() => client.call({}, warm));
    expect(requests).toHaveLength(1);
    expect([cold.of('scoped'), warm.of('scoped')]).toEqual([1, 0]);
    expect(warm.servableUntil('scoped')).toBe(cold.servableUntil('scoped'));
    expect(warm.servableUntil('scoped')).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('never keeps a failure', async () => {
    const { baseUrl, requests } = await upstream([0]);
    const client = new ScopedClient(baseUrl, 60);
    await expect(client.call()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await client.call()).n).toBe(1);
    expect((await client.call()).n).toBe(1);
    expect(requests).toHaveLength(2);
  });
});
