import { UpstreamError, codeForStatus } from '../../upstream/upstream.errors.js';

/**
 * Reads a Huawei Cloud error body, for the `errorFor` hook of the three Huawei sources and
 * of IAM. The services do not agree on one shape (docs/vendors/huawei-modelarts.md, "Auth and signing"):
 *
 * - API gateway, HSS, ModelArts: `{error_code: "ModelArts.0104", error_msg}`
 * - CSMS: `{error: {error_code: "CSMS.0401", error_msg}}`
 * - IAM (Keystone style): `{error: {code: 401, title: "Unauthorized", message}}`
 *
 * The HTTP status decides the UpstreamErrorCode (`codeForStatus`), so a 404 for an unknown
 * ModelArts service stays UPSTREAM_BAD_RESPONSE with `status: 404`; the vendor's code and
 * message ride along for callers and logs. A 2xx is never an error for Huawei, and an error
 * status without a readable body gets the core's default mapping.
 */
export function huaweiErrorFor(source: string, status: number, body: unknown): UpstreamError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const parsed = readHuaweiError(body);
  if (!parsed) return undefined;
  const { code, message } = parsed;
  return new UpstreamError({
    code: codeForStatus(status),
    source,
    status,
    ...(code === undefined ? {} : { upstreamCode: code }),
    ...(message === undefined ? {} : { upstreamMessage: message }),
    message: `HTTP ${status}: ${[code, message].filter((part) => part !== undefined).join(': ')}`,
  });
}

function readHuaweiError(body: unknown): { code?: string; message?: string } | undefined {
  if (!isRecord(body)) return undefined;
  const flat = fields(body, 'error_code', 'error_msg');
  if (flat) return flat;
  if (isRecord(body['error'])) {
    return fields(body['error'], 'error_code', 'error_msg') ?? fields(body['error'], 'code', 'message');
  }
  return undefined;
}

function fields(record: Record<string, unknown>, codeKey: string, messageKey: string): { code?: string; message?: string } | undefined {
  const code = scalar(record[codeKey]);
  const message = scalar(record[messageKey]);
  if (code === undefined && message === undefined) return undefined;
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
