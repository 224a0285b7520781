import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/*
 * Another team's subgraph, as a supergraph would have it beside eventgraph: it adds a
 * `runbook` to every event through `@interfaceObject` (it knows no event type, only the
 * Event interface's key), and a `team` to every source through Source's key.
 */

const TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

  type Event @key(fields: "id") @interfaceObject {
    id: ID!
    "Where the on-call engineer looks first."
    runbook: String!
  }

  type Source @key(fields: "name") {
    name: String!
    "Who owns the source."
    team: String!
  }
`);

/** What the fixture answers, so that a test can check it came through the gateway. */
export const runbookOf = (id: string) => `https://runbooks.example/events/${id.length}`;
export const teamOf = (name: string) => `team-${name}`;

export interface FixtureSubgraph {
  url: string;
  /** The representations `_entities` received, by __typename. */
  readonly references: Record<string, number>;
  stop(): Promise<void>;
}

export async function startFixtureSubgraph(): Promise<FixtureSubgraph> {
  const references: Record<string, number> = {};
  const seen = (typename: string) => (references[typename] = (references[typename] ?? 0) + 1);
  const schema = buildSubgraphSchema({
    typeDefs: TYPE_DEFS,
    resolvers: {
      Event: { __resolveReference: ({ id }: { id: string }) => (seen('Event'), { id, runbook: runbookOf(id) }) },
      Source: { __resolveReference: ({ name }: { name: string }) => (seen('Source'), { name, team: teamOf(name) }) },
    },
  });
  const server = new ApolloServer({ schema });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, references, stop: () => server.stop() };
}
