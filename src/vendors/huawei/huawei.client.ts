import type { UpstreamPolicy } from '../../upstream/upstream.policy.js';
import type { HuaweiCredentials } from './huawei.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { createHuaweiAuth, huaweiErrorFor, type HuaweiAuth } from './huawei-auth.js';
import type { HuaweiIamTokenProvider } from './huawei-iam.token-provider.js';

/**
 * Base of the Huawei clients (HSS, CSMS, ModelArts). Why: the three are configured, sign,
 * recover from a 401 and read errors the same way; only their paths and schemas differ. The
 * auth wiring (`createHuaweiAuth` plugged into `willSendRequest` / `didReceiveUnauthorized`,
 * `huaweiErrorFor` into `errorFor`) lives here once so a fix to it reaches all three.
 */

/** The part of a Huawei source's config that a client needs. */
export interface HuaweiClientConfig {
  name: string;
  endpoint: string;
  http: UpstreamPolicy;
  credentials: HuaweiCredentials;
  scope: { projectId: string };
  /** See UpstreamClientOptions.cacheTtlSeconds; absent: no cross-request cache. */
  cacheTtlSeconds?: number;
}

export interface HuaweiClientOptions {
  onCall?: UpstreamCallListener;
  /** Clock, epoch ms, for signing and token expiry; injectable for tests. */
  now?: () => number;
  /** See HuaweiIamTokenProviderOptions.refreshMarginMs. */
  refreshMarginMs?: number;
  /** An IAM token provider shared with the account's other Huawei sources. */
  tokenProvider?: HuaweiIamTokenProvider;
}

export abstract class HuaweiClient extends UpstreamClient {
  readonly projectId: string;
  private readonly auth: HuaweiAuth;

  constructor(config: HuaweiClientConfig, options: HuaweiClientOptions = {}) {
    super({
      sourceName: config.name,
      baseUrl: config.endpoint,
      policy: config.http,
      ...(config.cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds: config.cacheTtlSeconds }),
      ...(options.onCall ? { onCall: options.onCall } : {}),
      secrets:
        config.credentials.type === 'aksk'
          ? [config.credentials.accessKey, config.credentials.secretKey]
          : [config.credentials.password],
    });
    this.projectId = config.scope.projectId;
    this.auth = createHuaweiAuth(config.credentials, {
      sourceName: config.name,
      policy: config.http,
      projectId: config.scope.projectId,
      ...(options.now ? { now: options.now } : {}),
      ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
      ...(options.onCall ? { onCall: options.onCall } : {}),
      ...(options.tokenProvider ? { tokenProvider: options.tokenProvider } : {}),
    });
  }

  protected override willSendRequest(request: PreparedRequest, calls: UpstreamCallCounts | undefined): Promise<void> {
    return this.auth.authorize(request, calls);
  }

  protected override didReceiveUnauthorized(request: PreparedRequest): Promise<boolean> {
    return this.auth.onUnauthorized(request);
  }

  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    return huaweiErrorFor(this.sourceName, status, body);
  }
}
