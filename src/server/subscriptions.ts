import type { IncomingHttpHeaders, Server } from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Principal } from '../graphql/principal.js';
import type { Authenticator } from './auth/authenticate.js';
import { normaliseOrigin } from './cors.js';
import { checkSubscription, CLOSE_GRACE_MS, formattedError, operationContext, type ConnectionSlots, type OperationRuntime } from './subscription-operation.js';

/** What 1013 "Try Again Later" says in WebSocket close codes: not ready, too many connections, or a verifier too busy. */
const TRY_AGAIN_LATER = 1013;

export interface SubscriptionServerOptions extends OperationRuntime {
  httpServer: Server;
  /** The HTTP edge's authenticator: a connection presents the same credentials, in `connectionParams`. */
  authenticator: Authenticator;
  /** `server.corsOrigins`: the browser origins besides the server's own that may open a connection. */
  corsOrigins: readonly string[];
  /** Shared with the SSE transport. */
  slots: ConnectionSlots;
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
  // Counted once open: a handshake that fails never held a slot.
  wsServer.on('connection', (socket) => {
    const release = options.slots.take();
    if (!release) socket.close(TRY_AGAIN_LATER, closeReason(options.slots.refusal()));
    else socket.once('close', release);
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
      onSubscribe(_ctx, _id, payload) {
        const checked = checkSubscription(options, payload, 'WebSocket');
        return 'document' in checked ? { schema: options.schema, ...checked } : [...checked];
      },
      context(ctx) {
        const principal = principals.get(ctx);
        if (!principal) throw new Error('no principal: the connection was not authenticated');
        return operationContext(options, principal);
      },
      // The errors clients see are those of the HTTP transport (codes from the layers below).
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(formattedError) } : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(formattedError),
    },
    wsServer,
  );
  return {
    async dispose() {
      const closing = disposable.dispose();
      const stragglers = setTimeout(() => wsServer.clients.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
      await closing;
      clearTimeout(stragglers);
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
