import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { createLogger } from '../../src/observability/logger.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { captureLog, type LogCapture, type LogLine } from '../helpers/log-capture.js';
import { ANCHOR, iamCredentials, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

/*
 * The request log (docs/operations.md#logs): one JSON line per request to /graphql, written
 * when the response is done, refused requests included; one `warn` line per failed upstream
 * call, carrying the request's id; and nothing that is a credential, whoever sent it.
 *
 * The logger is the real one (pino, createLogger), writing to a stream the test reads. Log
 * lines are written when the response closes, which may be just after the client has read
 * it: every assertion waits for its line.
 *
 * Failed upstream calls are logged by a subscriber to a process-wide channel, so each
 * describe block runs its own stack and closes it before the next one starts.
 */

// The weakest scrypt parameters the configuration accepts: the same code path, faster.
const FAST = { N: 2 ** 14, r: 8, p: 1 };
const GRAFANA_KEY = generateApiKey();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DASH = 'query Dash($f: EventFilter) { events(first: 5, filter: $f) { edges { node { id } } sources { source { name } status upstreamCalls } } }';
const WHO = 'query Who { viewer { name } }';

interface Answer {
  status: number;
  requestId: string | null;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(url: string, query: string, variables?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const requestLines = (capture: LogCapture) => capture.lines().filter((line) => line.msg === 'request');
const failureLines = (capture: LogCapture, reqId: string) => capture.lines().filter((line) => line.msg === 'upstream call failed' && line.reqId === reqId);

function bkRepoSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  const demo = DEMO_CREDENTIALS.bkrepo;
  return {
    name: 'bk',
    kind: 'bkrepo',
    endpoint: emulators.bkrepo.url,
    credentials: { type: 'basic', username: demo.user, password: demo.password },
    scope: { projectId: demo.projectId, repositories: ['generic-local'], resourceKeyPrefix: '*', eventTypes: ['NODE_CREATED'] },
    http: { retries: 0 },
    ...overrides,
  };
}

describe('one line per request, with auth on', () => {
  let capture: LogCapture;
  let stack: Stack;

  beforeAll(async () => {
    capture = captureLog();
    stack = await startStack({
      server: {
        auth: { mode: 'required', apiKeys: [{ name: 'grafana', hash: await hashApiKey(GRAFANA_KEY, FAST), sources: ['*'] }] },
        logger: createLogger({ level: 'info', destination: capture.destination }),
      },
      sources: (e) => [modelArtsSource(e), tencentSource(e), modelArtsSource(e, { name: 'ma-cached', cacheTtlSeconds: 60 })],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => {
    stack.emulators.modelarts.resetRequests();
    stack.emulators.tencentCcr.resetRequests();
  });

  it('logs a named query once: id, operation, client, status, outcome, duration, and the upstream calls per source', async () => {
    const before = requestLines(capture).length;
    const answer = await post(stack.server.url, DASH, { f: { sources: ['modelarts', 'ccr'] } }, bearer(GRAFANA_KEY));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.events.edges).toHaveLength(5);
    expect(answer.requestId).toMatch(UUID);

    const line = await capture.requestLine(answer.requestId!);
    const maCalls = stack.emulators.modelarts.requests().total;
    const ccrCalls = stack.emulators.tencentCcr.requests().total;
    expect(maCalls).toBeGreaterThan(0);
    expect(ccrCalls).toBeGreaterThan(0);
    expect(line).toMatchObject({
      level: 30,
      service: 'eventgraph',
      msg: 'request',
      reqId: answer.requestId,
      method: 'POST',
      status: 200,
      operation: 'Dash',
      operationType: 'query',
      outcome: 'ok',
      client: 'grafana',
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs as number).toBeGreaterThan(0);
    expect(line.durationMs as number).toBeLessThan(30_000);
    expect(typeof line.time).toBe('string');
    expect(line).not.toHaveProperty('errorCodes');
    expect(line).not.toHaveProperty('aborted');
    // Exactly what the emulators were asked, source by source, and what the answer reported.
    expect(line.upstream).toEqual({
      modelarts: { calls: maCalls, errors: 0, cacheHits: 0 },
      ccr: { calls: ccrCalls, errors: 0, cacheHits: 0 },
    });
    const reported = Object.fromEntries(
      (answer.body.data.events.sources as Array<{ source: { name: string }; upstreamCalls: number }>).map((s) => [s.source.name, s.upstreamCalls]),
    );
    // The source the filter left out is listed with no call, and is absent from the log line.
    expect(reported).toEqual({ modelarts: maCalls, ccr: ccrCalls, 'ma-cached': 0 });

    // One line, and no other line for this request.
    await sleep(100);
    expect(requestLines(capture).length).toBe(before + 1);
    expect(capture.lines().filter((each) => each.reqId === answer.requestId)).toHaveLength(1);
  });

  it("keeps a client's plain x-request-id, and replaces one that is too long or not a plain token", async () => {
    const kept = await post(stack.server.url, WHO, undefined, { ...bearer(GRAFANA_KEY), 'x-request-id': 'my-id-1' });
    expect(kept.status).toBe(200);
    expect(kept.body.data).toEqual({ viewer: { name: 'grafana' } });
    expect(kept.requestId).toBe('my-id-1');
    expect(await capture.requestLine('my-id-1')).toMatchObject({ reqId: 'my-id-1', operation: 'Who', outcome: 'ok', client: 'grafana', upstream: {} });

    const tooLong = 'a'.repeat(200);
    const replaced: string[] = [];
    for (const asked of [tooLong, 'my id 1', 'id\twith-tab', 'x'.repeat(129)]) {
      const answer = await post(stack.server.url, WHO, undefined, { ...bearer(GRAFANA_KEY), 'x-request-id': asked });
      expect(answer.status).toBe(200);
      expect(answer.requestId).not.toBe(asked);
      expect(answer.requestId).toMatch(UUID);
      expect((await capture.requestLine(answer.requestId!)).operation).toBe('Who');
      replaced.push(answer.requestId!);
    }
    expect(new Set(replaced).size).toBe(replaced.length);
    // The refused ids never reach the log.
    expect(capture.text()).not.toContain(tooLong);
    expect(capture.text()).not.toContain('my id 1');
    // The longest plain token allowed is kept.
    const longest = `k${'-'.repeat(126)}k`;
    expect((await post(stack.server.url, WHO, undefined, { ...bearer(GRAFANA_KEY), 'x-request-id': longest })).requestId).toBe(longest);
  });

  it('shows the cross-request cache: a second identical read within the TTL makes no call, and counts a cache hit', async () => {
    const SERVICES = 'query Services { deploymentServices(source: "ma-cached", limit: 3) { count } }';
    const first = await post(stack.server.url, SERVICES, undefined, bearer(GRAFANA_KEY));
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.deploymentServices.count).toBe(3);
    expect(stack.emulators.modelarts.requests().total).toBe(1);
    expect((await capture.requestLine(first.requestId!)).upstream).toEqual({ 'ma-cached': { calls: 1, errors: 0, cacheHits: 0 } });

    const second = await post(stack.server.url, SERVICES, undefined, bearer(GRAFANA_KEY));
    expect(second.body.data).toEqual(first.body.data);
    expect(stack.emulators.modelarts.requests().total).toBe(1);
    expect(await capture.requestLine(second.requestId!)).toMatchObject({
      operation: 'Services',
      outcome: 'ok',
      upstream: { 'ma-cached': { calls: 0, errors: 0, cacheHits: 1 } },
    });
  });

  it('logs no call for a timeline page served again within the TTL', async () => {
    // A fixed `until`: otherwise each request's snapshot time is part of what it asks.
    const variables = { f: { sources: ['ma-cached'], until: new Date(ANCHOR).toISOString() } };
    const first = await post(stack.server.url, DASH, variables, bearer(GRAFANA_KEY));
    expect(first.body.errors).toBeUndefined();
    const called = stack.emulators.modelarts.requests().total;
    expect(called).toBeGreaterThan(0);
    const firstLine = await capture.requestLine(first.requestId!);
    expect((firstLine.upstream as Record<string, { calls: number }>)['ma-cached']!.calls).toBe(called);

    const second = await post(stack.server.url, DASH, variables, bearer(GRAFANA_KEY));
    expect(second.body.data.events.edges).toEqual(first.body.data.events.edges);
    expect(stack.emulators.modelarts.requests().total).toBe(called);
    const secondLine = await capture.requestLine(second.requestId!);
    expect(secondLine.outcome).toBe('ok');
    // Whether the page itself was kept or rebuilt from cached answers, no source was called.
    for (const summary of Object.values(secondLine.upstream as Record<string, { calls: number; errors: number }>)) {
      expect(summary).toMatchObject({ calls: 0, errors: 0 });
    }
  });

  it('logs a request refused at the edge as refused, with its status and no client', async () => {
    const refusals: Array<Record<string, string>> = [{}, bearer(generateApiKey()), { 'x-api-key': generateApiKey() }];
    for (const headers of refusals) {
      const before = requestLines(capture).length;
      const answer = await post(stack.server.url, DASH, undefined, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.requestId).toMatch(UUID);
      const line = await capture.requestLine(answer.requestId!);
      expect(line).toMatchObject({ level: 30, msg: 'request', method: 'POST', status: 401, outcome: 'refused' });
      expect(line).not.toHaveProperty('client');
      // GraphQL never ran: no operation was parsed, no upstream was touched.
      expect(line).not.toHaveProperty('operation');
      expect(line).not.toHaveProperty('upstream');
      expect(typeof line.durationMs).toBe('number');
      await sleep(50);
      expect(requestLines(capture).length).toBe(before + 1);
    }
    expect(stack.emulators.modelarts.requests().total).toBe(0);
  });
});

describe('a source failing upstream', () => {
  let capture: LogCapture;
  let stack: Stack;

  beforeAll(async () => {
    capture = captureLog();
    stack = await startStack({
      server: { logger: createLogger({ level: 'info', destination: capture.destination }) },
      sources: (e) => [tencentSource(e), modelArtsSource(e, { name: 'ma-down', http: { retries: 1, retryBaseDelayMs: 10 } })],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('makes the request partial, with the upstream code and errors, and logs each failed call at warn with the same id', async () => {
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    stack.emulators.modelarts.resetRequests();
    stack.emulators.tencentCcr.resetRequests();
    try {
      const answer = await post(stack.server.url, 'query Failing { events(first: 5) { edges { node { id } } } }');
      expect(answer.status).toBe(200);
      expect(answer.body.data.events.edges).toHaveLength(5);
      expect(answer.body.errors?.map((error) => error.extensions)).toMatchObject([{ code: 'UPSTREAM_UNAVAILABLE', source: 'ma-down' }]);

      const line = await capture.requestLine(answer.requestId!);
      expect(line).toMatchObject({
        level: 30,
        status: 200,
        operation: 'Failing',
        operationType: 'query',
        outcome: 'partial',
        client: 'anonymous',
        errorCodes: ['UPSTREAM_UNAVAILABLE'],
      });
      const upstream = line.upstream as Record<string, { calls: number; errors: number; cacheHits: number }>;
      // ModelArts' service list fails, so nothing else of it is asked: one call, two attempts.
      expect(stack.emulators.modelarts.requests().total).toBe(2);
      expect(upstream['ma-down']).toEqual({ calls: 1, errors: 1, cacheHits: 0 });
      expect(upstream.ccr).toMatchObject({ errors: 0, cacheHits: 0 });
      expect(upstream.ccr!.calls).toBe(stack.emulators.tencentCcr.requests().total);

      const failures = await capture.waitFor((all) => all.some((each) => each.msg === 'upstream call failed' && each.reqId === answer.requestId));
      const mine = failures.filter((each) => each.msg === 'upstream call failed' && each.reqId === answer.requestId);
      expect(mine).toHaveLength(upstream['ma-down']!.errors);
      for (const failure of mine) {
        expect(failure).toMatchObject({
          level: 40,
          service: 'eventgraph',
          reqId: answer.requestId,
          source: 'ma-down',
          api: 'ListServices',
          code: 'UPSTREAM_UNAVAILABLE',
          status: 500,
          attempts: 2,
        });
        expect(typeof failure.durationMs).toBe('number');
      }
      // The healthy source logged no failure.
      expect(capture.lines().some((each) => each.msg === 'upstream call failed' && each.source === 'ccr')).toBe(false);
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
  });

  it('logs an answer with errors and no data as error, with its codes', async () => {
    const answer = await post(stack.server.url, 'query Refused { events(first: -1) { edges { node { id } } } }');
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await capture.requestLine(answer.requestId!)).toMatchObject({ operation: 'Refused', outcome: 'error', errorCodes: ['BAD_USER_INPUT'] });
  });
});

describe('level', () => {
  let capture: LogCapture;
  let stack: Stack;

  beforeAll(async () => {
    capture = captureLog();
    stack = await startStack({
      server: { logger: createLogger({ level: 'warn', destination: capture.destination }) },
      sources: (e) => [tencentSource(e), modelArtsSource(e, { name: 'ma-down' })],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("at warn, drops the 'request' lines and keeps the upstream failure lines", async () => {
    const healthy = await post(stack.server.url, 'query Healthy { events(first: 3) { edges { node { id } } } }');
    expect(healthy.body.errors).toBeUndefined();

    stack.emulators.modelarts.setKnobs({ forceStatus: 503 });
    try {
      const failing = await post(stack.server.url, 'query Failing { events(first: 3) { edges { node { id } } } }');
      expect(failing.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      const lines = await capture.waitFor((all) => all.some((line) => line.reqId === failing.requestId));
      await sleep(100);
      expect(capture.lines().filter((line) => line.msg === 'request')).toEqual([]);
      expect(capture.lines().some((line) => line.reqId === healthy.requestId)).toBe(false);
      const failure = lines.find((line) => line.reqId === failing.requestId)!;
      expect(failure).toMatchObject({ level: 40, msg: 'upstream call failed', source: 'ma-down', code: 'UPSTREAM_UNAVAILABLE', status: 503 });
      expect(capture.lines().every((line) => line.level >= 40)).toBe(true);
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
  });
});

describe('redaction', () => {
  const WRONG_IAM_PASSWORD = 'Wrong#IamPassw0rd-7d1e5a';
  const WRONG_BK_PASSWORD = 'Wrong#Bkrepo-3c9a0f';
  const WRONG_TENCENT_SECRET = 'wrongTencentSecretKey0x5b2e9c11';
  let capture: LogCapture;
  let stack: Stack;

  beforeAll(async () => {
    capture = captureLog();
    stack = await startStack({
      emulators: { iam: { tokenLifetimeMs: 24 * 3600_000 } },
      server: {
        auth: { mode: 'required', apiKeys: [{ name: 'grafana', hash: await hashApiKey(GRAFANA_KEY, FAST), sources: ['*'] }] },
        logger: createLogger({ level: 'info', destination: capture.destination }),
      },
      sources: (e) => [
        modelArtsSource(e, { name: 'ma-aksk' }),
        modelArtsSource(e, { name: 'ma-iam', credentials: iamCredentials(e) }),
        modelArtsSource(e, { name: 'ma-iam-wrong', credentials: iamCredentials(e, { password: WRONG_IAM_PASSWORD }) }),
        bkRepoSource(e),
        bkRepoSource(e, { name: 'bk-wrong', credentials: { type: 'basic', username: DEMO_CREDENTIALS.bkrepo.user, password: WRONG_BK_PASSWORD } }),
        tencentSource(e),
        tencentSource(e, { name: 'ccr-wrong', credentials: { secretId: DEMO_CREDENTIALS.tencent.secretId, secretKey: WRONG_TENCENT_SECRET } }),
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('never writes the API key, a source credential or a bearer header, whatever fails', async () => {
    // The upstreams fail with 500s first, then the wrong credentials are refused.
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    stack.emulators.bkrepo.setKnobs({ forceStatus: 500 });
    const ids: string[] = [];
    try {
      const broken = await post(stack.server.url, DASH, undefined, bearer(GRAFANA_KEY));
      expect(broken.status).toBe(200);
      expect(broken.body.errors!.length).toBeGreaterThan(0);
      ids.push(broken.requestId!);
    } finally {
      stack.emulators.modelarts.resetKnobs();
      stack.emulators.bkrepo.resetKnobs();
    }
    const refused = await post(stack.server.url, DASH, undefined, { 'x-api-key': GRAFANA_KEY });
    expect(refused.status).toBe(200);
    const failedSources = refused.body.errors!.map((error) => error.extensions?.source).sort();
    expect(failedSources).toEqual(['bk-wrong', 'ccr-wrong', 'ma-iam-wrong']);
    ids.push(refused.requestId!);
    const wrongKey = generateApiKey();
    const unauthenticated = await post(stack.server.url, DASH, undefined, bearer(wrongKey));
    expect(unauthenticated.status).toBe(401);
    ids.push(unauthenticated.requestId!);
    for (const id of ids) await capture.requestLine(id);

    // Not vacuous: the lines are there, naming the client and every failing source.
    expect(await capture.requestLine(ids[0]!)).toMatchObject({ client: 'grafana', outcome: 'partial' });
    const failed = new Set(capture.lines().filter((line) => line.msg === 'upstream call failed').map((line) => `${line.source} ${line.code}`));
    for (const expected of [
      'ma-aksk UPSTREAM_UNAVAILABLE',
      'ma-iam UPSTREAM_UNAVAILABLE',
      'bk UPSTREAM_UNAVAILABLE',
      'ma-iam-wrong UPSTREAM_AUTH_FAILED',
      'bk-wrong UPSTREAM_AUTH_FAILED',
      'ccr-wrong UPSTREAM_AUTH_FAILED',
    ]) {
      expect(failed).toContain(expected);
    }
    expect(failureLines(capture, ids[1]!).length).toBeGreaterThanOrEqual(3);

    const output = capture.text();
    for (const secret of [
      GRAFANA_KEY,
      wrongKey,
      DEMO_CREDENTIALS.huawei.secretKey,
      DEMO_CREDENTIALS.huawei.password,
      WRONG_IAM_PASSWORD,
      DEMO_CREDENTIALS.bkrepo.password,
      WRONG_BK_PASSWORD,
      DEMO_CREDENTIALS.tencent.secretKey,
      WRONG_TENCENT_SECRET,
      'Bearer ',
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('censors credential headers and secret fields, whoever logs them', () => {
    const unit = captureLog();
    const logger = createLogger({ level: 'info', destination: unit.destination });
    logger.info({ headers: { authorization: 'x', accept: 'application/json' } }, 'one');
    logger.info({ req: { headers: { cookie: 'c', 'x-api-key': 'k', host: 'h' } } }, 'two');
    logger.info({ password: 'p', user: 'u' }, 'three');
    logger.info({ source: { secretKey: 's', token: 't', name: 'n' }, headers: { 'proxy-authorization': 'pa', 'x-api-key': 'xk' } }, 'four');
    const [one, two, three, four] = unit.lines() as [LogLine, LogLine, LogLine, LogLine];
    expect(one.headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect(two.req).toEqual({ headers: { cookie: '[redacted]', 'x-api-key': '[redacted]', host: 'h' } });
    expect(three).toMatchObject({ password: '[redacted]', user: 'u', msg: 'three' });
    expect(four).toMatchObject({
      source: { secretKey: '[redacted]', token: '[redacted]', name: 'n' },
      headers: { 'proxy-authorization': '[redacted]', 'x-api-key': '[redacted]' },
    });
  });
});
