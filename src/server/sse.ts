import type { RequestHandler, Response } from 'express';
import type { OperationContext } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/express';
import { principalOf } from './auth/authenticate.js';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';
import { checkSubscription, CLOSE_GRACE_MS, reformattedError, operationContext, type ConnectionSlots, type OperationRuntime } from './subscription-operation.js';

/** The SSE transport: its middleware, and its part of `stop()`. */
export interface SseSubscriptions {
  handler: RequestHandler;
  /**
   * Refuses new streams, waits for the open ones to end (the tail's close completes them),
   * and cuts those still open after a second: a client that stopped reading never lets a
   * stream's last write finish, and would hold the HTTP server's drain until its deadline.
   */
  dispose(): Promise<void>;
}

/**
 * GraphQL over Server-Sent Events (graphql-sse, its "distinct connections" mode) on the
 * GraphQL path: a request that accepts `text/event-stream` is a subscription whose events
 * come back as the response's stream, for clients behind proxies that drop WebSockets.
 *
 * Mounted after the HTTP edge's authentication and body parsing (so credentials are the
 * request's headers, and the body has the same limits as any POST), and before the
 * concurrency limit: a stream lasts as long as the client listens, and would hold a slot
 * meant for queries all that time. The connection cap bounds streams instead. Any other
 * request goes on to Apollo.
 */
export function sseSubscriptions(runtime: OperationRuntime, slots: ConnectionSlots): SseSubscriptions {
  const graphqlSse = createHandler<OperationContext>({
    schema: runtime.schema,
    // `onSubscribe` validated already, under the armor limits: not twice.
    validate: () => [],
    onSubscribe: (req, params) => {
      const checked = checkSubscription(runtime, params, 'SSE');
      // `data` tells graphql-sse that this is the answer, to be sent as the stream's one event.
      if (!('document' in checked)) return { data: null, errors: checked.map(reformattedError) };
      // The principal the edge authenticated. graphql-sse types its context as a plain record;
      // the resolvers read it as the RequestContext it is.
      const principal = principalOf(req.context.res);
      if (!principal) throw new Error('no principal: the request was not authenticated');
      return { schema: runtime.schema, ...checked, contextValue: operationContext(runtime, principal) as unknown as OperationContext };
    },
    // The errors clients see are those of the HTTP transport (codes from the layers below).
    onNext: (_ctx, _req, result) => ('errors' in result && result.errors ? { ...result, errors: result.errors.map(reformattedError) } : undefined),
  });
  const open = new Set<Response>();
  let stopping = false;
  const handler: RequestHandler = (req, res, next) => {
    if (!acceptsEventStream(req.headers.accept)) return next();
    if (stopping) {
      sendJsonError(res, 503, EdgeErrorCode.SERVICE_UNAVAILABLE, 'eventgraph is stopping', { 'Retry-After': '1' });
      return;
    }
    const release = slots.take();
    if (!release) {
      sendJsonError(res, 503, EdgeErrorCode.TOO_MANY_CONNECTIONS, slots.refusal(), { 'Retry-After': '5' });
      return;
    }
    open.add(res);
    res.once('close', () => (open.delete(res), release()));
    // A write cut short by the client leaving (or by dispose) is no error of the server's.
    graphqlSse(req, res).catch((error) => (res.destroyed ? undefined : next(error)));
  };
  return {
    handler,
    async dispose() {
      stopping = true;
      const closed = Promise.all([...open].map((res) => new Promise((resolve) => res.once('close', resolve))));
      const stragglers = setTimeout(() => open.forEach((res) => res.destroy()), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(stragglers);
    },
  };
}

/** graphql-sse answers only an exact `text/event-stream`: the same test, so that nothing else is taken. */
function acceptsEventStream(accept: string | undefined): boolean {
  return accept === 'text/event-stream';
}
