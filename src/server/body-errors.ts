import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';

/** The largest request body, in bytes (express.json's `limit`). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A POST to the GraphQL endpoint must be JSON. express.json skips any other type and Apollo
 * would answer with a message about a missing body; saying what is wrong, with 415, is
 * clearer. `application/graphql-response+json` and other `+json` types are JSON too.
 */
export function requireJsonBody(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    if (req.is(['application/json', 'application/*+json'])) return next();
    sendJsonError(
      res,
      415,
      EdgeErrorCode.UNSUPPORTED_MEDIA_TYPE,
      req.headers['content-type'] ? 'a GraphQL POST must have Content-Type: application/json' : 'a GraphQL POST needs a JSON body with Content-Type: application/json',
    );
  };
}

/** What body-parser attaches to its errors. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
}

/**
 * Mounted right after express.json: its failures become JSON GraphQL errors with a code,
 * never Express's HTML page (which carries a stack trace when NODE_ENV is not production).
 * The message says what was wrong, never the body's content.
 */
export function bodyErrors(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const { type, status } = (error ?? {}) as BodyParserError;
    switch (type) {
      case 'entity.too.large':
        return sendJsonError(res, 413, EdgeErrorCode.PAYLOAD_TOO_LARGE, `the request body is over the limit of ${MAX_BODY_BYTES} bytes`);
      case 'entity.parse.failed':
        return sendJsonError(res, 400, EdgeErrorCode.BAD_REQUEST, 'the request body is not valid JSON');
      case 'charset.unsupported':
        return sendJsonError(res, 415, EdgeErrorCode.UNSUPPORTED_MEDIA_TYPE, 'the request body must be UTF-8 JSON');
      case 'encoding.unsupported':
        return sendJsonError(res, 415, EdgeErrorCode.UNSUPPORTED_MEDIA_TYPE, 'the request body has a Content-Encoding the server does not read (use identity, gzip, deflate or br)');
      case 'request.aborted':
      case 'request.size.invalid':
        return sendJsonError(res, 400, EdgeErrorCode.BAD_REQUEST, 'the request body did not arrive whole');
      default:
        if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
          return sendJsonError(res, status, EdgeErrorCode.BAD_REQUEST, 'the request body could not be read');
        }
        return next(error);
    }
  };
}

/** The last handlers of the app: unknown routes and anything thrown get JSON, not HTML. */
export function notFound(): RequestHandler {
  return (req, res) => sendJsonError(res, 404, EdgeErrorCode.NOT_FOUND, `nothing at ${req.method} ${req.path.slice(0, 200)}; the GraphQL endpoint is /graphql`);
}

export function lastErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    // Logged here, where the stack is; the client gets the code only.
    console.error('eventgraph: unexpected error while serving a request:', error);
    sendJsonError(res, 500, EdgeErrorCode.INTERNAL_SERVER_ERROR, 'internal server error');
  };
}
