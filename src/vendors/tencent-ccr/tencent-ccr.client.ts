import { randomInt } from 'node:crypto';
import type { TencentCcrSourceConfig } from './tencent-ccr.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener, type UpstreamRequest } from '../../upstream/upstream.client.js';
import { codeForStatus, type UpstreamError, type UpstreamErrorCode } from '../../upstream/upstream.errors.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { envelopeSchema, listTriggerLogSchema, type TriggerLogPage } from './tencent-ccr.schemas.js';
import { signRequest, type TencentSignatureMethod } from './tencent-ccr.signer.js';

/**
 * Tencent Cloud CCR's legacy `ListTriggerLog` (API 2.0; docs/vendors/tencent-ccr.md): one
 * HMAC-signed call at `/v2/index.php`, by GET or POST.
 */

export interface ListTriggerLogParams {
  repoName: string;
  /** Record offset, from 0; upstream default 0. */
  offset?: number;
  /** Upstream default 20. */
  limit?: number;
  /** asc | desc. */
  order?: 'asc' | 'desc';
  orderBy?: 'invoke_time' | 'trigger_name' | 'repo_name';
}

export interface TencentCcrClientOptions {
  onCall?: UpstreamCallListener;
  /** Clock for `Timestamp`, epoch ms; injectable for tests. */
  now?: () => number;
  /** Source of `Nonce`; injectable for tests. Default: a random 31-bit positive integer. */
  nonce?: () => number;
}

/** The common parameters that signing adds per attempt. None of them may reach a cache key. */
export const SIGNING_PARAMS: readonly string[] = ['Signature', 'Nonce', 'Timestamp', 'SecretId', 'SignatureMethod', 'Token'];

const API_PATH = '/v2/index.php';

/**
 * The documented codes (docs/vendors/tencent-ccr.md), mapped onto our vocabulary:
 * - 4100 (signature), 4101–4103 (not authorised), 4104 (unknown SecretId) and 4110
 *   (permission check) are the credentials: UPSTREAM_AUTH_FAILED;
 * - 4500 (a replayed Nonce or a Timestamp 2 hours off) is also UPSTREAM_AUTH_FAILED: every
 *   attempt signs afresh with a new random nonce, so the only way to get it is a clock that
 *   is wrong, which no retry fixes;
 * - 4000 (a bad or missing parameter) and any other code: UPSTREAM_BAD_RESPONSE.
 * `upstreamCode` is the vendor's code as a string, `upstreamMessage` its message.
 */
export function codeForTencent(code: number): UpstreamErrorCode {
  if (code === 4100 || (code >= 4101 && code <= 4104) || code === 4110 || code === 4500) return 'UPSTREAM_AUTH_FAILED';
  return 'UPSTREAM_BAD_RESPONSE';
}

export class TencentCcrClient extends UpstreamClient {
  readonly region: string;
  private readonly credentials: TencentCcrSourceConfig['credentials'];
  private readonly signatureMethod: TencentSignatureMethod;
  private readonly httpMethod: 'GET' | 'POST';
  private readonly now: () => number;
  private readonly nonce: () => number;

  constructor(config: TencentCcrSourceConfig, options: TencentCcrClientOptions = {}) {
    super({
      sourceName: config.name,
      baseUrl: config.endpoint,
      policy: config.http,
      cacheTtlSeconds: config.cacheTtlSeconds,
      ...(options.onCall ? { onCall: options.onCall } : {}),
      secrets: [config.credentials.secretId, config.credentials.secretKey, config.credentials.token],
    });
    this.region = config.scope.region;
    this.credentials = config.credentials;
    this.signatureMethod = config.signatureMethod;
    this.httpMethod = config.httpMethod;
    this.now = options.now ?? Date.now;
    this.nonce = options.nonce ?? (() => randomInt(1, 2 ** 31));
  }

  /** `calls`: see `UpstreamClient.request`. */
  listTriggerLog(params: ListTriggerLogParams, calls?: UpstreamCallCounts): Promise<TriggerLogPage> {
    return this.request(
      {
        api: 'ListTriggerLog',
        method: this.httpMethod,
        path: API_PATH,
        // The action's parameters only: the signing ones are added per attempt.
        query: {
          Action: 'ListTriggerLog',
          Region: this.region,
          reponame: params.repoName,
          offset: params.offset,
          limit: params.limit,
          order: params.order,
          orderby: params.orderBy,
        },
        // A read, whichever method carries it.
        idempotent: true,
      },
      listTriggerLogSchema,
      calls,
    );
  }

  /**
   * The unsigned request, without any signing parameter even if a caller put one in: two
   * attempts of one question differ only in Nonce, Timestamp and Signature, and must share
   * an answer.
   */
  override cacheKeyFor(request: UpstreamRequest): string {
    const query = Object.fromEntries(Object.entries(request.query ?? {}).filter(([name]) => !SIGNING_PARAMS.includes(name)));
    return super.cacheKeyFor({ ...request, query });
  }

  /**
   * Signs the final parameters, on every attempt: the Timestamp is fresh and the Nonce new,
   * so a retry is never refused as a replay (4500). For POST the parameters move into a
   * form body, which is what the signature then covers.
   */
  protected override willSendRequest(request: PreparedRequest): void {
    const params: Record<string, string> = {};
    for (const [name, value] of request.url.searchParams) params[name] = value;
    params.SecretId = this.credentials.secretId;
    params.Timestamp = String(Math.floor(this.now() / 1000));
    params.Nonce = String(this.nonce());
    params.SignatureMethod = this.signatureMethod;
    if (this.credentials.token !== undefined) params.Token = this.credentials.token;
    params.Signature = signRequest(
      { method: request.method, host: request.url.host, path: request.url.pathname, params },
      this.credentials.secretKey,
      this.signatureMethod,
    );
    const encoded = Object.entries(params)
      .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
      .join('&');
    if (request.method === 'POST') {
      request.url.search = '';
      request.body = encoded;
      request.headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      request.url.search = encoded;
    }
  }

  /** Tencent reports errors in a 200 body with `code != 0`; an HTTP error keeps its default reading. */
  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    const envelope = envelopeSchema.safeParse(body);
    const ok = status >= 200 && status < 300;
    if (!envelope.success) return undefined;
    const { code, message, codeDesc } = envelope.data;
    if (ok && code === 0) return undefined;
    const detail = [codeDesc, message].filter((part) => part != null && part !== '').join(': ');
    const what = `ListTriggerLog answered code ${code}${detail ? ` (${detail})` : ''}`;
    return this.error(ok ? codeForTencent(code) : codeForStatus(status), ok ? what : `HTTP ${status}, ${what}`, {
      status,
      upstreamCode: String(code),
      ...(message ? { upstreamMessage: message } : {}),
    });
  }
}
