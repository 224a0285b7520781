import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ZodError } from 'zod';
import type { Random } from './mulberry32.js';
import type { EmulatorLifecycle } from './emulator.server.js';
import type { FaultKnobs, KnobController, MalformedBodyMode } from './emulator.knobs.js';
import type { RequestLog } from './request.log.js';

/** Everything under this prefix is test control, never part of a vendor's API. */
export const CONTROL_PREFIX = '/__emulator';

/**
 * The path and query exactly as they appeared on the request line. Express decodes
 * `req.params` and rewrites `req.url` inside routers; a signature is computed over what
 * the client sent, so only `originalUrl` will do.
 */
export function splitRawUrl(originalUrl: string): { rawPath: string; rawQuery: string } {
  let url = originalUrl;
  // absolute-form request target (`GET http://host/path HTTP/1.1`), as proxies send it
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(url);
  if (scheme) url = url.slice(scheme[0].length) || '/';
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/**
 * Every emulator reads bodies as raw bytes, because the AK/SK signature covers the exact
 * bytes sent; JSON is parsed afterwards by the handler that wants it.
 */
export const rawBody: RequestHandler = express.raw({ type: () => true, limit: '10mb' });

export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export class BadJsonError extends Error {}

export function readJson(req: Request): unknown {
  const bytes = bodyBytes(req);
  if (bytes.length === 0) throw new BadJsonError('request body is empty');
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new BadJsonError(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/json').send(JSON.stringify(body));
}

/** Records every API request (not control requests) in the log, with its final status. */
export function requestLogger(log: RequestLog): RequestHandler {
  return (req, res, next) => {
    const { rawPath, rawQuery } = splitRawUrl(req.originalUrl);
    const entry = log.record({ method: req.method, path: rawPath, query: rawQuery, at: Date.now() });
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    next();
  };
}

export interface VendorError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Gateway-level faults, applied before authentication: a throttled or broken gateway
 * answers whatever the credentials. `errorFor(status)` renders the vendor's error body.
 */
export function faultInjection(options: {
  knobs: { get(): FaultKnobs };
  random: Random;
  lifecycle: EmulatorLifecycle;
  errorFor: (status: number) => VendorError;
}): RequestHandler {
  return async (_req, res, next) => {
    const knobs = options.knobs.get();
    if (knobs.hang) {
      // Never answered; close() destroys the socket.
      return;
    }
    if (knobs.latencyMs > 0) holdAnswer(res, options.lifecycle, knobs.latencyMs);
    const forced = knobs.forceStatus;
    if (forced !== null) {
      const error = options.errorFor(forced);
      const retryAfter: Record<string, string> = forced === 429 || forced === 503 ? { 'Retry-After': '1' } : {};
      sendJson(res, error.status, error.body, { ...error.headers, ...retryAfter });
      return;
    }
    // Draw only when the knob is on, so turning it on mid-test gives a sequence that
    // depends on the seed and the number of requests since, not on earlier traffic.
    if (knobs.errorRate > 0 && options.random() < knobs.errorRate) {
      const error = options.errorFor(500);
      sendJson(res, error.status, error.body, error.headers);
      return;
    }
    next();
  };
}

/**
 * Holds the answer until `ms` after the request arrived, while the emulator works on it: a
 * remote vendor's own work overlaps the network's delay, on machines of its own. Waiting
 * first and working after would queue every emulator's work, on the one thread they share,
 * behind the same timer, and charge that queue to the client under test.
 */
function holdAnswer(res: Response, lifecycle: EmulatorLifecycle, ms: number): void {
  const due = performance.now() + ms;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const wait = due - performance.now();
    if (wait <= 0) return end(...args);
    // After close() the delay never settles: nothing is written to a destroyed socket.
    void lifecycle.delay(wait).then(() => end(...args));
    return res;
  }) as Response['end'];
}

/**
 * Sends a successful API answer, unless the `malformedBody` knob asks for a broken one.
 * `wrongShape` builds the valid-JSON-but-wrong-types variant for this endpoint.
 */
export function sendOk(
  res: Response,
  knobs: Pick<FaultKnobs, 'malformedBody'>,
  body: unknown,
  wrongShape: () => unknown,
): void {
  const mode: MalformedBodyMode | null = knobs.malformedBody;
  if (mode === 'invalid-json') {
    const text = JSON.stringify(body);
    // Cut mid-document so the prefix looks plausible and a streaming parser fails late.
    res.status(200).type('application/json').send(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    return;
  }
  if (mode === 'wrong-shape') {
    sendJson(res, 200, wrongShape());
    return;
  }
  sendJson(res, 200, body);
}

export interface ControlRouterOptions<K extends object> {
  knobs: KnobController<K>;
  requestLog: RequestLog;
  /** Restores the emulator's data to its seeded state (knobs and log are reset too). */
  resetData: () => void;
  /** Adds emulator-specific control routes, relative to CONTROL_PREFIX. */
  extend?: (router: Router) => void;
}

/**
 * Unauthenticated test control under `/__emulator`:
 * - `GET /knobs`, `PUT /knobs` (partial JSON, merged, validated), `DELETE /knobs` (defaults)
 * - `GET /requests`, `DELETE /requests`
 * - `POST /reset`: knobs, request log and data back to their seeded state
 */
export function controlRouter<K extends object>(options: ControlRouterOptions<K>): Router {
  const router = express.Router();
  router.get('/knobs', (_req, res) => sendJson(res, 200, options.knobs.get()));
  router.put('/knobs', (req, res) => {
    try {
      sendJson(res, 200, options.knobs.set(readJson(req)));
    } catch (error) {
      sendControlError(res, error);
    }
  });
  router.delete('/knobs', (_req, res) => sendJson(res, 200, options.knobs.reset()));
  router.get('/requests', (_req, res) => sendJson(res, 200, options.requestLog.counts()));
  router.delete('/requests', (_req, res) => {
    options.requestLog.reset();
    res.status(204).end();
  });
  router.post('/reset', (_req, res) => {
    options.knobs.reset();
    options.requestLog.reset();
    options.resetData();
    res.status(204).end();
  });
  options.extend?.(router);
  router.use((_req, res) => sendJson(res, 404, { error: 'unknown emulator control route' }));
  return router;
}

export function sendControlError(res: Response, error: unknown): void {
  if (error instanceof ZodError) {
    sendJson(res, 400, { error: 'invalid control request', issues: error.issues });
  } else if (error instanceof BadJsonError) {
    sendJson(res, 400, { error: error.message });
  } else {
    sendJson(res, 500, { error: (error as Error)?.message ?? String(error) });
  }
}

/** Last-resort handler, so a bug in an emulator answers 500 instead of Express's HTML page. */
export function errorHandler(errorFor: (status: number) => VendorError) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : 500;
    const rendered = errorFor(status >= 400 && status < 600 ? status : 500);
    sendJson(res, rendered.status, rendered.body, rendered.headers);
  };
}
