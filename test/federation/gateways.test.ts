import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { GraphQLError, parse, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { DEFAULT_LIMITS } from '../../src/server/server.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { modelArtsSource, postGraphQL, startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import { runbookOf, startFixtureSubgraph, teamOf, type FixtureSubgraph } from './fixture-subgraph.js';

/*
 * eventgraph as a subgraph (server.federation) composed with another team's subgraph by two
 * real gateways: Hive Gateway, from a supergraph composed of the committed
 * schema/subgraph.graphql; and @apollo/gateway, introspecting both subgraphs. Queries through
 * each cross both subgraphs in both directions (eventgraph's events gaining the other's
 * fields; the other's event ids resolved by eventgraph's `_entities`), and the client's
 * Authorization reaches eventgraph, whose auth, scopes and cost limit apply there.
 */

const FAST = { N: 2 ** 14, r: 8, p: 1 };
/** Every source. */
const KEY = generateApiKey();
/** HSS and CSMS: ModelArts is outside its scope. */
const NARROW_KEY = generateApiKey();
/** The gateway's own, to read `_service` when composing: a scope with no source in it. */
const COMPOSER_KEY = generateApiKey();
const SUBGRAPH_SDL = readFileSync(new URL('../../schema/subgraph.graphql', import.meta.url), 'utf8');
/**
 * `events` costs 11 over ModelArts (10 guessed services and its service list), 1 over HSS
 * and 1 over CSMS, 13 unfiltered whoever asks: the estimate counts every configured source,
 * not the caller's (docs/limits.md). One page fits; two, or one and three lookups, do not.
 */
const MAX_COST = 13;
const SOURCES = ['hss', 'csms', 'modelarts'] as const;

const huawei = DEMO_CREDENTIALS.huawei;
const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };
const hssSource = (e: RunningEmulators) => ({ name: 'hss', kind: 'huawei-hss', endpoint: e.hss.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } });
const csmsSource = (e: RunningEmulators) => ({ name: 'csms', kind: 'huawei-csms', endpoint: e.csms.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } });

/** Starts at eventgraph, and asks the other subgraph for runbook and team. */
const CROSSING = /* GraphQL */ `
  query Crossing {
    events(first: 3, filter: { sources: ["modelarts"] }) {
      edges { node { __typename id summary runbook source { name team } } }
    }
  }
`;
/** Starts at the other subgraph, and asks eventgraph's `_entities` for type, summary and source (then the other again for team). */
const FLAGGED = /* GraphQL */ `
  query Flagged {
    flagged { __typename id summary runbook source { name team } }
  }
`;
/** Two pages of 11 in one request to eventgraph: over the limit. */
const COSTLY = /* GraphQL */ `
  query Costly {
    newest: events(first: 500, filter: { sources: ["modelarts"] }) { edges { node { id runbook } } }
    oldest: events(first: 500, order: ASC, filter: { sources: ["modelarts"] }) { edges { node { id runbook } } }
  }
`;

interface Node {
  __typename: string;
  id: string;
  summary: string;
  runbook: string;
  source: { name: string; team: string };
}

interface Gateway {
  url: string;
  stop(): Promise<void>;
}

interface GatewayKind {
  start(eventgraphUrl: string, fixture: FixtureSubgraph): Promise<Gateway>;
  /**
   * Whether eventgraph's errors in an entity fetch reach the client. Hive Gateway (runtime
   * 2.12) drops them: an event it cannot resolve is a null item, with no error, or with its
   * own "Abstract type Event was resolved to a non-object type" when only some items are.
   */
  entityFetchErrorsReachClient: boolean;
}

/** Hive Gateway over a supergraph composed here, forwarding the client's Authorization to eventgraph. */
async function startHiveGateway(eventgraphUrl: string, fixture: FixtureSubgraph): Promise<Gateway> {
  // Composed from the committed SDL, as a deployment would (it is what `npm test` checks the
  // server serves): nothing to introspect, so no key for composition. The fixture has no
  // auth, so its SDL is read from it.
  const composed = composeServices([
    { name: 'eventgraph', typeDefs: parse(SUBGRAPH_SDL), url: eventgraphUrl },
    { name: 'fixture', typeDefs: parse(await serviceSdl(fixture.url)), url: fixture.url },
  ]);
  if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((error) => error.message).join('; ')}`);
  const runtime = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    propagateHeaders: {
      // To eventgraph only: the client's key is no business of the other subgraphs.
      fromClientToSubgraphs: ({ request, subgraphName }) => (subgraphName === 'eventgraph' ? { authorization: request.headers.get('authorization') } : {}),
    },
    // Hive Gateway masks subgraph errors as "Unexpected error." by default: eventgraph's codes
    // are what a client acts on (docs/federation.md).
    maskedErrors: false,
    logging: false,
  });
  const server = createServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    stop: async () => {
      await runtime.dispose();
      await closeServer(server);
    },
  };
}

interface ClientContext {
  authorization?: string;
}

/** How @apollo/gateway talks to eventgraph: with the client's Authorization, and with eventgraph's own errors when it refuses a request. */
class EventgraphDataSource extends RemoteGraphQLDataSource<ClientContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<ClientContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }

  /**
   * eventgraph refuses a whole request with a 4xx and a GraphQL body (401 UNAUTHENTICATED,
   * 400 QUERY_TOO_COSTLY). The stock data source reports only the status, "400: Bad
   * Request" with code INTERNAL_SERVER_ERROR, and buries the body under
   * extensions.response; a client would have no code to act on.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const stock = await super.errorFromResponse(response);
    const body = (stock.extensions.response as { body?: { errors?: GraphQLFormattedError[] } } | undefined)?.body;
    const first = typeof body === 'object' ? body?.errors?.[0] : undefined;
    if (!first) return stock;
    return new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: 'eventgraph', response: { status: response.status } } });
  }
}

/** @apollo/gateway composing by introspection, forwarding the client's Authorization to eventgraph. */
async function startApolloGateway(eventgraphUrl: string, fixture: FixtureSubgraph): Promise<Gateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'eventgraph', url: eventgraphUrl },
        { name: 'fixture', url: fixture.url },
      ],
      // eventgraph authenticates `_service` like any query. The gateway has a key of its own
      // for composing, which reads no source; the fixture gets none.
      introspectionHeaders: (service): Record<string, string> => (service.name === 'eventgraph' ? { authorization: `Bearer ${COMPOSER_KEY}` } : {}),
    }),
    buildService: ({ name, url }) => (name === 'eventgraph' ? new EventgraphDataSource({ url }) : new RemoteGraphQLDataSource({ url })),
  });
  const server = new ApolloServer<ClientContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}

async function serviceSdl(url: string): Promise<string> {
  const answer = await postGraphQL<{ _service: { sdl: string } }>(url, '{ _service { sdl } }');
  return answer.data!._service.sdl;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const codesOf = (result: GraphQLResult<unknown>) => (result.errors ?? []).map((error) => error.extensions?.code);

describe.each([
  ['Hive Gateway', { start: startHiveGateway, entityFetchErrorsReachClient: false }],
  ['@apollo/gateway with IntrospectAndCompose', { start: startApolloGateway, entityFetchErrorsReachClient: true }],
] as [string, GatewayKind][])('eventgraph composed through %s', (_name, kind) => {
  let stack: Stack;
  let fixture: FixtureSubgraph;
  let gateway: Gateway;
  /** The newest event of each source, as eventgraph itself answers it. */
  const newest = {} as Record<(typeof SOURCES)[number], { __typename: string; id: string; summary: string }>;
  /** What a gateway should answer for an event of eventgraph's. */
  const crossed = (event: { __typename: string; id: string; summary: string }, source: string): Node => ({
    ...event,
    runbook: runbookOf(event.id),
    source: { name: source, team: teamOf(source) },
  });
  const through = <R>(query: string, key?: string) => postGraphQL<R>(gateway.url, query, undefined, key ? bearer(key) : {});

  beforeAll(async () => {
    stack = await startStack({
      sources: (e) => [hssSource(e), csmsSource(e), modelArtsSource(e)],
      server: {
        federation: true,
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'oncall', hash: await hashApiKey(KEY, FAST), sources: ['*'] },
            { name: 'huawei-security', hash: await hashApiKey(NARROW_KEY, FAST), sources: ['hss', 'csms'] },
            { name: 'gateway-composition', hash: await hashApiKey(COMPOSER_KEY, FAST), sources: ['composition-only'] },
          ],
        },
        limits: { ...DEFAULT_LIMITS, maxCost: MAX_COST },
      },
    });
    for (const source of SOURCES) {
      const page = await postGraphQL<{ events: { edges: { node: { __typename: string; id: string; summary: string } }[] } }>(
        stack.server.url,
        'query($source: String!) { events(first: 1, filter: { sources: [$source] }) { edges { node { __typename id summary } } } }',
        { source },
        bearer(KEY),
      );
      expect(page.errors).toBeUndefined();
      newest[source] = page.data!.events.edges[0]!.node;
    }
    fixture = await startFixtureSubgraph();
    gateway = await kind.start(stack.server.url, fixture);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await fixture?.stop();
    await stack?.close();
  });

  beforeEach(() => {
    fixture.flag(SOURCES.map((source) => newest[source].id));
    for (const source of SOURCES) stack.emulators[source].resetRequests();
  });

  it('answers a query that starts at eventgraph: its events, with runbook and team from the other subgraph', async () => {
    const answer = await through<{ events: { edges: { node: Node }[] } }>(CROSSING, KEY);
    expect(answer.errors).toBeUndefined();
    const direct = await postGraphQL<{ events: { edges: { node: { __typename: string; id: string; summary: string } }[] } }>(
      stack.server.url,
      '{ events(first: 3, filter: { sources: ["modelarts"] }) { edges { node { __typename id summary } } } }',
      undefined,
      bearer(KEY),
    );
    expect(direct.data!.events.edges).toHaveLength(3);
    expect(answer.data!.events.edges.map((edge) => edge.node)).toEqual(direct.data!.events.edges.map((edge) => crossed(edge.node, 'modelarts')));
    expect(fixture.references['Event']).toBeGreaterThanOrEqual(3);
  });

  it("answers a query that starts at the other subgraph: eventgraph's _entities gives each event's type, summary and source", async () => {
    const answer = await through<{ flagged: (Node | null)[] }>(FLAGGED, KEY);
    expect(answer.errors).toBeUndefined();
    // An ImageEvent, a SecretNotificationEvent and a DeploymentEvent: the concrete types of
    // `__typename: "Event"` representations, which only eventgraph knows.
    expect(answer.data!.flagged).toEqual(SOURCES.map((source) => crossed(newest[source], source)));
    expect(new Set(answer.data!.flagged.map((node) => node!.__typename)).size).toBe(3);
  });

  it("forwards the client's Authorization, to eventgraph only: without it eventgraph's part fails with UNAUTHENTICATED", async () => {
    const anonymous = await through<{ events: unknown }>(CROSSING);
    expect(anonymous.data?.events ?? null).toBeNull();
    expect(codesOf(anonymous)).toEqual(['UNAUTHENTICATED']);

    // Starting at the other subgraph, nothing of eventgraph's comes back either.
    const flagged = await through<{ flagged: (Node | null)[] }>(FLAGGED);
    expect(flagged.data?.flagged).toEqual([null, null, null]);
    if (kind.entityFetchErrorsReachClient) expect(codesOf(flagged)).toEqual(['UNAUTHENTICATED']);

    const authenticated = await through<{ events: unknown; flagged: unknown }>(
      '{ events(first: 3) { edges { node { id runbook source { name team } } } } flagged { id summary runbook } }',
      KEY,
    );
    expect(authenticated.errors).toBeUndefined();
    // Composition included: neither gateway handed a credential to the other subgraph.
    expect(fixture.credentialed()).toBe(0);
    for (const source of SOURCES) expect(stack.emulators[source].requests().total).toBeGreaterThan(0);
  });

  it('keeps a scoped key to its sources, in both directions', async () => {
    const sources = await through<{ sources: { name: string; team: string }[] }>('{ sources { name team } }', NARROW_KEY);
    expect(sources.errors).toBeUndefined();
    expect([...sources.data!.sources].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'csms', team: teamOf('csms') },
      { name: 'hss', team: teamOf('hss') },
    ]);

    const page = await through<{ events: { edges: { node: Node }[] } }>('{ events(first: 6) { edges { node { __typename id summary runbook source { name team } } } } }', NARROW_KEY);
    expect(page.errors).toBeUndefined();
    const nodes = page.data!.events.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(6);
    for (const node of nodes) {
      expect(['hss', 'csms']).toContain(node.source.name);
      expect(node).toEqual(crossed(node, node.source.name));
    }

    const outside = await through<{ events: unknown }>(CROSSING, NARROW_KEY);
    expect(outside.data?.events ?? null).toBeNull();
    expect(outside.errors).toHaveLength(1);
    expect(outside.errors![0]).toMatchObject({ path: ['events'], extensions: { code: 'FORBIDDEN', argument: 'filter' } });

    // The ModelArts event the other subgraph points at is null for this key, and eventgraph
    // did not look it up.
    const flagged = await through<{ flagged: (Node | null)[] }>(FLAGGED, NARROW_KEY);
    expect(flagged.data!.flagged).toEqual([crossed(newest.hss, 'hss'), crossed(newest.csms, 'csms'), null]);
    expect(stack.emulators.modelarts.requests().total).toBe(0);
  });

  it("applies eventgraph's cost limit to each request the gateway sends it (QUERY_TOO_COSTLY), not to the client's whole query", async () => {
    const costly = await through<{ newest: unknown; oldest: unknown }>(COSTLY, KEY);
    expect(costly.data?.newest ?? null).toBeNull();
    expect(costly.errors).toHaveLength(1);
    expect(costly.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost: 22, limit: MAX_COST });
    // Refused before any resolver: no upstream call.
    expect(stack.emulators.modelarts.requests().total).toBe(0);

    // 11 for the page and 3 for the flagged events: 14 in one request to eventgraph, refused...
    const reads = `events(first: 3, filter: { sources: ["modelarts"] }) { edges { node { id } } }`;
    const lookups = SOURCES.map((source, i) => `e${i}: event(id: "${newest[source].id}") { id }`).join(' ');
    const direct = await postGraphQL(stack.server.url, `{ ${reads} ${lookups} }`, undefined, bearer(KEY));
    expect(codesOf(direct)).toEqual(['QUERY_TOO_COSTLY']);
    expect(direct.errors![0]!.extensions).toMatchObject({ cost: 14, limit: MAX_COST });
    // ...but two through the gateway, the page and the `_entities` fetch, each within it.
    const split = await through<{ events: { edges: unknown[] }; flagged: ({ id: string; summary: string } | null)[] }>(`{ ${reads} flagged { id summary } }`, KEY);
    expect(split.errors).toBeUndefined();
    expect(split.data!.events.edges).toHaveLength(3);
    expect(split.data!.flagged).toEqual(SOURCES.map((source) => ({ id: newest[source].id, summary: newest[source].summary })));
  });
});
