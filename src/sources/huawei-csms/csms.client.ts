import type { CsmsSourceConfig } from '../../config/config.schema.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { createHuaweiAuth, huaweiErrorFor, type HuaweiAuth } from '../huawei/huawei-auth.js';
import type { HuaweiIamTokenProvider } from '../huawei/huawei-iam.token-provider.js';
import { csmsRecordsSchema, type CsmsRecords } from './csms.schemas.js';

/**
 * Huawei CSMS secret notification records, `ListNotificationRecords` (VENDORS.md §3, seed
 * 002). The API takes no parameter: one call returns everything the service keeps (at most
 * 1000 records, three months). Errors come nested, `{error: {error_code, error_msg}}`, which
 * `huaweiErrorFor` reads.
 */

export interface CsmsClientOptions {
  onCall?: UpstreamCallListener;
  now?: () => number;
  refreshMarginMs?: number;
  tokenProvider?: HuaweiIamTokenProvider;
}

export class CsmsClient extends UpstreamClient {
  readonly projectId: string;
  private readonly auth: HuaweiAuth;

  constructor(config: CsmsSourceConfig, options: CsmsClientOptions = {}) {
    super({
      sourceName: config.name,
      baseUrl: config.endpoint,
      policy: config.http,
      ...(options.onCall ? { onCall: options.onCall } : {}),
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

  /** `GET /v1/{project_id}/csms/notification-records`. */
  listNotificationRecords(): Promise<CsmsRecords> {
    return this.request({ method: 'GET', path: `/v1/${encodeRfc3986(this.projectId)}/csms/notification-records` }, csmsRecordsSchema);
  }

  protected override willSendRequest(request: PreparedRequest): Promise<void> {
    return this.auth.authorize(request);
  }

  protected override didReceiveUnauthorized(request: PreparedRequest): Promise<boolean> {
    return this.auth.onUnauthorized(request);
  }

  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    return huaweiErrorFor(this.sourceName, status, body);
  }
}
