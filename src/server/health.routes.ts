import { Router } from 'express';

export interface Readiness {
  /** True once the configured sources are set up (and, in demo mode, the emulators run). */
  readonly ready: boolean;
}

/**
 * /healthz: the process answers. /readyz: it can serve queries. Neither calls an upstream:
 * one vendor being down must not make an orchestrator restart or unroute the whole API.
 */
export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (readiness.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'starting' });
  });
  return router;
}
