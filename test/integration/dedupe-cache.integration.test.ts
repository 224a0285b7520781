import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

/**
 * Deduplication within a request and the short cache across requests, counted where it
 * matters: at the emulators' request logs, and in what `sources.upstreamCalls` reports.
 */

const huawei = DEMO_CREDENTIALS.huawei;
const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };

function hssSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  return { name: 'hss', kind: 'huawei-hss', endpoint: emulators.hss.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 }, ...overrides };
}

function csmsSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  return { name: 'csms', kind: 'huawei-csms', endpoint: emulators.csms.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 }, ...overrides };
}

/** The emulators whose requests are all GETs, so that path and query tell pages apart. */
const GET_EMULATORS = ['modelarts', 'tencentCcr', 'hss', 'csms'] as const;
/** Tencent signs in the query; these change on every call of the same question. */
const SIGNING = new Set(['Nonce', 'Timestamp', 'Signature', 'SignatureMethod', 'SecretId', 'Token']);

function wireRequests(stack: Stack): string[] {
  return GET_EMULATORS.flatMap((name) =>
    stack.emulators[name].requests().recent.map((entry) => {
      const query = new URLSearchParams(entry.query);
      for (const param of SIGNING) query.delete(param);
      query.sort();
      return `${name} ${entry.method} ${entry.path}?${query.toString()}`;
    }),
  );
}

function resetRequests(stack: Stack): void {
  for (const name of GET_EMULATORS) stack.emulators[name].resetRequests();
}

interface Panel {
  edges: Array<{ node: { id: string } }>;
  sources: Array<{ source: { name: string }; status: string; upstreamCalls: number }>;
}

const PANEL_FIELDS = 'edges { node { id } } sources { source { name } status upstreamCalls }';
const SOURCES = ['modelarts', 'ccr', 'hss', 'csms'];
/** Pins the end of the window, so that separate requests ask the same pages. */
const UNTIL = new Date(ANCHOR).toISOString();

const reported = (panels: Panel[]) => panels.flatMap((panel) => panel.sources).reduce((sum, status) => sum + status.upstreamCalls, 0);

describe('within one request', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The stack switches the cross-request cache off: what is shared here is the request's own.
    stack = await startStack({ sources: (e) => [modelArtsSource(e), tencentSource(e), hssSource(e), csmsSource(e)] });
  });
  afterAll(() => stack.close());
  beforeEach(() => resetRequests(stack));

  it('three aliased panels over the same sources call the upstream once per distinct stream page', async () => {
    const panel = () =>
      stack.gql<{ a: Panel }, unknown>(`query($f: EventFilter) { a: events(first: 30, filter: $f) { ${PANEL_FIELDS} } }`, {
        f: { sources: SOURCES, until: UNTIL },
      });
    // Read once first, so that the read plan asks the panels what it asks the single one.
    await panel();
    resetRequests(stack);
    const single = await panel();
    expect(single.errors).toBeUndefined();
    const alone = wireRequests(stack);
    expect(new Set(alone).size).toBe(alone.length);
    expect(alone.length).toBeGreaterThan(SOURCES.length);
    expect(reported([single.data!.a])).toBe(alone.length);

    resetRequests(stack);
    const dashboard = await stack.gql<{ a: Panel; b: Panel; c: Panel }, unknown>(
      `query($f: EventFilter) {
        a: events(first: 30, filter: $f) { ${PANEL_FIELDS} }
        b: events(first: 30, filter: $f) { ${PANEL_FIELDS} }
        c: events(first: 30, filter: $f) { ${PANEL_FIELDS} }
      }`,
      { f: { sources: SOURCES, until: UNTIL } },
    );
    expect(dashboard.errors).toBeUndefined();
    const { a, b, c } = dashboard.data!;
    expect(b.edges).toEqual(a.edges);
    expect(c.edges).toEqual(a.edges);
    const calls = wireRequests(stack);
    expect([...calls].sort()).toEqual([...alone].sort());
    expect(new Set(calls).size).toBe(calls.length);
    // Each call is reported once, by the panel that made it.
    expect(reported([a, b, c])).toBe(calls.length);
    expect(a.sources.every((status) => status.status === 'OK')).toBe(true);
  });

  it('panels that overlap share the pages they have in common', async () => {
    const dashboard = await stack.gql<{ a: Panel; b: Panel; c: Panel }, unknown>(
      `query($f: EventFilter, $g: EventFilter) {
        a: events(first: 10, filter: $f) { ${PANEL_FIELDS} }
        b: events(first: 10, filter: $f, order: ASC) { ${PANEL_FIELDS} }
        c: events(first: 10, filter: $g) { ${PANEL_FIELDS} }
      }`,
      { f: { sources: SOURCES }, g: { sources: ['modelarts', 'hss'] } },
    );
    expect(dashboard.errors).toBeUndefined();
    const calls = wireRequests(stack);
    expect(new Set(calls).size).toBe(calls.length);
    // Each call once, on whichever panel asked first: panel c asks nothing that a does not.
    expect(reported(Object.values(dashboard.data!))).toBe(calls.length);
  });

  it('two event(id) lookups of the same event make one upstream call', async () => {
    const seed = await stack.gql<{ events: Panel }, unknown>(`{ events(first: 1, filter: { sources: ["modelarts"] }) { ${PANEL_FIELDS} } }`);
    const id = seed.data!.events.edges[0]!.node.id;
    resetRequests(stack);
    const result = await stack.gql<{ x: { id: string } | null; y: { id: string } | null }, { id: string }>(
      'query($id: ID!) { x: event(id: $id) { id } y: event(id: $id) { id } }',
      { id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ x: { id }, y: { id } });
    expect(stack.emulators.modelarts.requests().total).toBe(1);
  });
});

describe('across requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sources: (e) => [
        modelArtsSource(e, { name: 'ma-cached', cacheTtlSeconds: 60 }),
        tencentSource(e, { name: 'ccr-cached', cacheTtlSeconds: 60 }),
        modelArtsSource(e, { name: 'ma-brief', cacheTtlSeconds: 0.3 }),
        modelArtsSource(e, { name: 'ma-off', cacheTtlSeconds: 0 }),
        modelArtsSource(e, { name: 'ma-faulty', cacheTtlSeconds: 60 }),
        modelArtsSource(e, { name: 'ma-listed', cacheTtlSeconds: 0, serviceListTtlSeconds: 60 }),
        modelArtsSource(e, { name: 'ma-mixed', cacheTtlSeconds: 0.3, serviceListTtlSeconds: 60 }),
      ],
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    resetRequests(stack);
    stack.emulators.modelarts.resetKnobs();
  });

  // A fixed `until`: without one, each request pins its own snapshot time, which is part
  // of the upstream request (end_time), and two requests would not ask the same question.
  const page = async (source: string) => {
    const result = await stack.gql<{ events: Panel }, unknown>(`query($f: EventFilter) { events(first: 5, filter: $f) { ${PANEL_FIELDS} } }`, {
      f: { sources: [source], until: new Date(ANCHOR).toISOString() },
    });
    return { result, panel: result.data?.events, calls: wireRequests(stack).length };
  };

  it('answers a second identical request from the cache, whatever its signature (AK/SK date, Tencent nonce)', async () => {
    for (const source of ['ma-cached', 'ccr-cached']) {
      resetRequests(stack);
      const first = await page(source);
      expect(first.result.errors).toBeUndefined();
      expect(first.calls).toBeGreaterThan(0);
      expect(reported([first.panel!])).toBe(first.calls);
      const second = await page(source);
      expect(second.panel!.edges).toEqual(first.panel!.edges);
      expect(second.calls).toBe(first.calls);
      expect(reported([second.panel!])).toBe(0);
    }
  });

  it('calls again once the TTL has passed', async () => {
    const first = await page('ma-brief');
    expect(first.calls).toBeGreaterThan(0);
    expect((await page('ma-brief')).calls).toBe(first.calls);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const late = await page('ma-brief');
    expect(late.calls).toBe(2 * first.calls);
    expect(reported([late.panel!])).toBe(first.calls);
  });

  it('calls every time with the cache off', async () => {
    const first = await page('ma-off');
    expect(first.calls).toBeGreaterThan(0);
    const second = await page('ma-off');
    expect(second.calls).toBe(2 * first.calls);
    expect(reported([second.panel!])).toBe(first.calls);
  });

  it('never caches a failure', async () => {
    stack.emulators.modelarts.setKnobs({ forceStatus: 503 });
    const failed = await page('ma-faulty');
    expect(failed.result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'ma-faulty' });
    expect(failed.panel!.sources.find((status) => status.source.name === 'ma-faulty')).toMatchObject({ status: 'FAILED', upstreamCalls: 1 });
    stack.emulators.modelarts.resetKnobs();
    const recovered = await page('ma-faulty');
    expect(recovered.result.errors).toBeUndefined();
    expect(recovered.panel!.edges).toHaveLength(5);
    expect(recovered.calls).toBeGreaterThan(failed.calls);
  });

  it('keeps the ModelArts service list for serviceListTtlSeconds, so the event calls of a later page start at once', async () => {
    const serviceListCalls = () => wireRequests(stack).filter((line) => /\/services\?/.test(line)).length;
    const first = await page('ma-listed');
    expect(first.result.errors).toBeUndefined();
    expect(serviceListCalls()).toBe(1);
    const second = await page('ma-listed');
    expect(second.panel!.edges).toEqual(first.panel!.edges);
    // The events are read again (their cache is off); the list is not.
    expect(serviceListCalls()).toBe(1);
    expect(second.calls).toBe(2 * first.calls - 1);
    expect(reported([second.panel!])).toBe(first.calls - 1);
  });

  it('serves a page again only while every answer it was built from may serve', async () => {
    const serviceListCalls = () => wireRequests(stack).filter((line) => /\/services\?/.test(line)).length;
    const first = await page('ma-mixed');
    expect(first.result.errors).toBeUndefined();
    const again = await page('ma-mixed');
    expect(again.panel).toEqual({ ...first.panel, sources: first.panel!.sources.map((s) => ({ ...s, upstreamCalls: 0 })) });
    expect(again.calls).toBe(first.calls);
    // The events' answers have expired, the service list's has not: the page is built
    // again, from new event answers and the kept list.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const late = await page('ma-mixed');
    expect(late.panel!.edges).toEqual(first.panel!.edges);
    expect(serviceListCalls()).toBe(1);
    expect(late.calls).toBe(2 * first.calls - 1);
  });
});
