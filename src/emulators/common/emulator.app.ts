import express, { type Express, type RequestHandler, type Router } from 'express';
import type { EmulatorHandle } from './emulator.handle.js';
import {
  bodyBytes,
  CONTROL_PREFIX,
  controlRouter,
  errorHandler,
  faultInjection,
  rawBody,
  requestLogger,
  sendJson,
  splitRawUrl,
  type VendorError,
} from './emulator.http.js';
import type { FaultKnobs, KnobController } from './emulator.knobs.js';
import { EmulatorLifecycle, listen } from './emulator.server.js';
import { mulberry32 } from './mulberry32.js';
import { RequestLog, type RequestCounts } from './request.log.js';

/** The test-control methods every emulator handle offers next to its vendor-specific ones. */
export interface EmulatorControls<K extends FaultKnobs> {
  knobs(): K;
  setKnobs(patch: Partial<K>): K;
  resetKnobs(): K;
  requests(): RequestCounts;
  resetRequests(): void;
  /**
   * Calls `listener` for every API request as it arrives, before it is answered (control
   * requests under `/__emulator` never reach it); returns the function that removes it.
   *
   * Why: a GraphQL page may need several upstream calls of one stream, and what matters is
   * what the upstream does between two of them (records that land mid-read shift offsets and
   * page numbers). Timers and latency cannot aim at that gap; this can, deterministically:
   * the listener runs in the request's own turn, so data it appends (with the handle's
   * `append*`) is what this very answer reads. A listener that returns a promise holds the
   * request until it settles. Tests only; a `reset()` removes every listener.
   */
  onRequest(listener: RequestListener): () => void;
  /** Knobs, request log, fault draws, data and request listeners back to their seeded state. */
  reset(): void;
}

/** An API request as it arrives at an emulator, for `onRequest` listeners. */
export interface ArrivingRequest {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  /** Raw query string as sent, without `?`. */
  query: string;
  /** The body as sent, as UTF-8 text ('' when there is none). */
  body: string;
}

export type RequestListener = (request: ArrivingRequest) => void | Promise<void>;

/** A listening emulator without its name: spread it into the vendor's handle. */
export type RunningEmulator<K extends FaultKnobs> = Omit<EmulatorHandle, 'name'> & EmulatorControls<K>;

export interface EmulatorAppOptions<K extends FaultKnobs> {
  knobs: KnobController<K>;
  /** Seeds the `errorRate` draws; the stream restarts on every reset, so runs replay exactly. */
  faultSeed: number;
  /** The vendor's error for a status, for thrown errors (and injected faults, unless overridden). */
  errorFor: (status: number) => VendorError;
  /** When an injected fault must read differently from a thrown error. */
  injectedErrorFor?: (status: number) => VendorError;
  /** What an unknown API path answers; called per request, as bodies may carry a fresh request id. */
  notFound: () => VendorError;
  /** Restores only the vendor's data; knobs, request log and fault draws are reset by the helper. */
  resetData: () => void;
  /** Vendor-specific control routes, relative to CONTROL_PREFIX. */
  extendControl?: (router: Router) => void;
}

export interface EmulatorApp<K extends FaultKnobs> {
  /**
   * Control routes, request logging and fault injection are already mounted, in that order,
   * so that control requests are neither logged nor faulted and every API request is both,
   * before any vendor route (and so before authentication) runs.
   */
  readonly app: Express;
  readonly knobs: KnobController<K>;
  /** Appends the 404 and error handlers, which must follow every vendor route, and listens. */
  listen(options: { host?: string; port?: number }): Promise<RunningEmulator<K>>;
}

export function createEmulatorApp<K extends FaultKnobs>(options: EmulatorAppOptions<K>): EmulatorApp<K> {
  const { knobs, faultSeed } = options;
  const requestLog = new RequestLog();
  const lifecycle = new EmulatorLifecycle();
  let faultRandom = mulberry32(faultSeed);
  const listeners = new Set<RequestListener>();
  // Everything a reset restores besides knobs and the request log, by either route (the
  // handle's reset() or POST /__emulator/reset).
  const resetData = () => {
    options.resetData();
    faultRandom = mulberry32(faultSeed);
    listeners.clear();
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(rawBody);
  app.use(
    CONTROL_PREFIX,
    controlRouter({ knobs, requestLog, resetData, ...(options.extendControl ? { extend: options.extendControl } : {}) }),
  );
  app.use(requestLogger(requestLog));
  // After the control routes (never heard) and the log (which already counts the request),
  // before faults and vendor routes (so that what a listener changes, this answer reads).
  const notifyListeners: RequestHandler = async (req, _res, next) => {
    if (listeners.size === 0) return next();
    const { rawPath, rawQuery } = splitRawUrl(req.originalUrl);
    const arriving: ArrivingRequest = { method: req.method, path: rawPath, query: rawQuery, body: bodyBytes(req).toString('utf8') };
    // A copy: a listener may remove itself (or another) while being called.
    for (const listener of [...listeners]) await listener(arriving);
    next();
  };
  app.use(notifyListeners);
  app.use(
    faultInjection({ knobs, random: () => faultRandom(), lifecycle, errorFor: options.injectedErrorFor ?? options.errorFor }),
  );

  return {
    app,
    knobs,
    async listen({ host, port }) {
      app.use((_req, res) => {
        const error = options.notFound();
        sendJson(res, error.status, error.body, error.headers);
      });
      app.use(errorHandler(options.errorFor));
      const listening = await listen(app, { host: host ?? '127.0.0.1', port: port ?? 0, lifecycle });
      return {
        url: listening.url,
        close: () => listening.close(),
        knobs: () => knobs.get(),
        setKnobs: (patch) => knobs.set(patch),
        resetKnobs: () => knobs.reset(),
        requests: () => requestLog.counts(),
        resetRequests: () => requestLog.reset(),
        onRequest: (listener) => {
          // Wrapped, so that registering one function twice gives two listeners to remove.
          const entry: RequestListener = (request) => listener(request);
          listeners.add(entry);
          return () => {
            listeners.delete(entry);
          };
        },
        reset: () => {
          knobs.reset();
          requestLog.reset();
          resetData();
        },
      };
    },
  };
}
