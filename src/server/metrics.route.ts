import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';
import { listen } from './listen.js';

export const METRICS_PATH = '/metrics';

/**
 * GET /metrics in Prometheus's text format. With a token, the scraper must send
 * `Authorization: Bearer <token>`; the comparison takes the same time whatever the guess.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res, next) => {
    if (req.path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    if (expected && !timingSafeEqual(digest(bearerOf(req.get('authorization'))), expected)) {
      sendJsonError(res, 401, EdgeErrorCode.UNAUTHENTICATED, 'the metrics endpoint needs its token: Authorization: Bearer <metrics.token>', {
        'WWW-Authenticate': 'Bearer realm="eventgraph metrics"',
      });
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => res.type(contentType).send(body),
      (error: unknown) => next(error),
    );
  };
}

/** A listener that serves /metrics alone (`metrics.port`). */
export async function startMetricsServer(handler: RequestHandler, port: number, host: string): Promise<{ port: number; server: Server }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(handler);
  app.use((_req, res) => sendJsonError(res, 404, EdgeErrorCode.NOT_FOUND, `only ${METRICS_PATH} is served here`));
  const server = createServer(app);
  await listen(server, port, host);
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : port, server };
}

function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim() ?? '';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
