import { once } from 'node:events';
import type { GraphQLFormattedError } from 'graphql';
import type { RequestHandler, Response } from 'express';
import { selectedBy } from '../../graphql/cost/source-cost.js';
import { ExportShape, exportRow } from '../../graphql/export/export-shape.js';
import { ExportRefused, ExportWalk } from '../../graphql/export/export-walk.js';
import type { Principal } from '../../graphql/principal.js';
import type { Logger } from '../../observability/logger.js';
import type { VendorRegistry } from '../../vendors/vendor-registry.js';
import { principalOf } from '../auth/authenticate.js';
import { FifoLimiter } from '../concurrency.js';
import { EdgeErrorCode, sendJsonError } from '../http-errors.js';
import { operationContext, type OperationRuntime } from '../subscription-operation.js';
import { csvFormat, ndjsonFormat, SUMMARY_TRAILER, type ExportFormat } from './export-format.js';
import { ExportParamError, ExportParamReader, type ExportParams } from './export-params.js';
import { ExportTally, type ExportSummary } from './export-summary.js';
import { reportRequest, type RequestReport } from '../request-telemetry.js';

export const EXPORT_PATHS = { ndjson: '/export.ndjson', csv: '/export.csv' } as const;

/** The defaults of `limits.maxExportCost` and `server.maxConcurrentExports`. */
export const DEFAULT_MAX_EXPORT_COST = 20_000;
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 4;

export interface ExportRouteOptions {
  /** The schema, timeline and sources queries run with (the subscription transports' too). */
  runtime: OperationRuntime;
  vendors: VendorRegistry;
  /** `limits.maxExportCost`: the upstream calls one export request may make. */
  maxExportCost: number;
  /** `server.maxConcurrentExports`: exports running at once; more wait up to `queueTimeoutMs`, then get 503. */
  maxConcurrentExports: number;
  queueTimeoutMs: number;
  logger: Logger;
}

/**
 * GET /export.ndjson and /export.csv (docs/export.md): the `events` walk of a filter, streamed
 * page by page with the socket's backpressure, so memory holds two pages whatever the range.
 * Mounted after the edge's auth; the caller's scope applies as in `events`.
 */
export function exportHandler(options: ExportRouteOptions): RequestHandler {
  const { runtime, logger } = options;
  const shape = new ExportShape(runtime.schema, options.vendors);
  const params = new ExportParamReader(runtime.schema);
  const running = new FifoLimiter(options.maxConcurrentExports);
  const retryAfter = String(Math.max(1, Math.ceil(options.queueTimeoutMs / 1000)));

  return async (req, res) => {
    const format = req.path === EXPORT_PATHS.csv ? 'csv' : 'ndjson';
    // In the request metrics and log as an operation of its own.
    reportRequest(res, { operation: `export.${format}`, operationType: 'export' });
    let request: ExportParams;
    try {
      request = params.read(new URL(req.originalUrl, 'http://localhost').searchParams, format);
    } catch (error) {
      if (!(error instanceof ExportParamError)) throw error;
      sendError(res, 400, { message: error.message, extensions: { code: 'BAD_USER_INPUT', argument: error.parameter } });
      return;
    }
    // The auth middleware runs on every path to here (see server.ts).
    const principal = principalOf(res)!;
    const ticket = running.acquire(options.queueTimeoutMs);
    // A client that leaves while it waits gives its place up.
    res.once('close', ticket.cancel);
    const release = await ticket.granted;
    res.off('close', ticket.cancel);
    if (res.closed) {
      release?.();
      return;
    }
    if (!release) {
      const message = `eventgraph is running its limit of ${options.maxConcurrentExports} exports at once (server.maxConcurrentExports) and none finished within ${options.queueTimeoutMs} ms; retry later`;
      sendJsonError(res, 503, EdgeErrorCode.SERVICE_UNAVAILABLE, message, { 'Retry-After': retryAfter });
      return;
    }
    try {
      const budget = Math.min(options.maxExportCost, principal.maxCost ?? Number.POSITIVE_INFINITY);
      // HEAD reads a page of one event: enough to check all that GET checks, and nothing ahead.
      const query = req.method === 'HEAD' ? { ...request.query, limit: 1 } : request.query;
      const walk = new ExportWalk({ schema: runtime.schema, shape, context: () => operationContext(runtime, principal) }, query, budget);
      await stream(res, walk, request, budget, formatOf(format, request, shape, principal, runtime));
    } catch (error) {
      if (!(error instanceof ExportRefused)) throw error;
      if (error.status === 500) logger.error({ err: error.reason }, 'export: a page failed');
      sendError(res, error.status, error.error);
    } finally {
      release();
    }
  };

  /**
   * Reads the first page before anything is sent, so that a refusal is an HTTP error; then
   * sends every page as it comes, and the summary. A failure after the first byte ends the
   * body with a summary that says so: whatever was sent stays valid, and its cursor resumes.
   */
  async function stream(res: Response, walk: ExportWalk, request: ExportParams, budget: number, format: ExportFormat): Promise<void> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const pages = walk.pages(gone.signal);
    const first = await pages.next();
    res.status(200).set({
      'Content-Type': format.contentType,
      'Content-Disposition': `attachment; filename="eventgraph-export.${format.extension}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Trailers need a chunked body: none for HEAD, nor for an HTTP/1.0 client.
      ...(format.extension === 'csv' && chunked(res) ? { Trailer: SUMMARY_TRAILER } : {}),
    });
    // HEAD: checked as far as GET's status is (the first page read), and no further.
    if (res.req.method === 'HEAD') {
      res.end();
      return;
    }
    const tally = new ExportTally(request.query.after);
    let error: { code: string; message: string } | undefined;
    try {
      await send(res, format.head(), gone.signal);
      for (let next = first; !next.done; next = await pages.next()) {
        tally.add(next.value);
        await send(res, format.rows(next.value.nodes.map(exportRow)), gone.signal);
      }
    } catch (failure) {
      if (gone.signal.aborted) return;
      logger.error({ err: failure instanceof ExportRefused ? failure.reason : failure }, 'export: a page failed after the export began');
      error = { code: 'INTERNAL_SERVER_ERROR', message: 'the export stopped on an error of eventgraph (see its log); resume with nextCursor' };
    }
    if (gone.signal.aborted) return;
    const summary = tally.summary({ stopped: error ? 'ERROR' : (walk.stopped ?? 'END'), events: walk.events, upstreamCalls: walk.upstreamCalls, budget, error });
    reportRequest(res, { ended: endOf(summary) });
    const end = format.end(summary);
    if (res.hasHeader('Trailer')) res.addTrailers(end.trailers);
    res.end(end.text);
  }
}

/** The format of the response; a CSV's columns are those of the kinds the caller's filter reads. */
function formatOf(format: 'ndjson' | 'csv', request: ExportParams, shape: ExportShape, principal: Principal, runtime: OperationRuntime): ExportFormat {
  if (format === 'ndjson') return ndjsonFormat;
  const visible = operationContext(runtime, principal).visibleSources;
  const filter = request.query.filter as Parameters<typeof selectedBy>[1];
  return csvFormat(shape.columns(new Set(visible.filter((source) => selectedBy(source, filter)).map((source) => source.kind))), request.header);
}

/**
 * How an export ended, for the request metrics and log: ok when the range is complete, or
 * stopped by its limit or budget with nothing missing; partial when a source failed or
 * eventgraph did, with their codes.
 */
function endOf(summary: ExportSummary): NonNullable<RequestReport['ended']> {
  const errorCodes = [...summary.sources.flatMap((source) => (source.error ? [source.error.code] : [])), ...(summary.error ? [summary.error.code] : [])];
  const { complete, stopped, events, upstreamCalls } = summary;
  return { outcome: errorCodes.length > 0 ? 'partial' : 'ok', errorCodes: errorCodes.length > 0 ? errorCodes : undefined, fields: { export: { complete, stopped, events, upstreamCalls } } };
}

function chunked(res: Response): boolean {
  const { method, httpVersionMajor, httpVersionMinor } = res.req;
  return method !== 'HEAD' && (httpVersionMajor > 1 || (httpVersionMajor === 1 && httpVersionMinor >= 1));
}

/** Writes with the socket's backpressure: a slow reader holds the export, not the memory. */
async function send(res: Response, text: string, signal: AbortSignal): Promise<void> {
  if (text === '' || res.write(text)) return;
  await once(res, 'drain', { signal });
}

function sendError(res: Response, status: number, error: GraphQLFormattedError): void {
  const code = error.extensions?.['code'];
  reportRequest(res, { ended: { outcome: 'error', errorCodes: typeof code === 'string' ? [code] : [] } });
  res.status(status).type('application/json').send(JSON.stringify({ errors: [error] }));
}
