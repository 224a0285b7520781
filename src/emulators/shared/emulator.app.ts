import express, { type Express, type Router } from 'express';
import type { EmulatorHandle } from './emulator.handle.js';
import { CONTROL_PREFIX, controlRouter, errorHandler, faultInjection, rawBody, requestLogger, sendJson, type VendorError } from './emulator.http.js';
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
  /** Knobs, request log, fault draws and data back to their seeded state. */
  reset(): void;
}

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
  const resetData = () => {
    options.resetData();
    faultRandom = mulberry32(faultSeed);
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
        reset: () => {
          knobs.reset();
          requestLog.reset();
          resetData();
        },
      };
    },
  };
}
