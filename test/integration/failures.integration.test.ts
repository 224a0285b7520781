import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { EventsPageDocument, SourcesDocument } from '../generated/graphql.js';
import { ANCHOR, iamCredentials, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';

/*
 * Two ModelArts sources on two emulators: "healthy" keeps answering while "faulty" is made
 * to fail every way an upstream can. The healthy source's events must always come back.
 */
describe('one failing source never fails the query', () => {
  let faulty: RunningEmulators;
  let stack: Stack;

  beforeAll(async () => {
    faulty = await startEmulators({ now: ANCHOR, seed: 2 });
    stack = await startStack({
      sources: (healthy) => [
        modelArtsSource(healthy, { name: 'healthy' }),
        modelArtsSource(faulty, { name: 'faulty', http: { retries: 1, retryBaseDelayMs: 10, timeoutMs: 400 } }),
      ],
    });
  });
  afterAll(async () => {
    await stack.close();
    await faulty.close();
  });
  afterEach(() => faulty.modelarts.resetKnobs());

  async function pageWithFault() {
    const result = await stack.gql(EventsPageDocument, { first: 25 });
    expect(result.status).toBe(200);
    const page = result.data!.events;
    expect(page.edges).toHaveLength(25);
    expect(page.edges.every((edge) => edge.node.source.name === 'healthy')).toBe(true);
    expect(page.totalCount).toBeNull();
    const healthy = page.sources.find((s) => s.source.name === 'healthy')!;
    const broken = page.sources.find((s) => s.source.name === 'faulty')!;
    expect(healthy).toMatchObject({ status: 'OK', events: 25, error: null });
    expect(broken).toMatchObject({ status: 'FAILED', events: 0 });
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error!.path).toEqual(['events']);
    expect(error!.extensions).toMatchObject({ code: broken.error!.code, source: 'faulty' });
    return { error: error!, status: broken };
  }

  it('reports a 500 as UPSTREAM_UNAVAILABLE with the upstream status, after retrying', async () => {
    faulty.modelarts.setKnobs({ forceStatus: 500 });
    faulty.modelarts.resetRequests();
    const { error, status } = await pageWithFault();
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500 });
    expect(status.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500 });
    // One service-list call, retried once.
    expect(faulty.modelarts.requests().total).toBe(2);
  });

  it('reports garbage as UPSTREAM_BAD_RESPONSE', async () => {
    faulty.modelarts.setKnobs({ malformedBody: 'invalid-json' });
    expect((await pageWithFault()).error.extensions!.code).toBe('UPSTREAM_BAD_RESPONSE');
    faulty.modelarts.setKnobs({ malformedBody: 'wrong-shape' });
    expect((await pageWithFault()).error.extensions!.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('reports silence as UPSTREAM_TIMEOUT', async () => {
    faulty.modelarts.setKnobs({ hang: true });
    expect((await pageWithFault()).error.extensions!.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('reports 429 as UPSTREAM_RATE_LIMITED', async () => {
    faulty.modelarts.setKnobs({ forceStatus: 429 });
    const { error } = await pageWithFault();
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstreamStatus: 429 });
  });

  it('keeps serving after all of that, and the failed source comes back', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 10 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.sources.every((s) => s.status === 'OK')).toBe(true);
    expect((await stack.gql(SourcesDocument, {})).data!.sources.map((s) => s.name)).toEqual(['healthy', 'faulty']);
  });

  it('resumes a source that failed on the first page: a forward walk misses nothing', async () => {
    faulty.modelarts.setKnobs({ forceStatus: 503 });
    const first = await stack.gql(EventsPageDocument, { first: 50, filter: { since: '2026-10-29T00:00:00Z' } });
    expect(first.data!.events.sources.find((s) => s.source.name === 'faulty')!.status).toBe('FAILED');
    faulty.modelarts.resetKnobs();
    const seen = first.data!.events.edges.map((edge) => edge.node.id);
    let after = first.data!.events.pageInfo.endCursor;
    for (let pages = 0; pages < 100 && after; pages += 1) {
      const result = await stack.gql(EventsPageDocument, { first: 50, after, filter: { since: '2026-10-29T00:00:00Z' } });
      expect(result.errors).toBeUndefined();
      seen.push(...result.data!.events.edges.map((edge) => edge.node.id));
      after = result.data!.events.pageInfo.hasNextPage ? result.data!.events.pageInfo.endCursor : null;
    }
    const complete = await stack.gql(EventsPageDocument, { first: 500, filter: { since: '2026-10-29T00:00:00Z' } });
    expect(complete.data!.events.totalCount).toBeLessThan(500);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(complete.data!.events.edges.map((edge) => edge.node.id).sort());
  });
});

describe('Huawei auth modes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { iam: { tokenLifetimeMs: 24 * 3600_000 } },
      sources: (emulators) => [
        modelArtsSource(emulators, { name: 'aksk' }),
        modelArtsSource(emulators, { name: 'iam', credentials: iamCredentials(emulators) }),
        modelArtsSource(emulators, { name: 'wrong-key', credentials: { type: 'aksk', accessKey: 'DEMO_AK', secretKey: 'not-the-secret' } }),
        modelArtsSource(emulators, { name: 'wrong-password', credentials: iamCredentials(emulators, { password: 'nope' }) }),
      ],
    });
  });
  afterAll(() => stack.close());

  const only = (name: string) => stack.gql(EventsPageDocument, { first: 5, filter: { sources: [name] } });

  it('reads with AK/SK signing', async () => {
    const result = await only('aksk');
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges).toHaveLength(5);
  });

  it('reads with an IAM token, and reuses the token across requests', async () => {
    stack.emulators.iam.resetRequests();
    for (let i = 0; i < 3; i += 1) {
      const result = await only('iam');
      expect(result.errors).toBeUndefined();
      expect(result.data!.events.edges).toHaveLength(5);
    }
    expect(stack.emulators.iam.requests().total).toBe(1);
  });

  it('gets a new IAM token after the old one is refused', async () => {
    await only('iam');
    stack.emulators.iam.resetRequests();
    stack.emulators.iam.tokens.clear();
    const result = await only('iam');
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges).toHaveLength(5);
    expect(stack.emulators.iam.requests().total).toBe(1);
  });

  it('reports a wrong secret key as UPSTREAM_AUTH_FAILED, with the gateway code', async () => {
    const result = await only('wrong-key');
    expect(result.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      source: 'wrong-key',
      upstreamStatus: 401,
      upstreamCode: 'APIGW.0301',
    });
    expect(result.data!.events.sources.find((s) => s.source.name === 'wrong-key')!.status).toBe('FAILED');
  });

  it('reports a wrong IAM password as UPSTREAM_AUTH_FAILED', async () => {
    const result = await only('wrong-password');
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'wrong-password', upstreamStatus: 401 });
  });

  it('merges the good sources while the bad ones fail', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 40 });
    expect(result.data!.events.edges).toHaveLength(40);
    expect(result.errors!.map((error) => error.extensions!.source).sort()).toEqual(['wrong-key', 'wrong-password']);
  });
});
