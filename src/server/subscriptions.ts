import type { IncomingHttpHeaders, Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { RequestContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import type { Principal } from '../graphql/principal.js';
import type { EventSource } from '../timeline/event-source.js';
import type { Timeline } from '../timeline/timeline.js';
import type { Authenticator } from './auth/authenticate.js';
import { normaliseOrigin } from './cors.js';

/** What 1013 "Try Again Later" says in WebSocket close codes: not ready, or a verifier too busy. */
const TRY_AGAIN_LATER = 1013;

export interface SubscriptionServerOptions {
  httpServer: Server;
  path: string;
  /** The schema Apollo serves: the same object, so both transports answer the same contract. */
  schema: GraphQLSchema;
  /** The HTTP edge's authenticator: a connection presents the same credentials, in `connectionParams`. */
  authenticator: Authenticator;
  timeline: Timeline;
  /** The configured sources; undefined until the server is ready (then connections are refused). */
  sources(): readonly EventSource[] | undefined;
  snapshotStepMs: number;
  requestTimeoutMs: number;
  /** The shape limits of the HTTP transport (armor: depth, aliases, directives) and its token limit. */
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
  /** `server.corsOrigins`: the browser origins besides the server's own that may open a connection. */
  corsOrigins: readonly string[];
}

export interface SubscriptionServer {
  /** Closes every connection (their subscriptions leave the tail) and the WebSocket server. */
  dispose(): Promise<void>;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the HTTP server's port and path: what
 * `eventTail` is served over. A connection authenticates once, in `connectionParams`
 * (`Authorization: 'Bearer <key or token>'`, or `authorization`, or `x-api-key`), with the
 * HTTP edge's authenticator; each subscription then gets a RequestContext of its own for
 * that principal, like an HTTP request.
 */
export function attachSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const allowedOrigins = new Set(options.corsOrigins.map(normaliseOrigin));
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    // Browsers do not apply CORS to WebSocket: any page could open a connection, and with
    // auth off (loopback) read the tail. A browser's handshake carries its page's Origin:
    // the server's own, or one of `server.corsOrigins`, may connect; others get 403.
    // Clients that are not browsers send none and pass, as over HTTP.
    verifyClient: ({ origin, req }, done) => {
      if (origin === undefined || allowedOrigins.has(origin) || sameHost(origin, req.headers.host)) done(true);
      else done(false, 403, 'this origin may not call eventgraph from a browser (see server.corsOrigins)');
    },
  });
  const principals = new WeakMap<object, Principal>();
  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema: options.schema,
      async onConnect(ctx) {
        const socket = ctx.extra.socket;
        if (options.sources() === undefined) {
          socket.close(TRY_AGAIN_LATER, 'eventgraph is starting');
          return false;
        }
        const outcome = await options.authenticator.authenticate(headersOf(ctx.connectionParams));
        if (outcome.ok) {
          principals.set(ctx, outcome.principal);
          return true;
        }
        // Closed here with the reason (graphql-ws's own refusal, 4403, would say only "Forbidden");
        // the close after `false` is then a no-op. Messages say what was wrong, never what was presented.
        socket.close(outcome.status === 401 ? CloseCode.Unauthorized : TRY_AGAIN_LATER, closeReason(outcome.message));
        return false;
      },
      // Subscriptions only, under the HTTP transport's shape limits. Queries are served by POST
      // /graphql alone, where the concurrency limit, the cost limit, the deadline and the
      // response cap apply; none of those is wired here.
      onSubscribe(_ctx, _id, payload) {
        let document: DocumentNode;
        try {
          document = parse(payload.query, options.parseOptions);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(options.schema, document, [...specifiedRules, ...options.validationRules]);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify the operation: name it in operationName', { extensions: { code: 'BAD_REQUEST' } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError(`only subscriptions are served over WebSocket; send a ${operation.operation} to POST ${options.path}`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        return { schema: options.schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context(ctx) {
        const principal = principals.get(ctx);
        if (!principal) throw new Error('no principal: the connection was not authenticated');
        return new RequestContext({
          sources: options.sources()!,
          timeline: options.timeline,
          snapshotStepMs: options.snapshotStepMs,
          principal,
          requestTimeoutMs: options.requestTimeoutMs,
        });
      },
      // The errors clients see are those of the HTTP transport (codes from the layers below).
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(formatted) } : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatted),
    },
    wsServer,
  );
  return {
    async dispose() {
      await disposable.dispose();
    },
  };
}

/** `connectionParams` as the headers the authenticator reads; any case of the three names. */
function headersOf(params: Record<string, unknown> | undefined): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'x-api-key') continue;
    if (typeof value !== 'string') continue;
    const known = headers[lower];
    // Two spellings of one name are two credentials, as a repeated header is: refused if they differ.
    headers[lower] = known === undefined ? value : ([] as string[]).concat(known, value);
  }
  // A repeated name is a list, which the authenticator refuses as a repeated header.
  return headers as IncomingHttpHeaders;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** A close reason is at most 123 bytes. */
function closeReason(message: string): string {
  const bytes = Buffer.from(message);
  return bytes.length <= 123 ? message : `${bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

function formatted(error: GraphQLError): GraphQLFormattedError {
  return formatError(error.toJSON(), error);
}
