import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { DEFAULT_REQUEST_TIMEOUT_MS, RequestContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { buildEventgraphSubgraphSchema } from '../graphql/federation/subgraph-schema.js';
import { buildEventgraphSchema } from '../graphql/schema.js';
import type { EventSource } from '../timeline/event-source.js';
import { CursorCodec } from '../timeline/cursor.js';
import { Timeline } from '../timeline/timeline.js';
import type { MetricsConfig } from '../config/telemetry-config.schema.js';
import { createLogger, upstreamEventLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { operationTracing } from '../observability/operation-tracing.js';
import { subscribeUpstream } from '../upstream/upstream.telemetry.js';
import type { VendorRegistry } from '../vendors/vendor-registry.js';
import type { AuthOptions, AuthTuning } from './auth/auth-options.js';
import { authMiddleware, createAuthenticator, principalOf } from './auth/authenticate.js';
import { bodyErrors, lastErrorHandler, MAX_BODY_BYTES, notFound, requireJsonBody } from './body-errors.js';
import { concurrencyLimit } from './concurrency.js';
import { corsMiddleware } from './cors.js';
import { checkExposure, DEFAULT_HOST } from './exposure.js';
import { graphiqlRouter } from './graphiql/graphiql.route.js';
import { healthRoutes } from './health.routes.js';
import { listen } from './listen.js';
import { METRICS_PATH, metricsRoute, startMetricsServer } from './metrics.route.js';
import { inUpstreamScope, reportRequestContext, requestReportPlugin, requestTelemetry } from './request-telemetry.js';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';
import { armorProtection, type ArmorLimits } from './plugins/armor.plugin.js';
import { costLimitPlugin, type CostLimitOptions } from './plugins/cost-limit.plugin.js';
import { partialErrorsPlugin } from './plugins/partial-errors.plugin.js';
import { responseSizeLimit, type ResponseSizeOptions } from './plugins/response-size.plugin.js';
import { DEFAULT_MAX_CONCURRENT_EXPORTS, DEFAULT_MAX_EXPORT_COST, EXPORT_PATHS, exportHandler } from './export/export.route.js';
import { sseSubscriptions } from './sse.js';
import { ConnectionSlots, DEFAULT_MAX_TAIL_CONNECTIONS, type OperationRuntime } from './subscription-operation.js';
import { attachSubscriptions } from './subscriptions.js';

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
  /** See `server.maxConcurrentExports`. */
  maxConcurrentExports?: number;
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
  /** Where the request and upstream log lines go; nowhere when undefined (main.ts passes stdout's). */
  logger?: Logger;
  /** `metrics` in the configuration; no metrics are kept when undefined. */
  metrics?: MetricsConfig;
  /** A span per GraphQL operation (`tracing.enabled`); main.ts starts the OpenTelemetry SDK itself. */
  tracing?: boolean;
  /** The live tail (`eventTail`): `server.tail` in the configuration; TailHub's and the transports' defaults when absent. */
  tail?: TailServerOptions;
  /** See `server.federation`: the schema as an Apollo Federation 2 subgraph; the standalone one unless true. */
  federation?: boolean;
}

export interface TailServerOptions {
  /** Between two polls of a stream, ± 10 %; see `server.tail.intervalMs`. */
  intervalMs?: number;
  /** Per source name, an interval of its own (`tailIntervalMs` of a source). */
  sourceIntervalsMs?: Readonly<Record<string, number>>;
  /** See `server.tail.lookbackMs`. */
  lookbackMs?: number;
  /** A subscriber's buffer, in items; see `server.tail.maxBuffered`. */
  maxBuffered?: number;
  /** Open subscription connections (WebSocket and SSE together); see `server.tail.maxConnections`. */
  maxConnections?: number;
}

export type ServerLimits = ArmorLimits & CostLimitOptions & ResponseSizeOptions & { maxExportCost: number };

/** The defaults of `limits` (config/auth-config.schema.ts), for servers started without a configuration. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxCost: 1_000,
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 5_000,
  maxDirectives: 20,
  maxResponseBytes: 32 * 2 ** 20,
  maxExportCost: DEFAULT_MAX_EXPORT_COST,
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
  /** Where Prometheus scrapes; undefined when metrics are off or not served (see `metrics`). */
  readonly metricsUrl: string | undefined;
  /**
   * Stops taking connections, lets in-flight requests finish (waiting up to the queue
   * timeout plus the request timeout, and a margin), then resolves.
   */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const warn = options.warn ?? ((message: string) => console.warn(`eventgraph: warning: ${message}`));
  // Before anything is built: an exposed server without auth must not listen, not even briefly.
  const warning = checkExposure(host, options.auth);
  if (warning) warn(warning);
  const authenticator = await createAuthenticator(options.auth, options.authTuning);
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const metrics = options.metrics?.enabled ? new Metrics() : undefined;
  // The upstream events of this server's own sources: another server in the process (a
  // test's, an embedder's) has its own log and metrics.
  const ownSources = new Set<string>();
  const logUpstream = options.logger ? upstreamEventLogger(logger) : undefined;
  const stopObservingUpstream =
    metrics || logUpstream
      ? subscribeUpstream((event) => {
          if (!ownSources.has(event.source)) return;
          metrics?.observeUpstream(event);
          logUpstream?.(event);
        })
      : () => {};
  const tracing = options.tracing ? operationTracing() : undefined;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;

  const app = express();
  const httpServer = createServer(app);
  const timeline = new Timeline(new CursorCodec(options.cursorSecret), { adaptiveReads: options.adaptiveReads ?? true, tail: options.tail });
  let sources: readonly EventSource[] | undefined;

  const limits = options.limits ?? DEFAULT_LIMITS;
  const armor = armorProtection(limits);
  const responseSize = responseSizeLimit(limits);
  // One schema for every transport: the subscriptions run on the subgraph's too.
  const schema = options.federation ? await buildEventgraphSubgraphSchema(options.vendors) : await buildEventgraphSchema(options.vendors);
  const apollo = new ApolloServer<RequestContext>({
    schema,
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
      // Apollo turns inline traces (ftv1) on for a subgraph, and says so on stdout, which is
      // JSON lines: operation spans are OpenTelemetry's here (`tracing`), and resolver
      // timings are no business of whoever sends the trace header.
      ApolloServerPluginInlineTraceDisabled(),
      ...armor.plugins,
      costLimitPlugin(limits),
      partialErrorsPlugin(),
      // It measures the answer as sent, partial errors included.
      responseSize.plugin,
      ...(tracing ? [tracing.plugin] : []),
      // Last: the outcome is that of the answer as sent.
      requestReportPlugin(),
    ],
  });
  await apollo.start();

  // What both subscription transports and the exports check and run operations with.
  const operationRuntime: OperationRuntime = {
    schema,
    path: GRAPHQL_PATH,
    timeline,
    sources: () => sources,
    snapshotStepMs: options.snapshotStepMs ?? DEFAULT_SNAPSHOT_STEP_MS,
    requestTimeoutMs,
    validationRules: armor.validationRules,
    parseOptions: armor.parseOptions,
  };
  const slots = new ConnectionSlots(options.tail?.maxConnections ?? DEFAULT_MAX_TAIL_CONNECTIONS);
  metrics?.watchTail(() => ({ ...timeline.tail.stats(), connections: slots.count }));
  const sse = sseSubscriptions(operationRuntime, slots);

  const untilReady: RequestHandler = (_req, res, next) => {
    if (sources) next();
    else sendJsonError(res, 503, EdgeErrorCode.NOT_READY, 'eventgraph is starting', { 'Retry-After': '1' });
  };

  app.disable('x-powered-by');
  // First, so that preflights are answered, and refusals below carry the CORS headers a
  // browser needs to read them.
  app.use(corsMiddleware(options.corsOrigins ?? []));
  // Open, and outside the concurrency limit: an orchestrator must see a loaded server as alive.
  app.use(healthRoutes({ get ready() { return sources !== undefined; } }));
  const metricsEndpoint = metrics ? await serveMetrics(metrics, options.metrics!, authenticator.required, app, warn) : undefined;
  app.use(
    GRAPHQL_PATH,
    // The page and its files are open: the visitor pastes a credential into its headers editor.
    graphiqlRouter({ endpoint: GRAPHQL_PATH, credentials: authenticator.required }),
    // Before any refusal, so that refused requests are logged and counted too.
    requestTelemetry({ logger, metrics }),
    untilReady,
    // Before the body is read: an unauthenticated request costs no parsing.
    authMiddleware(authenticator),
    requireJsonBody(),
    express.json({ limit: MAX_BODY_BYTES }),
    bodyErrors(),
    // Subscriptions over SSE take the request here; anything else goes on to Apollo.
    sse.handler,
    // After the body is in: a client that uploads slowly holds no slot while it does.
    concurrencyLimit({ maxConcurrentRequests: options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS, queueTimeoutMs }),
    // Like the upstream scope, the operation's span must be entered after the body parser.
    ...(tracing ? [tracing.middleware] : []),
    inUpstreamScope(),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const principal = principalOf(res);
        // The auth middleware runs on every path to here; without a principal something
        // was mounted wrongly, and guessing one would be guessing a scope.
        if (!principal) throw new Error('no principal: the auth middleware did not run');
        const context = new RequestContext({
          sources: sources!,
          timeline,
          snapshotStepMs: options.snapshotStepMs ?? DEFAULT_SNAPSHOT_STEP_MS,
          principal,
          requestTimeoutMs,
        });
        return reportRequestContext(context, res);
      },
    }),
  );
  // The exports run the `events` walk themselves, one page at a time: they hold a slot of
  // their own rather than one of the requests' for minutes.
  app.get(
    [EXPORT_PATHS.ndjson, EXPORT_PATHS.csv],
    requestTelemetry({ logger, metrics }),
    untilReady,
    authMiddleware(authenticator),
    exportHandler({
      runtime: operationRuntime,
      vendors: options.vendors,
      maxExportCost: limits.maxExportCost,
      maxConcurrentExports: options.maxConcurrentExports ?? DEFAULT_MAX_CONCURRENT_EXPORTS,
      queueTimeoutMs,
      logger,
    }),
  );
  app.use(notFound());
  app.use(lastErrorHandler());

  // GraphQL over WebSocket (subscriptions: eventTail), on the same port and path.
  const subscriptions = attachSubscriptions({ ...operationRuntime, httpServer, authenticator, corsOrigins: options.corsOrigins ?? [], slots });

  await listen(httpServer, options.port, host);
  const { port } = httpServer.address() as AddressInfo;

  return {
    url: `${origin(host, port)}${GRAPHQL_PATH}`,
    port,
    authRequired: authenticator.required,
    metricsUrl: metricsEndpoint?.url(origin(host, port)),
    setSources(configured) {
      sources = configured;
      for (const source of configured) ownSources.add(source.name);
      metrics?.setSources(configured.map((source) => source.name));
    },
    async stop() {
      // WebSocket connections are not the HTTP server's to drain: closed first, their
      // subscriptions leave the tail; then whatever poller is left stops.
      await subscriptions.dispose();
      timeline.tail.close();
      // The tail's close completed the SSE streams; one whose client stopped reading would
      // hold Apollo's drain below until its deadline.
      await sse.dispose();
      await apollo.stop();
      await metricsEndpoint?.close();
      stopObservingUpstream();
    },
  };
}

/** How a client on this machine reaches a listener: a wildcard address is shown as localhost. */
function origin(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * Mounts /metrics on the main app, or starts its own listener (`metrics.port`). On the main
 * port of a server whose clients must authenticate, it is served only with a token: the
 * metrics name sources and operations, which an anonymous visitor has no business reading.
 */
async function serveMetrics(
  metrics: Metrics,
  config: MetricsConfig,
  authRequired: boolean,
  app: express.Express,
  warn: (message: string) => void,
): Promise<{ url(mainOrigin: string): string | undefined; close(): Promise<void> }> {
  const handler = metricsRoute(metrics, config.token);
  if (config.port !== undefined) {
    const host = config.host ?? DEFAULT_HOST;
    const { port, server } = await startMetricsServer(handler, config.port, host);
    return { url: () => `${origin(host, port)}${METRICS_PATH}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  if (authRequired && config.token === undefined) {
    warn('/metrics is not served: clients must authenticate, and metrics has neither a token nor a port of its own (see docs/operations.md)');
    return { url: () => undefined, close: async () => {} };
  }
  app.use(handler);
  return { url: (mainOrigin) => `${mainOrigin}${METRICS_PATH}`, close: async () => {} };
}
