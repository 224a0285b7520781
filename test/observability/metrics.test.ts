import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { parsePrometheusText, samplesOf, scrape, sumOf, valueOf, type Sample } from '../helpers/prometheus-text.js';
import type { VENDORS } from '../../src/vendors/vendors.js';
import { modelArtsSource, startStack, type Stack, type StackOptions } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

/*
 * Prometheus metrics at /metrics (docs/operations.md#metrics): what the requests and the
 * upstream calls of a real server over the emulators make them say, and who may read them.
 *
 * Every Metrics instance listens to the upstream core's process-wide diagnostics channel:
 * a server counts the upstream calls of any other server open in the same process. Each
 * stack here names its sources differently from every other, so its counts are its own.
 */

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const METRICS_TOKEN = 'a-metrics-token-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, query: string, variables?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> } };
}

/** A page of events from the named sources only. */
const page = (stack: Stack, name: string, sources: string[], first = 5) =>
  post(stack.server.url, `query ${name}($f: EventFilter) { events(first: ${first}, filter: $f) { edges { node { id } } } }`, { f: { sources } });

/** Scrapes until `ready` holds: request metrics are recorded when the response closes, just after the client has it. */
async function scrapeUntil(url: string, ready: (samples: Sample[]) => boolean, headers: Record<string, string> = {}): Promise<Sample[]> {
  const until = Date.now() + 3_000;
  for (;;) {
    const samples = await scrape(url, headers);
    if (ready(samples) || Date.now() > until) return samples;
    await sleep(20);
  }
}

/** The emulator's API requests whose path matches. */
const requestsTo = (emulators: RunningEmulators, path: RegExp) => emulators.modelarts.requests().recent.filter((entry) => path.test(entry.path));
const SERVICE_LIST = /\/services$/;
const SERVICE_EVENTS = /\/services\/[^/]+\/events$/;

describe('request and upstream metrics', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      server: { metrics: { enabled: true } },
      sources: (e) => [
        modelArtsSource(e, { name: 'm-dash' }),
        tencentSource(e, { name: 'm-ccr' }),
        modelArtsSource(e, { name: 'm-cached', cacheTtlSeconds: 60 }),
        modelArtsSource(e, { name: 'm-idle' }),
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    stack.emulators.modelarts.reset();
  });

  it('serves the text format at the URL the server gives, with the process metrics', async () => {
    expect(stack.server.metricsUrl).toBe(`${new URL(stack.server.url).origin}/metrics`);
    const response = await fetch(stack.server.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE eventgraph_graphql_requests_total counter');
    expect(text).toContain('# TYPE eventgraph_upstream_circuit_state gauge');
    const samples = parsePrometheusText(text);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    // HEAD is answered too, as a scraper's probe would be.
    expect((await fetch(stack.server.metricsUrl!, { method: 'HEAD' })).status).toBe(200);
  });

  it('shows a configured source as closed before any call', async () => {
    const samples = await scrape(stack.server.metricsUrl!);
    for (const source of ['m-dash', 'm-ccr', 'm-cached', 'm-idle']) {
      expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source, state: 'closed' })).toBe(1);
      expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source, state: 'open' })).toBe(0);
      expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source, state: 'half-open' })).toBe(0);
    }
    expect(samplesOf(samples, 'eventgraph_upstream_calls_total', { source: 'm-idle' })).toEqual([]);
  });

  it('counts requests by operation and outcome, with their durations', async () => {
    for (let i = 0; i < 3; i++) expect((await page(stack, 'Dash', ['m-dash'])).body.errors).toBeUndefined();
    const invalid = await page(stack, 'Invalid', ['m-dash'], -1);
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknownField = await post(stack.server.url, 'query Unknown { nope }');
    expect(unknownField.status).toBe(400);
    const anonymous = await post(stack.server.url, '{ sources { name } }');
    expect(anonymous.body.errors).toBeUndefined();

    const samples = await scrapeUntil(stack.server.metricsUrl!, (s) => sumOf(s, 'eventgraph_graphql_requests_total') >= 6);
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: 'Dash', outcome: 'ok' })).toBe(3);
    expect(valueOf(samples, 'eventgraph_graphql_request_duration_seconds_count', { operation: 'Dash', outcome: 'ok' })).toBe(3);
    expect(valueOf(samples, 'eventgraph_graphql_request_duration_seconds_bucket', { operation: 'Dash', outcome: 'ok', le: '+Inf' })).toBe(3);
    const seconds = valueOf(samples, 'eventgraph_graphql_request_duration_seconds_sum', { operation: 'Dash', outcome: 'ok' })!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(30);
    // An invalid argument, and a document that does not validate: errors, no data.
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: 'Invalid', outcome: 'error' })).toBe(1);
    expect(sumOf(samples, 'eventgraph_graphql_requests_total', { outcome: 'error' })).toBe(2);
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: '(anonymous)', outcome: 'ok' })).toBe(1);
    expect(sumOf(samples, 'eventgraph_graphql_requests_total', { outcome: 'partial' })).toBe(0);
    expect(sumOf(samples, 'eventgraph_graphql_requests_total')).toBe(6);
  });

  it('counts upstream calls by source, API, status and code, as the emulators saw them, and when the source last answered', async () => {
    stack.emulators.modelarts.resetRequests();
    stack.emulators.tencentCcr.resetRequests();
    const calls = (samples: Sample[], source: string, api: string) => valueOf(samples, 'eventgraph_upstream_calls_total', { source, api, status: '200', code: '' }) ?? 0;
    const durations = (samples: Sample[], source: string, api: string) => valueOf(samples, 'eventgraph_upstream_call_duration_seconds_count', { source, api }) ?? 0;
    const before = await scrape(stack.server.metricsUrl!);
    const startedAt = Date.now() / 1000;
    const result = await page(stack, 'Calls', ['m-dash', 'm-ccr']);
    const endedAt = Date.now() / 1000;
    expect(result.body.errors).toBeUndefined();
    const after = await scrape(stack.server.metricsUrl!);

    // What this one request asked each emulator, and what the counters moved by.
    const lists = requestsTo(stack.emulators, SERVICE_LIST).length;
    const events = requestsTo(stack.emulators, SERVICE_EVENTS).length;
    const ccrCalls = stack.emulators.tencentCcr.requests().total;
    expect(lists).toBe(1);
    expect(events).toBeGreaterThan(0);
    expect(ccrCalls).toBeGreaterThan(0);
    expect(stack.emulators.modelarts.requests().total).toBe(lists + events);
    expect(calls(after, 'm-dash', 'ListServices') - calls(before, 'm-dash', 'ListServices')).toBe(lists);
    expect(calls(after, 'm-dash', 'ListServiceEvents') - calls(before, 'm-dash', 'ListServiceEvents')).toBe(events);
    expect(calls(after, 'm-ccr', 'ListTriggerLog') - calls(before, 'm-ccr', 'ListTriggerLog')).toBe(ccrCalls);
    // Only successes so far, in this stack.
    expect(samplesOf(after, 'eventgraph_upstream_calls_total').filter((s) => s.labels.code !== '' || s.labels.status !== '200')).toEqual([]);
    // One duration per call.
    expect(durations(after, 'm-dash', 'ListServices') - durations(before, 'm-dash', 'ListServices')).toBe(lists);
    expect(durations(after, 'm-dash', 'ListServiceEvents') - durations(before, 'm-dash', 'ListServiceEvents')).toBe(events);
    expect(durations(after, 'm-ccr', 'ListTriggerLog') - durations(before, 'm-ccr', 'ListTriggerLog')).toBe(ccrCalls);
    expect(valueOf(after, 'eventgraph_upstream_call_duration_seconds_sum', { source: 'm-ccr', api: 'ListTriggerLog' })).toBeGreaterThan(0);

    for (const source of ['m-dash', 'm-ccr']) {
      const last = valueOf(after, 'eventgraph_upstream_last_success_timestamp_seconds', { source })!;
      expect(last).toBeGreaterThanOrEqual(startedAt - 0.001);
      expect(last).toBeLessThanOrEqual(endedAt + 0.001);
    }
    // A source never read has no success to show.
    expect(valueOf(after, 'eventgraph_upstream_last_success_timestamp_seconds', { source: 'm-idle' })).toBeUndefined();
  });

  it('counts a failed call under its status and error code, and leaves the last success where it was', async () => {
    const lastBefore = valueOf(await scrape(stack.server.metricsUrl!), 'eventgraph_upstream_last_success_timestamp_seconds', { source: 'm-dash' })!;
    expect(lastBefore).toBeGreaterThan(0);
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    const result = await page(stack, 'Broken', ['m-dash', 'm-ccr']);
    expect(result.body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    const samples = await scrapeUntil(stack.server.metricsUrl!, (s) => valueOf(s, 'eventgraph_graphql_requests_total', { operation: 'Broken', outcome: 'partial' }) === 1);
    // The service list fails (no retries), so nothing else of the source is asked.
    expect(stack.emulators.modelarts.requests().total).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'm-dash', api: 'ListServices', status: '500', code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: 'Broken', outcome: 'partial' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_last_success_timestamp_seconds', { source: 'm-dash' })).toBe(lastBefore);
  });

  it('counts cache misses and hits of the cross-request cache', async () => {
    const SERVICES = 'query Services { deploymentServices(source: "m-cached", limit: 3) { count } }';
    expect((await post(stack.server.url, SERVICES)).body.data.deploymentServices.count).toBe(3);
    expect((await post(stack.server.url, SERVICES)).body.data.deploymentServices.count).toBe(3);
    expect((await post(stack.server.url, SERVICES)).body.data.deploymentServices.count).toBe(3);
    expect(stack.emulators.modelarts.requests().total).toBe(1);
    const samples = await scrape(stack.server.metricsUrl!);
    expect(valueOf(samples, 'eventgraph_upstream_cache_requests_total', { source: 'm-cached', api: 'ListServices', result: 'miss' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_cache_requests_total', { source: 'm-cached', api: 'ListServices', result: 'hit' })).toBe(2);
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'm-cached', api: 'ListServices', status: '200', code: '' })).toBe(1);
    // A source whose cache is off asks no cache.
    expect(samplesOf(samples, 'eventgraph_upstream_cache_requests_total', { source: 'm-dash' })).toEqual([]);
  });

  it('counts no rate-limit wait for a source without a rate limit', async () => {
    // The stack turns every source's rate limit off, and nothing answers 429: no call of
    // m-dash or m-ccr ever waits for a token or a pause, however many run at once. A wait
    // is what the gate slept, not the wall-clock time around it, which the other calls'
    // work on the event loop would fill.
    for (let i = 0; i < 3; i++) await page(stack, 'Unlimited', ['m-dash', 'm-ccr'], 20);
    const samples = await scrape(stack.server.metricsUrl!);
    expect(sumOf(samples, 'eventgraph_upstream_calls_total', { source: 'm-dash' })).toBeGreaterThan(10);
    expect(sumOf(samples, 'eventgraph_upstream_rate_limit_waits_total', { source: 'm-dash' })).toBe(0);
    expect(sumOf(samples, 'eventgraph_upstream_rate_limit_waits_total', { source: 'm-ccr' })).toBe(0);
  });
});

describe('retries, rate-limit waits and the circuit breaker', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      server: { metrics: { enabled: true } },
      sources: (e) => [
        modelArtsSource(e, { name: 'g-retry', http: { retries: 2, retryBaseDelayMs: 10 } }),
        modelArtsSource(e, { name: 'g-limited', http: { retries: 0, rateLimit: { perSecond: 10, burst: 1, maxWaitMs: 10_000 } } }),
        modelArtsSource(e, { name: 'g-breaker', http: { retries: 0, circuitBreaker: { failures: 2, halfOpenAfterMs: 60_000 } } }),
        modelArtsSource(e, { name: 'g-healthy', http: { retries: 0, circuitBreaker: { failures: 2, halfOpenAfterMs: 60_000 } } }),
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    stack.emulators.modelarts.reset();
  });

  it('counts a retry after a transient failure, and the call once, as the success it ended in', async () => {
    let arrived = 0;
    // The first request of the read (the service list) fails with a 500; every later one answers.
    stack.emulators.modelarts.onRequest(() => {
      arrived += 1;
      if (arrived === 1) stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
      else stack.emulators.modelarts.resetKnobs();
    });
    const result = await page(stack, 'Retried', ['g-retry']);
    expect(result.body.errors).toBeUndefined();
    expect(requestsTo(stack.emulators, SERVICE_LIST).map((entry) => entry.status)).toEqual([500, 200]);
    const samples = await scrape(stack.server.metricsUrl!);
    expect(valueOf(samples, 'eventgraph_upstream_retries_total', { source: 'g-retry', api: 'ListServices' })).toBe(1);
    expect(samplesOf(samples, 'eventgraph_upstream_retries_total', { source: 'g-retry', api: 'ListServiceEvents' })).toEqual([]);
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'g-retry', api: 'ListServices', status: '200', code: '' })).toBe(1);
    expect(sumOf(samples, 'eventgraph_upstream_calls_total', { source: 'g-retry', code: 'UPSTREAM_UNAVAILABLE' })).toBe(0);
  });

  it("counts the calls that waited for the source's rate limit, and how long they waited", async () => {
    const started = Date.now();
    const result = await page(stack, 'Limited', ['g-limited']);
    const took = (Date.now() - started) / 1000;
    expect(result.body.errors).toBeUndefined();
    const calls = stack.emulators.modelarts.requests().total;
    expect(calls).toBeGreaterThanOrEqual(3);
    const samples = await scrape(stack.server.metricsUrl!);
    // Ten a second, one at a time: every call after the first waits for its token.
    const waits = valueOf(samples, 'eventgraph_upstream_rate_limit_waits_total', { source: 'g-limited' })!;
    expect(waits).toBeGreaterThanOrEqual(calls - 1);
    expect(waits).toBeLessThanOrEqual(calls);
    const waited = valueOf(samples, 'eventgraph_upstream_rate_limit_wait_seconds_total', { source: 'g-limited' })!;
    // The k-th call waits about k tenths of a second; the request took at least the last wait.
    expect(waited).toBeGreaterThanOrEqual(0.09 * (calls - 1));
    expect(took).toBeGreaterThanOrEqual(0.09 * (calls - 1));
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'g-limited', api: 'ListServices', status: '200', code: '' })).toBe(1);
  });

  it('shows the circuit open after the failures that open it, and counts the calls it stopped', async () => {
    let samples = await scrape(stack.server.metricsUrl!);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-breaker', state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-breaker', state: 'open' })).toBe(0);

    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    for (let i = 0; i < 2; i++) {
      expect((await page(stack, 'Breaking', ['g-breaker'])).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    const stopped = await page(stack, 'Breaking', ['g-breaker']);
    expect(stopped.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(stack.emulators.modelarts.requests().total).toBe(2);

    samples = await scrape(stack.server.metricsUrl!);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-breaker', state: 'open' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-breaker', state: 'closed' })).toBe(0);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-breaker', state: 'half-open' })).toBe(0);
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'g-breaker', api: 'ListServices', status: '500', code: 'UPSTREAM_UNAVAILABLE' })).toBe(2);
    // The breaker's refusal: no call made, so no status.
    expect(valueOf(samples, 'eventgraph_upstream_calls_total', { source: 'g-breaker', api: 'ListServices', status: '', code: 'UPSTREAM_CIRCUIT_OPEN' })).toBe(1);
    // Another source with the same breaker, never called, stays closed.
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-healthy', state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'g-healthy', state: 'open' })).toBe(0);
  });
});

describe('who may read /metrics', () => {
  const stacks: Stack[] = [];
  const open = async (options: StackOptions<typeof VENDORS>) => {
    const stack = await startStack(options);
    stacks.push(stack);
    return stack;
  };
  afterEach(async () => {
    while (stacks.length) await stacks.pop()!.close();
  });

  const apiKeys = async (key: string) => [{ name: 'grafana', hash: await hashApiKey(key, FAST), sources: ['*'] }];

  it('with a token: 401 without it or with a wrong one, 200 with it; refused GraphQL requests are counted as refused', async () => {
    const key = generateApiKey();
    const stack = await open({
      server: { auth: { mode: 'required', apiKeys: await apiKeys(key) }, metrics: { enabled: true, token: METRICS_TOKEN } },
      sources: (e) => [modelArtsSource(e, { name: 't-ma' })],
    });
    const url = stack.server.metricsUrl!;
    expect(url).toBe(`${new URL(stack.server.url).origin}/metrics`);
    const wrong: Array<Record<string, string>> = [{}, { authorization: 'Bearer a-metrics-token-0123456780' }, { authorization: `Basic ${METRICS_TOKEN}` }, { authorization: METRICS_TOKEN }, { authorization: `Bearer ${key}` }];
    for (const headers of wrong) {
      const response = await fetch(url, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await response.text();
      expect(text).not.toContain('eventgraph_');
      expect(text).not.toContain(METRICS_TOKEN);
    }
    // A request refused at the edge is still counted.
    expect((await post(stack.server.url, '{ sources { name } }')).status).toBe(401);
    expect((await post(stack.server.url, 'query Mine { sources { name } }', undefined, { authorization: `Bearer ${key}` })).status).toBe(200);
    const samples = await scrapeUntil(url, (s) => sumOf(s, 'eventgraph_graphql_requests_total') >= 2, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: '(anonymous)', outcome: 'refused' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: 'Mine', outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 't-ma', state: 'closed' })).toBe(1);
  });

  it('with a port of its own: served on that listener alone, and not on the main port', async () => {
    const stack = await open({ server: { metrics: { enabled: true, port: 0 } }, sources: (e) => [modelArtsSource(e, { name: 'p-ma' })] });
    const main = new URL(stack.server.url);
    const metrics = new URL(stack.server.metricsUrl!);
    expect(metrics.pathname).toBe('/metrics');
    expect(metrics.hostname).toBe('127.0.0.1');
    expect(metrics.port).not.toBe(main.port);
    expect(Number(metrics.port)).toBeGreaterThan(0);

    expect((await post(stack.server.url, 'query Port { sources { name } }')).status).toBe(200);
    const samples = await scrapeUntil(stack.server.metricsUrl!, (s) => valueOf(s, 'eventgraph_graphql_requests_total', { operation: 'Port', outcome: 'ok' }) === 1);
    expect(valueOf(samples, 'eventgraph_graphql_requests_total', { operation: 'Port', outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'eventgraph_upstream_circuit_state', { source: 'p-ma', state: 'closed' })).toBe(1);

    const onMain = await fetch(new URL('/metrics', main));
    expect(onMain.status).toBe(404);
    expect(await onMain.text()).not.toContain('eventgraph_graphql_requests_total');
    // The metrics listener serves nothing else.
    expect((await fetch(new URL('/graphql', metrics))).status).toBe(404);
    expect((await fetch(new URL('/healthz', metrics))).status).toBe(404);
  });

  it('with auth on and neither a token nor a port: not served, with a warning', async () => {
    const warnings: string[] = [];
    const stack = await open({
      server: { auth: { mode: 'required', apiKeys: await apiKeys(generateApiKey()) }, metrics: { enabled: true }, warn: (message) => warnings.push(message) },
      sources: (e) => [modelArtsSource(e, { name: 'w-ma' })],
    });
    expect(stack.server.metricsUrl).toBeUndefined();
    expect(warnings.some((message) => message.includes('/metrics'))).toBe(true);
    const response = await fetch(new URL('/metrics', stack.server.url));
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain('eventgraph_');
  });

  it('with auth on and a port of its own: served there, without a warning', async () => {
    const warnings: string[] = [];
    const stack = await open({
      server: { auth: { mode: 'required', apiKeys: await apiKeys(generateApiKey()) }, metrics: { enabled: true, port: 0 }, warn: (message) => warnings.push(message) },
      sources: (e) => [modelArtsSource(e, { name: 'ap-ma' })],
    });
    expect(stack.server.metricsUrl).toBeDefined();
    expect(warnings).toEqual([]);
    expect(valueOf(await scrape(stack.server.metricsUrl!), 'eventgraph_upstream_circuit_state', { source: 'ap-ma', state: 'closed' })).toBe(1);
  });

  it('disabled: no URL, and /metrics is not served', async () => {
    const stack = await open({ server: { metrics: { enabled: false } }, sources: (e) => [modelArtsSource(e, { name: 'd-ma' })] });
    expect(stack.server.metricsUrl).toBeUndefined();
    expect((await fetch(new URL('/metrics', stack.server.url))).status).toBe(404);
  });
});
