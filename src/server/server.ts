import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { DEFAULT_REQUEST_TIMEOUT_MS, RequestContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { buildEventgraphSchema } from '../graphql/schema.js';
import type { EventSource } from '../timeline/event-source.js';
import { CursorCodec } from '../timeline/cursor.js';
import { Timeline } from '../timeline/timeline.js';
import { UpstreamRequestScope } from '../upstream/upstream.scope.js';
import type { VendorRegistry } from '../vendors/vendor-registry.js';
import type { AuthOptions, AuthTuning } from './auth/auth-options.js';
import { authMiddleware, createAuthenticator, principalOf } from './auth/authenticate.js';
import { bodyErrors, lastErrorHandler, MAX_BODY_BYTES, notFound, requireJsonBody } from './body-errors.js';
import { concurrencyLimit } from './concurrency.js';
import { corsMiddleware } from './cors.js';
import { checkExposure, DEFAULT_HOST } from './exposure.js';
import { graphiqlRouter } from './graphiql/graphiql.route.js';
import { healthRoutes } from './health.routes.js';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';
import { armorProtection, type ArmorLimits } from './plugins/armor.plugin.js';
import { costLimitPlugin, type CostLimitOptions } from './plugins/cost-limit.plugin.js';
import { partialErrorsPlugin } from './plugins/partial-errors.plugin.js';
import { responseSizeLimit, type ResponseSizeOptions } from './plugins/response-size.plugin.js';

export { ExposureError } from './exposure.js';
export { AuthConfigError } from './auth/auth-options.js';
export type { AuthOptions } from './auth/auth-options.js';

export const GRAPHQL_PATH = '/graphql';

export interface ServerOptions {
  /** The vendor modules whose types and native queries the schema has. */
  vendors: VendorRegistry;
  port: number;
  /**
   * The address to listen on; loopback (127.0.0.1) when undefined. Any other address needs
   * `auth`, or startServer throws ExposureError (see exposure.ts).
   */
  host?: string;
  /**
   * Client authentication (`auth` in the configuration). Undefined: no `auth` section, which
   * serves anonymously on loopback and is refused elsewhere; `{ mode: 'none' }`: anonymous
   * anywhere, with a warning.
   */
  auth?: AuthOptions;
  /** Verifier knobs the configuration does not expose (JWKS refresh timings); tests shorten them. */
  authTuning?: AuthTuning;
  /** See `server.requestTimeoutMs`; also how long SIGTERM's drain waits at least. */
  requestTimeoutMs?: number;
  /** See `server.maxConcurrentRequests`. */
  maxConcurrentRequests?: number;
  /** See `server.queueTimeoutMs`. */
  queueTimeoutMs?: number;
  /** See `server.corsOrigins`; none when undefined. */
  corsOrigins?: readonly string[];
  /** Where start-up warnings go (auth off on purpose); console.warn by default. */
  warn?: (message: string) => void;
  cursorSecret?: string;
  /** What the snapshot time `asOf` of a first page is rounded down to; see `server.snapshotStepSeconds`. */
  snapshotStepMs?: number;
  /** See `server.adaptiveReads`; true unless false. */
  adaptiveReads?: boolean;
  /** What one request may cost and carry (`limits` in the configuration); DEFAULT_LIMITS when absent. */
  limits?: ServerLimits;
}

export type ServerLimits = ArmorLimits & CostLimitOptions & ResponseSizeOptions;

/** The defaults of `limits` (config/auth-config.schema.ts), for servers started without a configuration. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxCost: 1_000,
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 5_000,
  maxDirectives: 20,
  maxResponseBytes: 32 * 2 ** 20,
};

/** The default of `server.snapshotStepSeconds`, for servers started without a configuration. */
export const DEFAULT_SNAPSHOT_STEP_MS = 5_000;
/** The defaults of `server.maxConcurrentRequests` and `server.queueTimeoutMs`. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;
export const DEFAULT_QUEUE_TIMEOUT_MS = 2_000;
/**
 * What SIGTERM's drain waits beyond a request's own time: the answer still has to be
 * serialised and written after the deadline (Apollo's default grace is 10 s in all).
 */
const DRAIN_MARGIN_MS = 2_000;

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  readonly port: number;
  /** Sources are set up after the server listens; until then /readyz says 503. */
  setSources(sources: readonly EventSource[]): void;
  /** Whether clients must authenticate (an `auth` section other than `mode: none`). */
  readonly authRequired: boolean;
  /**
   * Stops taking connections, lets in-flight requests finish (waiting up to the queue
   * timeout plus the request timeout, and a margin), then resolves.
   */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  // Before anything is built: an exposed server without auth must not listen, not even briefly.
  const warning = checkExposure(host, options.auth);
  if (warning) (options.warn ?? console.warn)(`eventgraph: warning: ${warning}`);
  const authenticator = await createAuthenticator(options.auth, options.authTuning);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;

  const app = express();
  const httpServer = createServer(app);
  const timeline = new Timeline(new CursorCodec(options.cursorSecret), { adaptiveReads: options.adaptiveReads ?? true });
  let sources: readonly EventSource[] | undefined;

  const limits = options.limits ?? DEFAULT_LIMITS;
  const armor = armorProtection(limits);
  const responseSize = responseSizeLimit(limits);
  const apollo = new ApolloServer<RequestContext>({
    schema: await buildEventgraphSchema(options.vendors),
    validationRules: armor.validationRules,
    parseOptions: armor.parseOptions,
    stringifyResult: responseSize.stringifyResult,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM: it drains this server, then closes the emulators and exits 0.
    // Apollo's own handler would stop it too and then re-raise the signal into ours.
    stopOnTerminationSignals: false,
    plugins: [
      // A request may wait in the queue, then run to its deadline; the drain must outlast
      // both, or SIGTERM (every deploy) would cut answers a client is entitled to.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: queueTimeoutMs + requestTimeoutMs + DRAIN_MARGIN_MS }),
      // Apollo's landing page loads from a CDN; GraphiQL is served locally instead.
      ApolloServerPluginLandingPageDisabled(),
      ...armor.plugins,
      costLimitPlugin(limits),
      partialErrorsPlugin(),
      // Last: it measures the answer as sent, partial errors included.
      responseSize.plugin,
    ],
  });
  await apollo.start();

  const untilReady: RequestHandler = (_req, res, next) => {
    if (sources) next();
    else sendJsonError(res, 503, EdgeErrorCode.NOT_READY, 'eventgraph is starting', { 'Retry-After': '1' });
  };
  const inUpstreamScope: RequestHandler = (_req, _res, next) => new UpstreamRequestScope().run(next);

  app.disable('x-powered-by');
  // First, so that preflights are answered, and refusals below carry the CORS headers a
  // browser needs to read them.
  app.use(corsMiddleware(options.corsOrigins ?? []));
  // Open, and outside the concurrency limit: an orchestrator must see a loaded server as alive.
  app.use(healthRoutes({ get ready() { return sources !== undefined; } }));
  app.use(
    GRAPHQL_PATH,
    // The page and its files are open: the visitor pastes a credential into its headers editor.
    graphiqlRouter({ endpoint: GRAPHQL_PATH, credentials: authenticator.required }),
    untilReady,
    // Before the body is read: an unauthenticated request costs no parsing.
    authMiddleware(authenticator),
    requireJsonBody(),
    express.json({ limit: MAX_BODY_BYTES }),
    bodyErrors(),
    // After the body is in: a client that uploads slowly holds no slot while it does.
    concurrencyLimit({ maxConcurrentRequests: options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS, queueTimeoutMs }),
    // One upstream scope per HTTP request: identical upstream calls of the request's
    // operation share one answer, and each source's real calls are counted. Entered after
    // the body parser, whose stream callbacks would run outside it.
    inUpstreamScope,
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const principal = principalOf(res);
        // The auth middleware runs on every path to here; without a principal something
        // was mounted wrongly, and guessing one would be guessing a scope.
        if (!principal) throw new Error('no principal: the auth middleware did not run');
        return new RequestContext({
          sources: sources!,
          timeline,
          snapshotStepMs: options.snapshotStepMs ?? DEFAULT_SNAPSHOT_STEP_MS,
          principal,
          requestTimeoutMs,
        });
      },
    }),
  );
  app.use(notFound());
  app.use(lastErrorHandler());

  await listen(httpServer, options.port, host);
  const { port } = httpServer.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}${GRAPHQL_PATH}`,
    port,
    authRequired: authenticator.required,
    setSources(configured) {
      sources = configured;
    },
    stop: () => apollo.stop(),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
