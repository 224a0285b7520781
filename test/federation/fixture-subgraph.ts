import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/*
 * Another team's subgraph, as a supergraph would have it beside eventgraph. It adds a
 * `runbook` to every event through `@interfaceObject` (it knows no event type, only the
 * Event interface's key), and a `team` to every source through Source's key. Its `flagged`
 * hands out events by id only, so that a gateway has to ask eventgraph's `_entities` for
 * the rest of them (their type, summary, source): the other direction across the graph.
 */

const TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

  type Query {
    "Events the on-call engineer flagged, known here by id alone. Null items: an event may be gone, or out of the caller's scope."
    flagged: [Event]!
  }

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
  /**
   * Requests that reached this subgraph carrying a credential. The client's key is
   * eventgraph's to see: a gateway that forwards it to every subgraph hands it to each team.
   */
  readonly credentialed: () => number;
  /** What `flagged` answers from now on. */
  flag(ids: readonly string[]): void;
  stop(): Promise<void>;
}

export async function startFixtureSubgraph(): Promise<FixtureSubgraph> {
  const references: Record<string, number> = {};
  let credentialed = 0;
  let flagged: readonly string[] = [];
  const seen = (typename: string) => (references[typename] = (references[typename] ?? 0) + 1);
  const schema = buildSubgraphSchema({
    typeDefs: TYPE_DEFS,
    resolvers: {
      Query: { flagged: () => flagged.map((id) => ({ id, runbook: runbookOf(id) })) },
      Event: { __resolveReference: ({ id }: { id: string }) => (seen('Event'), { id, runbook: runbookOf(id) }) },
      Source: { __resolveReference: ({ name }: { name: string }) => (seen('Source'), { name, team: teamOf(name) }) },
    },
  });
  // Inline traces are for a GraphOS-reporting gateway; neither gateway here reports, and
  // Apollo Server would otherwise announce them on stdout in every test run.
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => {
      if (req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined) credentialed += 1;
      return {};
    },
  });
  return {
    url,
    references,
    credentialed: () => credentialed,
    flag: (ids) => void (flagged = ids),
    stop: () => server.stop(),
  };
}
