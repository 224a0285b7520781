import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { DEFAULT_LIMITS } from '../../src/server/server.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { runbookOf, startFixtureSubgraph, teamOf, type FixtureSubgraph } from './fixture-subgraph.js';

/*
 * eventgraph as a subgraph (server.federation) composed with another team's subgraph by two
 * real gateways: Hive Gateway, from a supergraph composed of the committed
 * schema/subgraph.graphql; and @apollo/gateway, introspecting both subgraphs. A query
 * through each crosses both, and the client's Authorization header reaches eventgraph, whose
 * auth, scopes and cost limit apply there.
 */

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const KEY = generateApiKey();
/** A key whose scope has no configured source. */
const NARROW_KEY = generateApiKey();
const SUBGRAPH_SDL = readFileSync(new URL('../../schema/subgraph.graphql', import.meta.url), 'utf8');

const CROSSING = /* GraphQL */ `
  query Crossing {
    events(first: 3, filter: { sources: ["modelarts"] }) {
      edges { node { __typename id summary runbook source { name team } } }
    }
  }
`;
/** Costs more than the subgraph's limit in these tests (12): two pages of 500 over every ModelArts service. */
const COSTLY = /* GraphQL */ `
  query Costly {
    newest: events(first: 500, filter: { sources: ["modelarts"] }) { edges { node { id runbook } } }
    oldest: events(first: 500, order: ASC, filter: { sources: ["modelarts"] }) { edges { node { id runbook } } }
  }
`;

interface Crossed {
  events: { edges: { node: { __typename: string; id: string; summary: string; runbook: string; source: { name: string; team: string } } }[] };
}

interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/** Hive Gateway over a supergraph composed here, forwarding the client's Authorization. */
async function startHiveGateway(eventgraphUrl: string, fixture: FixtureSubgraph): Promise<Gateway> {
  const fixtureSdl = await serviceSdl(fixture.url);
  const composed = composeServices([
    { name: 'eventgraph', typeDefs: parse(SUBGRAPH_SDL), url: eventgraphUrl },
    { name: 'fixture', typeDefs: parse(fixtureSdl), url: fixture.url },
  ]);
  if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((error) => error.message).join('; ')}`);
  const runtime = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? undefined }) },
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

/** @apollo/gateway, composing by introspection (with a key: eventgraph authenticates `_service` too), forwarding the client's Authorization. */
async function startApolloGateway(eventgraphUrl: string, fixture: FixtureSubgraph): Promise<Gateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'eventgraph', url: eventgraphUrl },
        { name: 'fixture', url: fixture.url },
      ],
      introspectionHeaders: { authorization: `Bearer ${KEY}` },
    }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
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

describe.each([
  ['Hive Gateway', startHiveGateway],
  ['@apollo/gateway with IntrospectAndCompose', startApolloGateway],
] as const)('eventgraph composed through %s', (_name, startGateway) => {
  let stack: Stack;
  let fixture: FixtureSubgraph;
  let gateway: Gateway;

  beforeAll(async () => {
    stack = await startStack({
      server: {
        federation: true,
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'oncall', hash: await hashApiKey(KEY, FAST), sources: ['*'] },
            { name: 'narrow', hash: await hashApiKey(NARROW_KEY, FAST), sources: ['prod-*'] },
          ],
        },
        limits: { ...DEFAULT_LIMITS, maxCost: 12 },
      },
    });
    fixture = await startFixtureSubgraph();
    gateway = await startGateway(stack.server.url, fixture);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await fixture?.stop();
    await stack?.close();
  });

  it('answers a query that crosses both subgraphs: the events from eventgraph, runbook and team from the other', async () => {
    const answer = await postGraphQL<Crossed>(gateway.url, CROSSING, undefined, bearer(KEY));
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.events.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(3);
    // The same events as eventgraph itself gives.
    const direct = await postGraphQL<{ events: { edges: { node: { id: string; summary: string } }[] } }>(
      stack.server.url,
      '{ events(first: 3, filter: { sources: ["modelarts"] }) { edges { node { id summary } } } }',
      undefined,
      bearer(KEY),
    );
    expect(nodes.map(({ id, summary }) => ({ id, summary }))).toEqual(direct.data!.events.edges.map((edge) => edge.node));
    for (const node of nodes) {
      expect(node.__typename).toBe('DeploymentEvent');
      expect(node.runbook).toBe(runbookOf(node.id));
      expect(node.source).toEqual({ name: 'modelarts', team: teamOf('modelarts') });
    }
    expect(fixture.references['Event']).toBeGreaterThanOrEqual(3);
  });

  it("forwards the client's Authorization: without it eventgraph refuses (UNAUTHENTICATED), with a narrow key its scope applies (FORBIDDEN)", async () => {
    const anonymous = await postGraphQL<Crossed>(gateway.url, CROSSING);
    expect(anonymous.data?.events ?? null).toBeNull();
    expect(JSON.stringify(anonymous.errors)).toContain('UNAUTHENTICATED');

    const narrow = await postGraphQL<Crossed>(gateway.url, CROSSING, undefined, bearer(NARROW_KEY));
    expect(narrow.data?.events ?? null).toBeNull();
    expect(JSON.stringify(narrow.errors)).toContain('FORBIDDEN');
  });

  it("applies eventgraph's cost limit to what the gateway asks of it (QUERY_TOO_COSTLY)", async () => {
    const costly = await postGraphQL<{ newest: unknown; oldest: unknown }>(gateway.url, COSTLY, undefined, bearer(KEY));
    expect(costly.data?.newest ?? null).toBeNull();
    expect(JSON.stringify(costly.errors)).toContain('QUERY_TOO_COSTLY');
  });
});
