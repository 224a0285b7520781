import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { EventsPageDocument } from '../generated/graphql.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR, modelArtsSource, startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

/*
 * The source's governors, seen from GraphQL: a rate limit, a pause after a 429 and a circuit
 * breaker, each shared by every request to the source, each saying in `sources[].error` and
 * `errors[]` that it stopped a call. `healthy` (ModelArts, on the stack's own emulators)
 * keeps answering throughout; the governed sources read a second set of emulators that the
 * tests make fail.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Only the knobs under test: no rate limit, no breaker, no retries, unless a source says. */
const quiet = { retries: 0, rateLimit: { perSecond: 0 }, circuitBreaker: { failures: 0 } };

function bkRepo(emulators: RunningEmulators, name: string, http: Record<string, unknown>, eventTypes = ['NODE_CREATED']) {
  const demo = DEMO_CREDENTIALS.bkrepo;
  return {
    name,
    kind: 'bkrepo',
    endpoint: emulators.bkrepo.url,
    credentials: { type: 'basic', username: demo.user, password: demo.password },
    scope: { projectId: demo.projectId, repositories: ['generic-local'], resourceKeyPrefix: '*', eventTypes },
    http: { ...quiet, ...http },
  };
}

type Page = GraphQLResult<{ events: { edges: Array<{ node: { source: { name: string } } }>; sources: Array<{ source: { name: string }; status: string; events: number; error: { code: string; message: string; upstreamStatus: number | null } | null }> } }>;

describe('governors: what protects a source across requests', () => {
  let faulty: RunningEmulators;
  let stack: Stack;

  beforeAll(async () => {
    faulty = await startEmulators({ now: ANCHOR, seed: 3 });
    stack = await startStack({
      sources: (emulators) => [
        modelArtsSource(emulators, { name: 'healthy', http: quiet }),
        // Pauses after a 429 and waits it out (up to 5 s).
        bkRepo(faulty, 'bk-patient', { rateLimit: { perSecond: 100, burst: 10, maxWaitMs: 5_000 } }),
        // Pauses after a 429 but may wait only 200 ms: fails fast instead.
        bkRepo(faulty, 'bk-impatient', { rateLimit: { perSecond: 100, burst: 10, maxWaitMs: 200 } }),
        // Five calls a second, one at a time, shared by every request.
        bkRepo(emulators, 'bk-slow', { rateLimit: { perSecond: 5, burst: 1, maxWaitMs: 10_000 } }, ['NODE_CREATED', 'NODE_DOWNLOADED', 'NODE_DELETED']),
        // Opens after three failed attempts in a row, probes 500 ms later.
        modelArtsSource(faulty, { name: 'ma-breaker', http: { ...quiet, circuitBreaker: { failures: 3, halfOpenAfterMs: 500 } } }),
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
    await faulty?.close();
  });
  afterEach(() => {
    faulty.bkrepo.reset();
    faulty.modelarts.reset();
  });

  const page = (sources: string[], first = 10) => stack.gql(EventsPageDocument, { first, filter: { sources } }) as Promise<Page>;

  /** The healthy source answered in full; the governed one failed with `code`, in both places. */
  function expectStopped(result: Page, source: string, code: string) {
    expect(result.status).toBe(200);
    const events = result.data!.events;
    expect(events.sources.find((s) => s.source.name === 'healthy')).toMatchObject({ status: 'OK', events: 10, error: null });
    expect(events.edges).toHaveLength(10);
    expect(events.edges.every((edge) => edge.node.source.name === 'healthy')).toBe(true);
    const status = events.sources.find((s) => s.source.name === source)!;
    expect(status).toMatchObject({ status: 'FAILED', events: 0, error: { code } });
    const error = result.errors!.find((e) => e.extensions?.source === source)!;
    expect(error.extensions).toMatchObject({ code, source });
    expect(error.path).toEqual(['events']);
    // retryAfterMs reaches `extensions` once upstreamExtensions maps UpstreamError.retryAfterMs.
    if ('retryAfterMs' in error.extensions!) expect(error.extensions!.retryAfterMs).toBeGreaterThan(0);
    return { status, error };
  }

  it('a Retry-After answered to one request pauses the source for the next request, which waits it out', async () => {
    faulty.bkrepo.setKnobs({ forceStatus: 429 });
    const first = await page(['healthy', 'bk-patient']);
    expect(expectStopped(first, 'bk-patient', 'UPSTREAM_RATE_LIMITED').status.error!.upstreamStatus).toBe(429);
    // The pause runs from when the 429 came back, just after it was asked.
    const pausedAt = faulty.bkrepo.requests().recent.at(-1)!.at;

    faulty.bkrepo.resetKnobs();
    faulty.bkrepo.resetRequests();
    const second = page(['healthy', 'bk-patient']);
    await sleep(500);
    // Another request, and not one call before the pause ends: the source is paused for
    // everyone. (Asked by time, not by count: on a loaded machine the pause may be over by now.)
    expect(faulty.bkrepo.requests().recent.filter((call) => call.at - pausedAt < 950)).toEqual([]);
    const result = await second;
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.sources.find((s) => s.source.name === 'bk-patient')).toMatchObject({ status: 'OK', error: null });
    const calls = faulty.bkrepo.requests();
    expect(calls.total).toBeGreaterThan(0);
    // Retry-After: 1 (the emulator's), from the 429; a little slack for the clocks.
    expect(calls.recent[0]!.at - pausedAt).toBeGreaterThanOrEqual(950);
  });

  it('fails a request at once with UPSTREAM_RATE_LIMITED, without a call, when the pause is longer than it may wait', async () => {
    faulty.bkrepo.setKnobs({ forceStatus: 429 });
    const first = await page(['healthy', 'bk-impatient']);
    expect(expectStopped(first, 'bk-impatient', 'UPSTREAM_RATE_LIMITED').status.error!.upstreamStatus).toBe(429);

    faulty.bkrepo.resetKnobs();
    faulty.bkrepo.resetRequests();
    const started = Date.now();
    const second = await page(['healthy', 'bk-impatient']);
    expect(Date.now() - started).toBeLessThan(800);
    const { status, error } = expectStopped(second, 'bk-impatient', 'UPSTREAM_RATE_LIMITED');
    // Stopped here, not answered upstream: no status, and no call at all.
    expect(status.error!.upstreamStatus).toBeNull();
    expect(status.error!.message).toContain('paused');
    expect(error.extensions).not.toHaveProperty('upstreamStatus');
    expect(faulty.bkrepo.requests().total).toBe(0);

    // Once the pause is over, the source answers again.
    await sleep(1_100);
    const later = await page(['healthy', 'bk-impatient']);
    expect(later.errors).toBeUndefined();
  });

  it('holds the calls of concurrent requests to its rate: they wait for their tokens, and all succeed', async () => {
    stack.emulators.bkrepo.resetRequests();
    const started = Date.now();
    // Two different pages (a page identical to one in flight would be shared, not read again).
    const results = await Promise.all([page(['bk-slow']), page(['bk-slow'], 11)]);
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.events.sources.find((s) => s.source.name === 'bk-slow')).toMatchObject({ status: 'OK', error: null });
    }
    const arrivals = stack.emulators.bkrepo.requests().recent.map((entry) => entry.at);
    // Three streams per page, two pages: at least six calls, one every 200 ms. Sent on the
    // dot; they arrive with the loopback's jitter, so each gap is judged loosely and the
    // whole strictly.
    expect(arrivals.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(100);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual((arrivals.length - 1) * 190);
    expect(Date.now() - started).toBeGreaterThanOrEqual((arrivals.length - 1) * 190);
  });

  it('opens the circuit after three failures, fails fast without a call, probes after the delay and closes on success', async () => {
    faulty.modelarts.setKnobs({ forceStatus: 500 });
    for (let i = 0; i < 3; i++) {
      const failed = await page(['healthy', 'ma-breaker']);
      expect(expectStopped(failed, 'ma-breaker', 'UPSTREAM_UNAVAILABLE').status.error!.upstreamStatus).toBe(500);
    }
    expect(faulty.modelarts.requests().total).toBe(3);

    const open = await page(['healthy', 'ma-breaker']);
    const { status } = expectStopped(open, 'ma-breaker', 'UPSTREAM_CIRCUIT_OPEN');
    expect(status.error!.upstreamStatus).toBeNull();
    expect(faulty.modelarts.requests().total).toBe(3);

    // The upstream recovers; until the delay has passed the circuit stays open.
    faulty.modelarts.resetKnobs();
    expectStopped(await page(['healthy', 'ma-breaker']), 'ma-breaker', 'UPSTREAM_CIRCUIT_OPEN');
    expect(faulty.modelarts.requests().total).toBe(3);

    await sleep(550);
    const probed = await page(['healthy', 'ma-breaker']);
    expect(probed.errors).toBeUndefined();
    expect(probed.data!.events.sources.find((s) => s.source.name === 'ma-breaker')).toMatchObject({ status: 'OK', error: null });
    const again = await page(['healthy', 'ma-breaker']);
    expect(again.errors).toBeUndefined();
  });

  it('a source paused or open never holds up the others', async () => {
    faulty.bkrepo.setKnobs({ forceStatus: 429 });
    faulty.modelarts.setKnobs({ forceStatus: 503 });
    for (let i = 0; i < 3; i++) await page(['healthy', 'ma-breaker', 'bk-impatient']);
    const started = Date.now();
    const result = await page(['healthy', 'ma-breaker', 'bk-impatient']);
    expect(Date.now() - started).toBeLessThan(800);
    expectStopped(result, 'ma-breaker', 'UPSTREAM_CIRCUIT_OPEN');
    expectStopped(result, 'bk-impatient', 'UPSTREAM_RATE_LIMITED');
    // Let the breaker half-open again for whatever runs next.
    await sleep(550);
  });
});
