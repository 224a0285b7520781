import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { ANONYMOUS, type Principal } from '../../graphql/principal.js';
import { EdgeErrorCode, sendJsonError } from '../http-errors.js';
import { ApiKeyVerifier, type ApiKeyVerifierOptions } from './api-key-verifier.js';
import { AuthConfigError, type AuthOptions, type AuthTuning } from './auth-options.js';
import { JwtVerifier } from './jwt.js';

/** What the edge decided about one request. */
export type AuthOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: 401 | 503; readonly message: string };

/** Decides who a request comes from, from its headers alone. */
export interface Authenticator {
  /** False when auth is off: every request is `ANONYMOUS`. */
  readonly required: boolean;
  authenticate(headers: IncomingHttpHeaders): Promise<AuthOutcome>;
}

// A JWS compact serialisation: three base64url parts. API keys have no dots, so a bearer
// credential of this shape is a token and anything else is a key.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const HOW_TO = 'send "Authorization: Bearer <API key or token>" or "X-API-Key: <API key>"';

/** Anyone is `ANONYMOUS`: auth is off (`auth: { mode: none }`, or no `auth` on loopback). */
export const OPEN_AUTHENTICATOR: Authenticator = {
  required: false,
  authenticate: async () => ({ ok: true, principal: ANONYMOUS }),
};

export interface AuthenticatorOptions extends AuthTuning {
  /** The API key verifier's caches and limits; its defaults suit production. */
  readonly apiKeys?: ApiKeyVerifierOptions;
}

/**
 * The authenticator for an `auth` section; without one (or with `mode: none`) every
 * request is anonymous. Async because a PEM key is imported, and checked, here: a key
 * that cannot verify anything is a start-up error, not a 401 for every client.
 */
export async function createAuthenticator(auth: AuthOptions | undefined, options: AuthenticatorOptions = {}): Promise<Authenticator> {
  if (auth === undefined || auth.mode === 'none') return OPEN_AUTHENTICATOR;
  const apiKeys = auth.apiKeys && auth.apiKeys.length > 0 ? new ApiKeyVerifier(auth.apiKeys, options.apiKeys) : undefined;
  const jwt = auth.jwt ? await JwtVerifier.create(auth.jwt, options) : undefined;
  if (!apiKeys && !jwt) throw new AuthConfigError('auth: give apiKeys, jwt or both (or mode: none)');

  const checkKey = async (key: string): Promise<AuthOutcome> => {
    if (!apiKeys) return refuse('API keys are not accepted here; send a token: "Authorization: Bearer <token>"');
    const verdict = await apiKeys.verify(key);
    if (verdict.kind === 'accepted') return { ok: true, principal: verdict.principal };
    if (verdict.kind === 'busy') return { ok: false, status: 503, message: 'too many API key checks at once; retry shortly' };
    return refuse('the API key is not valid');
  };

  const checkToken = async (token: string): Promise<AuthOutcome> => {
    if (!jwt) return refuse('the bearer credential looks like a token, and this server accepts API keys only');
    const verdict = await jwt.verify(token);
    if (verdict.kind === 'accepted') return { ok: true, principal: verdict.principal };
    if (verdict.kind === 'unavailable') return { ok: false, status: 503, message: verdict.reason };
    return refuse(verdict.reason);
  };

  return {
    required: true,
    async authenticate(headers) {
      const presented = credentialOf(headers);
      if (presented.kind === 'none') return refuse(`no credentials: ${HOW_TO}`);
      if (presented.kind === 'invalid') return refuse(presented.reason);
      if (presented.kind === 'api-key') return checkKey(presented.value);
      return JWT_SHAPE.test(presented.value) ? checkToken(presented.value) : checkKey(presented.value);
    },
  };
}

function refuse(message: string): AuthOutcome {
  return { ok: false, status: 401, message };
}

type Presented =
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'api-key' | 'bearer'; value: string };

/**
 * The one credential a request carries. Two different ones (a key in `X-API-Key` and
 * another in `Authorization`) are refused rather than one picked: a proxy that adds its own
 * `Authorization` must not decide silently who the caller is.
 */
export function credentialOf(headers: IncomingHttpHeaders): Presented {
  const authorization = single(headers.authorization);
  const apiKey = single(headers['x-api-key']);
  if (authorization === 'many' || apiKey === 'many') return { kind: 'invalid', reason: `send one credential, once: ${HOW_TO}` };

  let bearer: string | undefined;
  if (authorization !== undefined && authorization.trim() !== '') {
    const match = /^Bearer(?:[ \t]+(.*))?$/i.exec(authorization.trim());
    if (!match) return { kind: 'invalid', reason: `the Authorization header must use the Bearer scheme: ${HOW_TO}` };
    const value = (match[1] ?? '').trim();
    if (/\s/.test(value)) return { kind: 'invalid', reason: 'the bearer credential must be one word, with no spaces in it' };
    if (value !== '') bearer = value;
  }
  const key = apiKey?.trim() || undefined;
  if (bearer !== undefined && key !== undefined && bearer !== key) {
    return { kind: 'invalid', reason: 'the request carries two different credentials (Authorization and X-API-Key); send one' };
  }
  if (key !== undefined) return { kind: 'api-key', value: key };
  if (bearer !== undefined) return { kind: 'bearer', value: bearer };
  return { kind: 'none' };
}

function single(value: string | string[] | undefined): string | undefined | 'many' {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : 'many';
  return value;
}

const PRINCIPAL = Symbol('eventgraph.principal');

/** The principal the auth middleware found for this response's request. */
export function principalOf(res: Response): Principal | undefined {
  return (res.locals as Record<symbol, Principal | undefined>)[PRINCIPAL];
}

/**
 * Express middleware: authenticates the request and keeps its principal for Apollo's
 * context, or answers 401 UNAUTHENTICATED (with `WWW-Authenticate: Bearer`) or 503 itself,
 * before the body is even read. Messages say what was wrong, never what was presented.
 */
export function authMiddleware(authenticator: Authenticator): RequestHandler {
  return (req, res, next) => {
    authenticator.authenticate(req.headers).then(
      (outcome) => {
        if (outcome.ok) {
          (res.locals as Record<symbol, Principal>)[PRINCIPAL] = outcome.principal;
          next();
        } else if (outcome.status === 401) {
          sendJsonError(res, 401, EdgeErrorCode.UNAUTHENTICATED, outcome.message, { 'WWW-Authenticate': 'Bearer realm="eventgraph"' });
        } else {
          sendJsonError(res, 503, EdgeErrorCode.SERVICE_UNAVAILABLE, outcome.message, { 'Retry-After': '5' });
        }
      },
      (error: unknown) => next(error),
    );
  };
}
