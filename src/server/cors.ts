import type { RequestHandler } from 'express';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';

/** Request headers a browser may send cross-origin: the credentials, JSON, and Apollo's CSRF headers. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'];
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
// So that a browser client can read why it was refused and when to come back.
const EXPOSED_HEADERS = 'Retry-After, WWW-Authenticate';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS with an allowlist of exact origins (`server.corsOrigins`), none by default: a
 * browser page on another origin then cannot read any answer, and cannot even send a JSON
 * POST, whose preflight is refused. Origins are compared as the browser sends them
 * (scheme, host, port; no path), after normalising the configured ones the same way.
 *
 * No `Access-Control-Allow-Credentials`: eventgraph reads credentials from headers a
 * script sets explicitly, never from cookies, so a page cannot borrow a user's session.
 * Requests without an `Origin` header (curl, Grafana's backend, other servers) are not
 * browsers' cross-origin requests and pass untouched.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map(normaliseOrigin));
  return (req, res, next) => {
    const origin = req.headers.origin;
    // Whether the CORS headers are set depends on the Origin, so a shared cache must key on
    // it, for answers to requests without one too.
    if (allowed.size > 0 || origin !== undefined) res.vary('Origin');
    if (origin === undefined) return next();
    const ok = allowed.has(origin);
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      if (!ok) {
        sendJsonError(res, 403, EdgeErrorCode.ORIGIN_NOT_ALLOWED, 'this origin may not call eventgraph from a browser (see server.corsOrigins)');
        return;
      }
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      });
      res.vary('Access-Control-Request-Headers').status(204).end();
      return;
    }
    if (ok) res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
    next();
  };
}

/** `https://Grafana.example.com:443/` → `https://grafana.example.com`: what a browser sends as Origin. */
export function normaliseOrigin(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}
