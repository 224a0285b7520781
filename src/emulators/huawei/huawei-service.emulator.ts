import { STATUS_CODES } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { sendJson, type VendorError } from '../common/emulator.http.js';
import type { HuaweiAccount } from './huawei-account.js';
import { createHuaweiAkskVerifier, DEFAULT_MAX_CLOCK_SKEW_MS } from './huawei-aksk.verifier.js';
import { apigwError, huaweiCaller, huaweiGatewayAuth, projectMismatch, type HuaweiTokenValidator } from './huawei-gateway.auth.js';

/**
 * What the project-scoped Huawei service emulators (HSS, CSMS, ModelArts) share: their
 * start options, the fields of their handles, the bodies of injected statuses, the gateway
 * authentication in front of them, and the project check of their routes.
 */

export interface HuaweiServiceEmulatorOptions<Dataset, Knobs> {
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  account?: HuaweiAccount;
  /** Accepts these IAM tokens as `X-Auth-Token`; without it, only AK/SK works. */
  tokens?: HuaweiTokenValidator;
  /** Seeds the generated data and the `errorRate` draws. Default 1. */
  seed?: number;
  /** Anchor time of the generated data, epoch ms. Default: start time floored to the minute. */
  now?: number;
  /** Multiplies the size of the generated data. Default 1. */
  scale?: number;
  /** Replaces the generated data entirely. */
  dataset?: Dataset;
  /** Gateway clock for the X-Sdk-Date check. Default Date.now. */
  clock?: () => number;
  maxClockSkewMs?: number;
  /** Knobs to start with (a reset goes back to the defaults, not to these). */
  knobs?: Partial<Knobs>;
}

export interface HuaweiServiceHandleFields<Dataset extends { notable: unknown }> {
  readonly account: HuaweiAccount;
  readonly projectId: string;
  /** Anchor time of the data. */
  readonly now: number;
  readonly notable: Dataset['notable'];
}

/** The service's own code and message for the statuses it answers itself. */
export interface HuaweiServiceStatusErrors {
  400: readonly [code: string, message: string];
  403: readonly [code: string, message: string];
  404: readonly [code: string, message: string];
  /** Code of any other status; its message is the status text. */
  internal: string;
}

/**
 * The body an injected status carries. 401 and 429 come from the gateway in front of the
 * service, so they use its APIGW codes; the rest are the service's own, built by `build`.
 */
export function huaweiErrorForStatus(
  status: number,
  build: (status: number, code: string, message: string) => VendorError,
  errors: HuaweiServiceStatusErrors,
): VendorError {
  switch (status) {
    case 400:
      return build(400, ...errors[400]);
    case 403:
      return build(403, ...errors[403]);
    case 404:
      return build(404, ...errors[404]);
    case 401:
      return { status, body: apigwError('APIGW.0301', 'Incorrect IAM authentication information: the token has expired') };
    case 429:
      return {
        status,
        body: apigwError('APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit, limit:100, time:1 minute'),
      };
    default:
      return build(status, errors.internal, STATUS_CODES[status] ?? 'Internal error.');
  }
}

/** The gateway's authentication (AK/SK of the account's keys, or the given IAM tokens). */
export function huaweiServiceAuth(
  account: HuaweiAccount,
  options: Pick<HuaweiServiceEmulatorOptions<unknown, unknown>, 'tokens' | 'clock' | 'maxClockSkewMs'>,
): RequestHandler {
  const verifier = createHuaweiAkskVerifier({
    secretFor: (ak) => account.accessKeys.find((k) => k.accessKey === ak)?.secretKey,
    ...(options.clock ? { now: options.clock } : {}),
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
  });
  return huaweiGatewayAuth({ verifier, ...(options.tokens ? { tokens: options.tokens } : {}) });
}

/**
 * Answers the service's 403 (built by `forbidden` from a reason) for any project but the
 * account's, or one the caller is not scoped to; true when the request may go on.
 */
export function huaweiProjectAllowed(
  req: Request,
  res: Response,
  account: HuaweiAccount,
  forbidden: (reason: string) => VendorError,
): boolean {
  const projectId = String(req.params.project_id);
  const reason =
    projectId !== account.projectId
      ? `Project ${projectId} does not exist or is not accessible with these credentials.`
      : projectMismatch(huaweiCaller(res), projectId);
  if (reason === undefined) return true;
  const e = forbidden(reason);
  sendJson(res, e.status, e.body);
  return false;
}
