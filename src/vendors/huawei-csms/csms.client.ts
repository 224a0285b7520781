import type { CsmsSourceConfig } from './csms.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { encodeRfc3986 } from '../../upstream/upstream.url.js';
import { HuaweiClient, type HuaweiClientOptions } from '../huawei/huawei.client.js';
import { csmsRecordsSchema, type CsmsRecords } from './csms.schemas.js';

/**
 * Huawei CSMS secret notification records, `ListNotificationRecords` (docs/vendors/huawei-csms.md). The API takes no parameter: one call returns everything the service keeps (at most
 * 1000 records, three months). Errors come nested, `{error: {error_code, error_msg}}`, which
 * `huaweiErrorFor` reads.
 */

/** Kept for callers of the former per-client options; the same as HuaweiClientOptions. */
export type CsmsClientOptions = HuaweiClientOptions;

export class CsmsClient extends HuaweiClient {
  constructor(config: CsmsSourceConfig, options: CsmsClientOptions = {}) {
    super(config, options);
  }

  /** `GET /v1/{project_id}/csms/notification-records`. `calls`: see `UpstreamClient.request`. */
  listNotificationRecords(calls?: UpstreamCallCounts): Promise<CsmsRecords> {
    return this.request({ api: 'ListNotificationRecords', method: 'GET', path: `/v1/${encodeRfc3986(this.projectId)}/csms/notification-records` }, csmsRecordsSchema, calls);
  }
}
