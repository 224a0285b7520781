import type { ModelArtsSourceConfig } from './modelarts.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { HuaweiClient, type HuaweiClientOptions } from '../huawei/huawei.client.js';
import { serviceEventsSchema, serviceListSchema, type ServiceEvents, type ServiceList } from './modelarts.schemas.js';

/**
 * Huawei ModelArts v1 inference services (docs/vendors/huawei-modelarts.md): the service list and
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

/** Kept for callers of the former per-client options; the same as HuaweiClientOptions. */
export type ModelArtsClientOptions = HuaweiClientOptions;

export class ModelArtsClient extends HuaweiClient {
  constructor(config: ModelArtsSourceConfig, options: ModelArtsClientOptions = {}) {
    super(config, options);
  }

  /**
   * `GET /v1/{project_id}/services`: which services exist, to know which streams to read.
   * `cacheTtlSeconds` keeps the answer longer than the source's events (see
   * `serviceListTtlSeconds`). `calls`: see `UpstreamClient.request`.
   */
  listServices(params: ListServicesParams = {}, cacheTtlSeconds?: number, calls?: UpstreamCallCounts): Promise<ServiceList> {
    return this.request(
      {
        api: 'ListServices',
        method: 'GET',
        ...(cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds }),
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
      calls,
    );
  }

  /**
   * `GET /v1/{project_id}/services/{service_id}/events`. An unknown service answers 404 with
   * a `ModelArts.xxxx` code: UPSTREAM_BAD_RESPONSE with `status: 404` and `upstreamCode`,
   * so a caller can tell "no such service" from an outage. `calls`: see `UpstreamClient.request`.
   */
  listServiceEvents(serviceId: string, params: ListServiceEventsParams = {}, calls?: UpstreamCallCounts): Promise<ServiceEvents> {
    return this.request(
      {
        api: 'ListServiceEvents',
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
      calls,
    );
  }
}
