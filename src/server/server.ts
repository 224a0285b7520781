import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { RequestContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { buildEventgraphSchema } from '../graphql/schema.js';
import type { EventSource } from '../timeline/event-source.js';
import { CursorCodec } from '../timeline/cursor.js';
import { Timeline } from '../timeline/timeline.js';
import { UpstreamRequestScope } from '../upstream/upstream.scope.js';
import type { VendorRegistry } from '../vendors/vendor-registry.js';
import { graphiqlRouter } from './graphiql/graphiql.route.js';
import { healthRoutes } from './health.routes.js';
import { partialErrorsPlugin } from './plugins/partial-errors.plugin.js';

export const GRAPHQL_PATH = '/graphql';

export interface ServerOptions {
  /** The vendor modules whose types and native queries the schema has. */
  vendors: VendorRegistry;
  port: number;
  /** Undefined listens on every interface. */
  host?: string;
  cursorSecret?: string;
  /** What the snapshot time `asOf` of a first page is rounded down to; see `server.snapshotStepSeconds`. */
  snapshotStepMs?: number;
  /** See `server.adaptiveReads`; true unless false. */
  adaptiveReads?: boolean;
}

/** The default of `server.snapshotStepSeconds`, for servers started without a configuration. */
export const DEFAULT_SNAPSHOT_STEP_MS = 5_000;

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  readonly port: number;
  /** Sources are set up after the server listens; until then /readyz says 503. */
  setSources(sources: readonly EventSource[]): void;
  /** Stops taking connections, lets in-flight requests finish, then resolves. */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = express();
  const httpServer = createServer(app);
  const timeline = new Timeline(new CursorCodec(options.cursorSecret), { adaptiveReads: options.adaptiveReads ?? true });
  let sources: readonly EventSource[] | undefined;

  const apollo = new ApolloServer<RequestContext>({
    schema: await buildEventgraphSchema(options.vendors),
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM: it drains this server, then closes the emulators and exits 0.
    // Apollo's own handler would stop it too and then re-raise the signal into ours.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's landing page loads from a CDN; GraphiQL is served locally instead.
      ApolloServerPluginLandingPageDisabled(),
      partialErrorsPlugin(),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.use(healthRoutes({ get ready() { return sources !== undefined; } }));
  app.use(
    GRAPHQL_PATH,
    graphiqlRouter({ endpoint: GRAPHQL_PATH }),
    (_req, res, next) => {
      if (sources) next();
      else res.status(503).json({ errors: [{ message: 'eventgraph is starting', extensions: { code: 'NOT_READY' } }] });
    },
    express.json({ limit: '1mb' }),
    // One upstream scope per HTTP request: identical upstream calls of the request's
    // operation share one answer, and each source's real calls are counted. Entered after
    // the body parser, whose stream callbacks would run outside it.
    (_req, _res, next) => new UpstreamRequestScope().run(next),
    expressMiddleware(apollo, {
      context: async () => new RequestContext({ sources: sources!, timeline, snapshotStepMs: options.snapshotStepMs ?? DEFAULT_SNAPSHOT_STEP_MS }),
    }),
  );

  await listen(httpServer, options.port, options.host);
  const { port } = httpServer.address() as AddressInfo;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${GRAPHQL_PATH}`,
    port,
    setSources(configured) {
      sources = configured;
    },
    stop: () => apollo.stop(),
  };
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
