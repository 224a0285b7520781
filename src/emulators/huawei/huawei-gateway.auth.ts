import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { bodyBytes, sendJson, splitRawUrl, type VendorError } from '../common/emulator.http.js';
import type { HuaweiAkskVerifier } from './huawei-aksk.verifier.js';

/**
 * Authentication as Huawei's API gateway (APIG) does it in front of every project-scoped
 * service: an `X-Auth-Token` from IAM, or an `SDK-HMAC-SHA256` AK/SK signature. Failures
 * answer 401 with the gateway's own body (`APIGW.0301`), not the service's.
 */

export interface HuaweiTokenInfo {
  projectId: string;
  projectName: string;
  userName: string;
  domainName: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type HuaweiTokenCheck =
  | { ok: true; token: HuaweiTokenInfo }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** What a service emulator needs from IAM; the IAM emulator's token store implements it. */
export interface HuaweiTokenValidator {
  validate(token: string): HuaweiTokenCheck;
}

export type HuaweiCaller =
  | { kind: 'aksk'; accessKey: string; projectIdHeader: string | undefined }
  | { kind: 'token'; token: HuaweiTokenInfo };

export interface ApigwErrorBody {
  error_code: string;
  error_msg: string;
  request_id: string;
}

export function apigwError(code: string, message: string): ApigwErrorBody {
  return { error_code: code, error_msg: message, request_id: randomBytes(16).toString('hex') };
}

/** The gateway's answer to a path no service published, whichever service sits behind it. */
export function apigwNotFound(): VendorError {
  return { status: 404, body: apigwError('APIGW.0101', 'The API does not exist or has not been published in the environment') };
}

const TOKEN_REASONS: Record<'unknown' | 'expired' | 'revoked', string> = {
  unknown: 'the token is invalid',
  expired: 'the token has expired',
  revoked: 'the token has been revoked',
};

/**
 * Sets `res.locals.huaweiCaller` or answers 401. AK/SK wins when both are present, since a
 * signed request proves more than a bearer token.
 */
export function huaweiGatewayAuth(options: {
  verifier: HuaweiAkskVerifier;
  tokens?: HuaweiTokenValidator;
}): RequestHandler {
  return (req, res, next) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined && authorization.trim() !== '') {
      const { rawPath, rawQuery } = splitRawUrl(req.originalUrl);
      const result = options.verifier({
        method: req.method,
        rawPath,
        rawQuery,
        headers: req.headers,
        body: bodyBytes(req),
      });
      if (!result.ok) {
        unauthorized(res, `Incorrect IAM authentication information: verify aksk signature fail, ${result.message}`);
        return;
      }
      setCaller(res, { kind: 'aksk', accessKey: result.accessKey, projectIdHeader: req.get('x-project-id') });
      next();
      return;
    }
    const token = req.get('x-auth-token');
    if (token !== undefined && token !== '') {
      const check = options.tokens?.validate(token) ?? ({ ok: false, reason: 'unknown' } as const);
      if (!check.ok) {
        unauthorized(res, `Incorrect IAM authentication information: ${TOKEN_REASONS[check.reason]}`);
        return;
      }
      setCaller(res, { kind: 'token', token: check.token });
      next();
      return;
    }
    unauthorized(res, 'Incorrect IAM authentication information: x-auth-token not found');
  };
}

export function huaweiCaller(res: Response): HuaweiCaller {
  const caller = (res.locals as { huaweiCaller?: HuaweiCaller }).huaweiCaller;
  if (!caller) throw new Error('huaweiGatewayAuth() must run before this handler');
  return caller;
}

/**
 * The project a caller may act on must be the one in the URL: a token is scoped to one
 * project, and a signed request names its project in `X-Project-Id` when it sends one.
 * Returns a reason when it does not match.
 */
export function projectMismatch(caller: HuaweiCaller, projectIdInPath: string): string | undefined {
  if (caller.kind === 'token' && caller.token.projectId !== projectIdInPath) {
    return `the token is scoped to project ${caller.token.projectId}, not ${projectIdInPath}`;
  }
  if (caller.kind === 'aksk' && caller.projectIdHeader !== undefined && caller.projectIdHeader !== projectIdInPath) {
    return `X-Project-Id ${caller.projectIdHeader} does not match project ${projectIdInPath} in the URL`;
  }
  return undefined;
}

function setCaller(res: Response, caller: HuaweiCaller): void {
  (res.locals as { huaweiCaller?: HuaweiCaller }).huaweiCaller = caller;
}

function unauthorized(res: Response, message: string): void {
  sendJson(res, 401, apigwError('APIGW.0301', message));
}

