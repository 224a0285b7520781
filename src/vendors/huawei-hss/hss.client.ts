import type { HssSourceConfig } from './hss.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { HuaweiClient, type HuaweiClientOptions } from '../huawei/huawei.client.js';
import { hssImageEventPageSchema, type HssImageEventPage } from './hss.schemas.js';

/**
 * Huawei HSS container-image operation logs, `ListContainerImageLogs` (docs/vendors/huawei-hss.md). Parameters are the upstream's own, in camelCase; undefined ones are not sent, so the
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

/** Kept for callers of the former per-client options; the same as HuaweiClientOptions. */
export type HssClientOptions = HuaweiClientOptions;

export class HssClient extends HuaweiClient {
  constructor(config: HssSourceConfig, options: HssClientOptions = {}) {
    super(config, options);
  }

  /** `GET /v5/{project_id}/container/image/events`. `calls`: see `UpstreamClient.request`. */
  listImageEvents(params: ListImageEventsParams = {}, calls?: UpstreamCallCounts): Promise<HssImageEventPage> {
    return this.request(
      {
        api: 'ListContainerImageLogs',
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
      calls,
    );
  }
}
