import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import type { RequestContext } from '../graphql/context.js';
import { summarizeAnswer } from '../observability/graphql-answer.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics, RequestOutcome } from '../observability/metrics.js';
import { UpstreamRequestScope } from '../upstream/upstream.scope.js';
import { principalOf } from './auth/authenticate.js';

/**
 * One record per request to the GraphQL endpoint, filled as it goes: the id when it arrives,
 * the upstream scope when it is admitted, the operation and outcome when Apollo answers. When
 * the response is done it becomes one log line and the request metrics, so both always agree.
 */
export interface RequestReport {
  readonly id: string;
  operation?: string;
  operationType?: string;
  /**
   * Apollo's answer. Read when the response is done, not when Apollo hands it to plugins:
   * their `willSendResponse` hooks run side by side, and others still add errors to it then.
   */
  answer?: GraphQLResponseBody;
  upstream?: UpstreamRequestScope;
  /**
   * How a request that Apollo does not answer (an export) ended, and what its log line adds;
   * without it, the outcome is read from `answer`.
   */
  ended?: { outcome: RequestOutcome; errorCodes?: string[]; fields?: Record<string, unknown> };
}

type GraphQLResponseBody = GraphQLResponse['body'];

const REPORT = Symbol('eventgraph.requestReport');
const OPERATION_NAME_IN_TEXT = /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** A client's own request id is kept when it is a plain token; anything else gets a new one. */
const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestTelemetryOptions {
  logger: Logger;
  metrics: Metrics | undefined;
}

/**
 * Express middleware, first on the GraphQL path: gives the request its id (`x-request-id`,
 * echoed back), and when the response is done writes its log line and request metrics, for
 * requests refused at the edge as much as for answered ones.
 */
export function requestTelemetry({ logger, metrics }: RequestTelemetryOptions): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const asked = req.get('x-request-id');
    const report: RequestReport = { id: asked !== undefined && CLIENT_REQUEST_ID.test(asked) ? asked : randomUUID() };
    (res.locals as Record<symbol, RequestReport>)[REPORT] = report;
    res.setHeader('x-request-id', report.id);
    res.once('close', () => {
      const durationMs = performance.now() - started;
      // The client went away before the whole answer was written.
      const aborted = !res.writableFinished;
      const { outcome, errorCodes } = aborted ? { outcome: 'aborted' as const, errorCodes: undefined } : (report.ended ?? outcomeOf(report.answer));
      metrics?.observeRequest({ operation: report.operation, outcome, durationMs });
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          reqId: report.id,
          method: req.method,
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          operation: report.operation,
          operationType: report.operationType,
          outcome,
          client: principalOf(res)?.name,
          errorCodes,
          upstream: report.upstream?.summary(),
          ...report.ended?.fields,
        },
        'request',
      );
    });
    next();
  };
}

/** For a route that Apollo does not answer (the exports): what it was, and how it ended. */
export function reportRequest(res: Response, fields: Pick<RequestReport, 'operation' | 'operationType' | 'ended'>): void {
  const report = reportOf(res);
  if (report) Object.assign(report, fields);
}

function reportOf(res: Response): RequestReport | undefined {
  return (res.locals as Record<symbol, RequestReport | undefined>)[REPORT];
}

/** No answer from Apollo: refused at the edge. Otherwise by its data and error codes. */
function outcomeOf(answer: GraphQLResponseBody | undefined): { outcome: RequestOutcome; errorCodes?: string[] } {
  if (!answer) return { outcome: 'refused' };
  const { hasData, errorCount, errorCodes } = summarizeAnswer(answer);
  if (errorCount === 0) return { outcome: 'ok' };
  return { outcome: hasData ? 'partial' : 'error', errorCodes };
}

/**
 * Express middleware: runs the rest of the request in its own upstream scope (identical
 * upstream calls of its operation share one answer, and each source's calls are counted for
 * its log line). Entered after the body parser, whose stream callbacks would run outside it.
 */
export function inUpstreamScope(): RequestHandler {
  return (_req, res, next) => {
    const report = reportOf(res);
    const scope = new UpstreamRequestScope(report?.id);
    if (report) report.upstream = scope;
    scope.run(next);
  };
}

/**
 * Ties the request's GraphQL context to its report, for the plugin below. A property, not a
 * WeakMap entry: Apollo hands plugins a shallow copy of the context, which copies it.
 */
export function reportRequestContext(context: RequestContext, res: Response): RequestContext {
  const report = reportOf(res);
  if (report) Object.defineProperty(context, REPORT, { value: report, enumerable: true });
  return context;
}

/** Apollo plugin: what the operation was and how it ended, into the request's report. */
export function requestReportPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const report = (contextValue as unknown as Record<symbol, RequestReport | undefined>)[REPORT];
      if (!report) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          report.operation = operationName ?? undefined;
          report.operationType = operation?.operation;
        },
        async willSendResponse({ response, request }) {
          // A document that did not parse or validate has no resolved operation; its text may still name it.
          report.operation ??= request.operationName ?? (request.query ? OPERATION_NAME_IN_TEXT.exec(request.query)?.[1] : undefined);
          report.answer = response.body;
        },
      };
    },
  };
}
