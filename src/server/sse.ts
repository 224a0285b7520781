import type { RequestHandler } from 'express';
import type { OperationContext } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/express';
import { principalOf } from './auth/authenticate.js';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';
import { checkSubscription, reformattedError, subscriptionContext, type ConnectionSlots, type SubscriptionRuntime } from './subscription-operation.js';

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
export function sseSubscriptions(runtime: SubscriptionRuntime, slots: ConnectionSlots): RequestHandler {
  const handler = createHandler<OperationContext>({
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
      return { schema: runtime.schema, ...checked, contextValue: subscriptionContext(runtime, principal) as unknown as OperationContext };
    },
    // The errors clients see are those of the HTTP transport (codes from the layers below).
    onNext: (_ctx, _req, result) => ('errors' in result && result.errors ? { ...result, errors: result.errors.map(reformattedError) } : undefined),
  });
  return (req, res, next) => {
    if (!acceptsEventStream(req.headers.accept)) return next();
    const release = slots.take();
    if (!release) {
      sendJsonError(res, 503, EdgeErrorCode.TOO_MANY_CONNECTIONS, slots.refusal(), { 'Retry-After': '5' });
      return;
    }
    res.once('close', release);
    handler(req, res).catch(next);
  };
}

/** graphql-sse answers only an exact `text/event-stream`: the same test, so that nothing else is taken. */
function acceptsEventStream(accept: string | undefined): boolean {
  return accept === 'text/event-stream';
}
