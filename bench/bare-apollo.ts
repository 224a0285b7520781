import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';

/**
 * The yardstick for throughput: Apollo Server 5 with eventgraph's public schema (the
 * committed SDL) whose `events` resolver returns a prebuilt answer, eventgraph's own
 * answer to the same document. Same HTTP stack (Express 5, the same middleware), same
 * query text, same response bytes; everything eventgraph adds (planning, upstream calls
 * or cache lookups, merging, cursors, mapping) is what the ratio measures.
 */
export interface BareApollo {
  url: string;
  stop(): Promise<void>;
}

export async function startBareApollo(events: unknown): Promise<BareApollo> {
  const typeDefs = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
  const app = express();
  const httpServer = createServer(app);
  const apollo = new ApolloServer({
    typeDefs,
    // Interfaces resolve through `__typename`, which the prebuilt events carry.
    resolvers: { Query: { events: () => events } },
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  app.disable('x-powered-by');
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, stop: () => apollo.stop() };
}
