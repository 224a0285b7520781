import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';
import { TRACER_NAME } from '../upstream/upstream.telemetry.js';
import { summarizeAnswer } from './graphql-answer.js';

/** The name of a request's span until its operation is known (and for good if it never is: a syntax error). */
const INITIAL_SPAN_NAME = 'graphql';

export interface OperationTracing {
  /** Goes on the GraphQL route after the body parser, beside the upstream request scope. */
  middleware: RequestHandler;
  /** Goes in Apollo Server's `plugins`; names the middleware's span after the operation. */
  plugin: ApolloServerPlugin<any>;
}

/**
 * One SERVER span per GraphQL HTTP request, the parent of everything the request does
 * (resolvers, the timeline's reads, upstream calls), named after its operation once Apollo
 * has resolved it: `query Dashboard`, or `query` for an anonymous one.
 *
 * The middleware starts the span, runs the rest of the request in a context where it is
 * active, and ends it when the response has been sent or the connection closed. The plugin's
 * hooks run inside that context and find the span with `trace.getActiveSpan()`; they touch
 * only a span this middleware made. The two come from one call and work together.
 *
 * Attributes: `http.request.method`, `url.path`, `http.response.status_code`;
 * `graphql.operation.type`, `graphql.operation.name` (when the operation has one);
 * `graphql.errors.count`, and `eventgraph.error_codes` (the distinct `extensions.code` of
 * the answer's errors, comma-joined) when there are errors. A 5xx answer sets the status to
 * ERROR. The error counts are those of the answer as sent: Apollo calls the plugins'
 * `willSendResponse` hooks together, and others after this one in the list may still add
 * errors (partialErrorsPlugin) or replace the answer (the response size limit), so the
 * hook records the answer and the counts are read from it when the response ends.
 *
 * An incoming `traceparent` is not honoured: clients are not trusted to choose the trace, or
 * with the parent-based sampler, whether it is sampled.
 */
export function operationTracing(): OperationTracing {
  /** The spans the middleware made, with the answer Apollo sent once it is known. */
  const answers = new WeakMap<Span, { response?: GraphQLResponse }>();

  const ours = (span: Span | undefined): span is Span => span !== undefined && answers.has(span);

  const middleware: RequestHandler = (req, res, next) => {
    const span = trace.getTracer(TRACER_NAME).startSpan(INITIAL_SPAN_NAME, {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_URL_PATH]: req.originalUrl.split('?', 1)[0],
      },
    });
    const state: { response?: GraphQLResponse } = {};
    answers.set(span, state);

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (res.headersSent) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
        if (res.statusCode >= 500) {
          span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      if (state.response) setErrorAttributes(span, state.response);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);

    context.with(trace.setSpan(context.active(), span), next);
  };

  const plugin: ApolloServerPlugin<any> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName }) {
          const span = trace.getActiveSpan();
          if (!ours(span) || !operation) return;
          const type = operation.operation;
          span.updateName(operationName ? `${type} ${operationName}` : type);
          span.setAttribute('graphql.operation.type', type);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async willSendResponse({ response }) {
          const span = trace.getActiveSpan();
          if (!ours(span)) return;
          // Read when the response ends (see above), by which time every plugin is done with it.
          answers.get(span)!.response = response;
        },
      };
    },
  };

  return { middleware, plugin };
}

function setErrorAttributes(span: Span, response: GraphQLResponse): void {
  const { errorCount, errorCodes } = summarizeAnswer(response.body);
  span.setAttribute('graphql.errors.count', errorCount);
  if (errorCount > 0) span.setAttribute('eventgraph.error_codes', errorCodes.join(','));
}
