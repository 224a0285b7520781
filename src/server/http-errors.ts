import type { Response } from 'express';

/**
 * The codes the HTTP edge answers with before a request reaches GraphQL. Each goes out as
 * a GraphQL error body, `{ errors: [{ message, extensions: { code } }] }`, so a client reads
 * every refusal the same way, whichever layer made it.
 */
export const EdgeErrorCode = {
  /** No credentials, or ones that are not accepted (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Too many requests at once, the identity provider's keys out of reach, or a stream asked for while the server stops (HTTP 503). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Every subscription connection (`server.tail.maxConnections`) is taken (HTTP 503). */
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  /** The sources are not set up yet (HTTP 503). */
  NOT_READY: 'NOT_READY',
  /** A body that is not a GraphQL request: malformed JSON, an unreadable body (HTTP 400). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A body over the limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A body that is not JSON, or in a charset or encoding the server does not read (HTTP 415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** A browser origin that `server.corsOrigins` does not list, asking for a preflight (HTTP 403). */
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  /** No route here (HTTP 404). */
  NOT_FOUND: 'NOT_FOUND',
  /** A bug: anything else thrown (HTTP 500); no stack trace is sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type EdgeErrorCode = (typeof EdgeErrorCode)[keyof typeof EdgeErrorCode];

/**
 * Sends one error as JSON. Express's own error page is HTML, and in development carries a
 * stack trace; nothing here ever takes that path. Headers (e.g. `Retry-After`) are set
 * before the body. A response already under way cannot change its status any more; it is
 * cut instead, so that the client sees a broken answer rather than a wrong one.
 */
export function sendJsonError(
  res: Response,
  status: number,
  code: EdgeErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).set(headers).type('application/json').send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
