import type { ModelArtsSourceConfig } from '../../config/config.schema.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { createHuaweiAuth, huaweiErrorFor, type HuaweiAuth } from '../huawei/huawei-auth.js';
import type { HuaweiIamTokenProvider } from '../huawei/huawei-iam.token-provider.js';
import { serviceEventsSchema, serviceListSchema, type ServiceEvents, type ServiceList } from './modelarts.schemas.js';

/**
 * Huawei ModelArts v1 inference services (VENDORS.md §4, seed 003): the service list and
 * each service's events. Parameters are the upstream's own, in camelCase; undefined ones are
 * not sent, so the upstream's defaults apply (limit 1000, order desc by occur_time).
 *
 * Both calls page by `offset` = PAGE INDEX (0, 1, 2, ...), not a record offset: the v2 API
 * with a record offset is a different endpoint that this client does not call.
 */

export interface ListServicesParams {
  serviceId?: string;
  serviceName?: string;
  modelId?: string;
  workspaceId?: string;
  inferType?: 'real-time' | 'batch' | 'edge';
  /** running, deploying, concerning, failed, stopped, finished, stopping, deleting, pending, waiting */
  status?: string;
  /** Page index, from 0. */
  offset?: number;
  /** Page size; upstream default 1000. */
  limit?: number;
  sortBy?: 'publish_at' | 'service_name' | 'transition_at';
  order?: 'asc' | 'desc';
}

export interface ListServiceEventsParams {
  eventType?: 'normal' | 'abnormal';
  /** Epoch ms. */
  startTime?: number;
  /** Epoch ms. */
  endTime?: number;
  /** Page index, from 0. */
  offset?: number;
  /** Page size; upstream default 1000. */
  limit?: number;
  /** Upstream default occur_time. */
  sortBy?: string;
  /** Upstream default desc. */
  order?: 'asc' | 'desc';
}

export interface ModelArtsClientOptions {
  onCall?: UpstreamCallListener;
  /** Clock, epoch ms, for signing and token expiry; injectable for tests. */
  now?: () => number;
  /** See HuaweiIamTokenProviderOptions.refreshMarginMs. */
  refreshMarginMs?: number;
  /** An IAM token provider shared with the account's other Huawei sources. */
  tokenProvider?: HuaweiIamTokenProvider;
}

export class ModelArtsClient extends UpstreamClient {
  readonly projectId: string;
  private readonly auth: HuaweiAuth;

  constructor(config: ModelArtsSourceConfig, options: ModelArtsClientOptions = {}) {
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

  /** `GET /v1/{project_id}/services`: which services exist, to know which streams to read. */
  listServices(params: ListServicesParams = {}): Promise<ServiceList> {
    return this.request(
      {
        method: 'GET',
        path: `/v1/${encodeRfc3986(this.projectId)}/services`,
        query: {
          service_id: params.serviceId,
          service_name: params.serviceName,
          model_id: params.modelId,
          workspace_id: params.workspaceId,
          infer_type: params.inferType,
          status: params.status,
          offset: params.offset,
          limit: params.limit,
          sort_by: params.sortBy,
          order: params.order,
        },
      },
      serviceListSchema,
    );
  }

  /**
   * `GET /v1/{project_id}/services/{service_id}/events`. An unknown service answers 404 with
   * a `ModelArts.xxxx` code: UPSTREAM_BAD_RESPONSE with `status: 404` and `upstreamCode`,
   * so a caller can tell "no such service" from an outage.
   */
  listServiceEvents(serviceId: string, params: ListServiceEventsParams = {}): Promise<ServiceEvents> {
    return this.request(
      {
        method: 'GET',
        path: `/v1/${encodeRfc3986(this.projectId)}/services/${encodeRfc3986(serviceId)}/events`,
        query: {
          event_type: params.eventType,
          start_time: params.startTime,
          end_time: params.endTime,
          offset: params.offset,
          limit: params.limit,
          sort_by: params.sortBy,
          order: params.order,
        },
      },
      serviceEventsSchema,
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
