import { ApolloServer } from '@apollo/server';
import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { RequestContext } from '../../src/graphql/context.js';
import { estimateOperationCost } from '../../src/graphql/cost/operation-cost.js';
import { ASSUMED_STREAMS, sourcePageCost } from '../../src/graphql/cost/source-cost.js';
import { formatError } from '../../src/graphql/errors.js';
import type { Principal } from '../../src/graphql/principal.js';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { costLimitPlugin, QUERY_TOO_COSTLY } from '../../src/server/plugins/cost-limit.plugin.js';
import type { EventSource } from '../../src/timeline/event-source.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { ModelArtsSource } from '../../src/vendors/huawei-modelarts/modelarts.source.js';
import { builtInVendors } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';

/*
 * The cost estimate (src/graphql/cost, docs/limits.md) over one source of each vendor, read
 * from the configuration alone: nothing here has an upstream, and nothing needs one.
 */

const vendors = builtInVendors();
// Nothing listens there: a call would fail the test with an upstream error, not pass it.
const NOWHERE = 'http://127.0.0.1:9';
const huawei = {
  credentials: { type: 'aksk', accessKey: DEMO_CREDENTIALS.huawei.accessKey, secretKey: DEMO_CREDENTIALS.huawei.secretKey },
};

function sourcesOf(documents: unknown[]): EventSource[] {
  return vendors.createSources(parseConfig({ sources: documents }, 'cost test', vendors.configSchema));
}

/**
 * One source of each vendor:
 * - ccr: 3 repositories, 100 a call;
 * - hss: 1 stream, 200 a call;
 * - csms: 1 stream, one call whatever the page;
 * - modelarts: 2 named services, 1000 a call, and the service list;
 * - bkrepo: 2 repositories × 3 event types, 1000 a call.
 */
const SOURCES = [
  {
    name: 'ccr',
    kind: 'tencent-ccr',
    endpoint: NOWHERE,
    credentials: { secretId: 'id', secretKey: 'key' },
    scope: { region: 'ap-guangzhou', repositories: ['ns/a', 'ns/b', 'ns/c'] },
  },
  { name: 'hss', kind: 'huawei-hss', endpoint: NOWHERE, ...huawei, scope: { projectId: 'p' } },
  { name: 'csms', kind: 'huawei-csms', endpoint: NOWHERE, ...huawei, scope: { projectId: 'p' } },
  { name: 'modelarts', kind: 'huawei-modelarts', endpoint: NOWHERE, ...huawei, scope: { projectId: 'p', services: ['s1', 's2'] } },
  {
    name: 'bkrepo',
    kind: 'bkrepo',
    endpoint: NOWHERE,
    credentials: { type: 'basic', username: 'u', password: 'p' },
    scope: { projectId: 'p', repositories: ['r1', 'r2'], eventTypes: ['NODE_CREATED', 'NODE_DOWNLOADED', 'NODE_DELETED'] },
  },
];

/** Per source, for one page of `size`: what the model says by hand. */
function handCost(size: number): Record<string, number> {
  const pages = (max: number) => Math.max(1, Math.ceil((size + 2) / max));
  return { ccr: 3 * pages(100), hss: pages(200), csms: 1, modelarts: 2 * pages(1000) + 1, bkrepo: 6 * pages(1000) };
}
const sum = (costs: Record<string, number>) => Object.values(costs).reduce((a, b) => a + b, 0);

let schema: GraphQLSchema;
let sources: EventSource[];

beforeAll(async () => {
  schema = await buildEventgraphSchema(vendors);
  sources = sourcesOf(SOURCES);
});

function cost(query: string, variables?: Record<string, unknown>, over: readonly EventSource[] = sources) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return estimateOperationCost({ schema, document, operation, variables, sources: over });
}

describe('the sources say what a page costs them', () => {
  it('from their configuration', () => {
    expect(Object.fromEntries(sources.map((source) => [source.name, source.estimateStreams?.()]))).toEqual({
      ccr: { streams: 3, maxPageSize: 100 },
      hss: { streams: 1, maxPageSize: 200 },
      csms: { streams: 1, maxPageSize: Number.POSITIVE_INFINITY },
      modelarts: { streams: 2, maxPageSize: 1000, listingCalls: 1 },
      bkrepo: { streams: 6, maxPageSize: 1000 },
    });
  });

  it('a ModelArts source that names no services is guessed, a bk-repo one counts every public event type', () => {
    const [modelarts, bkrepo] = sourcesOf([
      { ...SOURCES[3], scope: { projectId: 'p' } },
      { ...SOURCES[4], scope: { projectId: 'p', repositories: ['r1'] } },
    ]);
    expect(modelarts!.estimateStreams!().streams).toBe(ModelArtsSource.ESTIMATED_SERVICES);
    expect(bkrepo!.estimateStreams!().streams).toBe(12);
  });

  it('a page is ceil((size + 2) / largest page) calls a stream, and one at least', () => {
    expect(sourcePageCost({ streams: 3, maxPageSize: 100 }, 98)).toBe(3);
    expect(sourcePageCost({ streams: 3, maxPageSize: 100 }, 99)).toBe(6);
    expect(sourcePageCost({ streams: 3, maxPageSize: 100 }, 500)).toBe(18);
    expect(sourcePageCost({ streams: 1, maxPageSize: Number.POSITIVE_INFINITY }, 500)).toBe(1);
    expect(sourcePageCost({ streams: 2, maxPageSize: 1000, listingCalls: 1 }, 0)).toBe(3);
  });
});

describe('the estimate of a document', () => {
  it('one panel: every source, 20 events by default', () => {
    expect(cost('{ events { edges { node { id } } } }')).toEqual({ cost: sum(handCost(20)), fields: [{ responseKey: 'events', field: 'events', cost: 14 }] });
    expect(cost('{ events(first: 500) { totalCount } }').cost).toBe(sum(handCost(500)));
    expect(cost('{ events(last: 150, before: "x") { totalCount } }').cost).toBe(sum(handCost(150)));
  });

  it('a filter that rules sources out leaves them out, as the timeline does', () => {
    expect(cost('{ events(first: 500, filter: { kinds: [TRIGGER] }) { totalCount } }').cost).toBe(handCost(500).ccr);
    expect(cost('{ events(first: 500, filter: { vendors: [HUAWEI_CLOUD] }) { totalCount } }').cost).toBe(3 + 1 + 3);
    expect(cost('{ events(first: 50, filter: { sources: ["bkrepo", "hss"] }) { totalCount } }').cost).toBe(6 + 1);
    // Outcomes, actor and time are the streams' to skip: the estimate keeps them.
    expect(cost('{ events(filter: { outcomes: [FAILURE], actor: "x" }) { totalCount } }').cost).toBe(sum(handCost(20)));
  });

  it('every alias is a field of its own', () => {
    const panels = '{ a: events(first: 50) { totalCount } b: events(first: 500) { totalCount } c: events(first: 10, filter: { kinds: [AUDIT] }) { totalCount } }';
    expect(cost(panels)).toEqual({
      cost: sum(handCost(50)) + sum(handCost(500)) + 6,
      fields: [
        { responseKey: 'a', field: 'events', cost: sum(handCost(50)) },
        { responseKey: 'b', field: 'events', cost: sum(handCost(500)) },
        { responseKey: 'c', field: 'events', cost: 6 },
      ],
    });
  });

  it('fragments, spread or inline, are followed; one response key runs once', () => {
    const query = `
      query Dashboard { ...Panels ... on Query { c: events(first: 500) { totalCount } } ...Panels }
      fragment Panels on Query { a: events(first: 500) { totalCount } ...More }
      fragment More on Query { b: events(first: 500) { totalCount } a: events(first: 500) { edges { cursor } } }`;
    expect(cost(query).fields.map((field) => field.responseKey)).toEqual(['a', 'b', 'c']);
    expect(cost(query).cost).toBe(3 * sum(handCost(500)));
  });

  it('variables are resolved, defaults included, and @skip/@include obeyed', () => {
    const query = `query ($n: Int = 500, $kinds: [EventKind!], $filter: EventFilter, $skip: Boolean!) {
      a: events(first: $n, filter: { kinds: $kinds }) { totalCount }
      b: events(last: $n, filter: $filter) { totalCount }
      c: events(first: 500) @skip(if: $skip) { totalCount }
      d: events(first: 500) @include(if: $skip) { totalCount }
    }`;
    const result = cost(query, { kinds: ['IMAGE', 'SECRET_NOTIFICATION'], filter: { sources: ['modelarts'] }, skip: true });
    expect(result.fields).toEqual([
      { responseKey: 'a', field: 'events', cost: 3 + 1 },
      { responseKey: 'b', field: 'events', cost: 3 },
      { responseKey: 'd', field: 'events', cost: sum(handCost(500)) },
    ]);
    expect(cost(query, { n: 20, skip: false }).cost).toBe(2 * sum(handCost(20)) + sum(handCost(500)));
  });

  it('native queries and event(id) are one call each; sources, viewer and introspection none', () => {
    const query = `{
      triggerLogs(source: "ccr", repoName: "ns/a") { totalCount }
      other: triggerLogs(source: "ccr", repoName: "ns/b") { totalCount }
      deploymentServices { totalCount }
      event(id: "x") { id }
      sources { name }
      __typename
      __schema { queryType { name } }
    }`;
    expect(cost(query).cost).toBe(4);
  });

  it('arguments the timeline refuses before any call, and variables that do not coerce, cost nothing', () => {
    expect(cost('{ events(first: 501) { totalCount } }').cost).toBe(0);
    expect(cost('{ events(first: 5, last: 5) { totalCount } }').cost).toBe(0);
    expect(cost('query ($n: Int!) { events(first: $n) { totalCount } }', { n: 'many' }).cost).toBe(0);
    expect(cost('query ($n: Int!) { events(first: $n) { totalCount } }', {}).cost).toBe(0);
  });

  it('a source that does not estimate itself is one stream of small pages', () => {
    const plain: EventSource = { name: 'plain', kind: 'MEMORY', vendor: 'MEMORY', endpoint: 'memory:', openSession: () => { throw new Error('no session in an estimate'); } };
    expect(cost('{ events(first: 500) { totalCount } }', undefined, [plain]).cost).toBe(sourcePageCost(ASSUMED_STREAMS, 500));
    expect(sourcePageCost(ASSUMED_STREAMS, 500)).toBe(6);
  });

  it('the 500-alias document, about 25 KB, is estimated in milliseconds', () => {
    const text = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: events(first: 500) { edges { node { id } } }`).join(' ')} }`;
    expect(text.length).toBeGreaterThan(25_000);
    const document = parse(text);
    const operation = getOperationAST(document)!;
    const runs: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const started = performance.now();
      const result = estimateOperationCost({ schema, document, operation, sources });
      runs.push(performance.now() - started);
      expect(result.cost).toBe(500 * sum(handCost(500)));
    }
    // The median: a test machine running other suites delays single runs, not most.
    expect(runs.sort((a, b) => a - b)[4]).toBeLessThan(50);
  });
});

describe('the cost-limit plugin', () => {
  async function serverWith(maxCost: number) {
    const server = new ApolloServer<RequestContext>({ schema, formatError, plugins: [costLimitPlugin({ maxCost })] });
    await server.start();
    return server;
  }
  function contextFor(principal?: Principal) {
    return new RequestContext({ sources, timeline: new Timeline(new CursorCodec('cost-test')), snapshotStepMs: 0, ...(principal ? { principal } : {}) });
  }
  const PANELS = '{ a: events(first: 500) { totalCount } b: events(first: 500) { totalCount } }';

  it('refuses above the global limit, before any resolver, with the estimate and the limit', async () => {
    const server = await serverWith(40);
    try {
      const response = await server.executeOperation({ query: PANELS }, { contextValue: contextFor() });
      expect(response.http.status).toBe(400);
      expect(response.body.kind).toBe('single');
      const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
      expect(result?.data).toBeUndefined();
      expect(result?.errors).toHaveLength(1);
      expect(result?.errors?.[0]?.extensions).toEqual({ code: QUERY_TOO_COSTLY, cost: 2 * sum(handCost(500)), limit: 40 });
      expect(result?.errors?.[0]?.message).toMatch(/about 62 upstream calls, over the limit of 40; the costliest field, a, is 31/);
    } finally {
      await server.stop();
    }
  });

  it("takes the caller's own limit when it is lower, and only then", async () => {
    const server = await serverWith(1000);
    try {
      const refused = await server.executeOperation({ query: PANELS }, { contextValue: contextFor({ name: 'dashboards', sources: ['*'], maxCost: 50 }) });
      expect(refused.http.status).toBe(400);
      const errors = refused.body.kind === 'single' ? refused.body.singleResult.errors : undefined;
      expect(errors?.[0]?.extensions).toEqual({ code: QUERY_TOO_COSTLY, cost: 62, limit: 50 });
      expect(errors?.[0]?.message).toContain("over this caller's limit of 50");

      // Within the caller's limit: the operation runs (an id that is no id fails without a call).
      const within = await server.executeOperation({ query: '{ event(id: "nope") { id } }' }, { contextValue: contextFor({ name: 'dashboards', sources: ['*'], maxCost: 50 }) });
      const error = within.body.kind === 'single' ? within.body.singleResult.errors?.[0] : undefined;
      expect(error?.extensions?.code).toBe('BAD_USER_INPUT');

      const higher = await serverWith(40);
      try {
        const response = await higher.executeOperation({ query: PANELS }, { contextValue: contextFor({ name: 'big', sources: ['*'], maxCost: 5000 }) });
        const extensions = response.body.kind === 'single' ? response.body.singleResult.errors?.[0]?.extensions : undefined;
        expect(extensions).toEqual({ code: QUERY_TOO_COSTLY, cost: 62, limit: 40 });
      } finally {
        await higher.stop();
      }
    } finally {
      await server.stop();
    }
  });
});
