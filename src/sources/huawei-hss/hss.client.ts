import type { HssSourceConfig } from '../../config/config.schema.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { createHuaweiAuth, huaweiErrorFor, type HuaweiAuth } from '../huawei/huawei-auth.js';
import type { HuaweiIamTokenProvider } from '../huawei/huawei-iam.token-provider.js';
import { hssImageEventPageSchema, type HssImageEventPage } from './hss.schemas.js';

/**
 * Huawei HSS container-image operation logs, `ListContainerImageLogs` (VENDORS.md §2, seed
 * 001). Parameters are the upstream's own, in camelCase; undefined ones are not sent, so the
 * upstream's defaults apply (limit 10, offset 0). The API has no sort parameter.
 */

/** The documented bounds of the query parameters. */
export const HSS_LIMITS = {
  maxLimit: 200,
  maxOffset: 2_000_000,
  length: {
    resourceName: 256,
    resourceType: 64,
    eventType: 64,
    eventName: 256,
    sourceIp: 64,
    userName: 64,
  },
} as const;

export type HssStringParam = keyof typeof HSS_LIMITS.length;

export interface ListImageEventsParams extends Partial<Record<HssStringParam, string>> {
  /** Epoch ms, inclusive. */
  startTime?: number;
  /** Epoch ms, inclusive. */
  endTime?: number;
  /** 0..200; upstream default 10. */
  limit?: number;
  /** A record offset, 0..2,000,000. */
  offset?: number;
}

export interface HssClientOptions {
  onCall?: UpstreamCallListener;
  now?: () => number;
  refreshMarginMs?: number;
  tokenProvider?: HuaweiIamTokenProvider;
}

export class HssClient extends UpstreamClient {
  readonly projectId: string;
  private readonly auth: HuaweiAuth;

  constructor(config: HssSourceConfig, options: HssClientOptions = {}) {
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

  /** `GET /v5/{project_id}/container/image/events`. */
  listImageEvents(params: ListImageEventsParams = {}): Promise<HssImageEventPage> {
    return this.request(
      {
        method: 'GET',
        path: `/v5/${encodeRfc3986(this.projectId)}/container/image/events`,
        query: {
          resource_name: params.resourceName,
          resource_type: params.resourceType,
          event_type: params.eventType,
          event_name: params.eventName,
          source_ip: params.sourceIp,
          user_name: params.userName,
          start_time: params.startTime,
          end_time: params.endTime,
          limit: params.limit,
          offset: params.offset,
        },
      },
      hssImageEventPageSchema,
    );
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
