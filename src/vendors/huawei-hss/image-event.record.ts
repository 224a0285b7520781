import type { EventRecord } from '../../model/event.model.js';
import { HUAWEI_CLOUD } from '../huawei/huawei-cloud.vendor.js';

/** The kind of event this vendor module adds to the schema's EventKind. */
export const IMAGE_KIND = { name: 'IMAGE', description: 'Huawei Cloud HSS container-image operation logs.' } as const;

export { HUAWEI_CLOUD };

export interface ImageEventRecord extends EventRecord {
  kind: 'IMAGE';
  vendor: 'HUAWEI_CLOUD';
  resourceName: string;
  resourceType: string;
  eventName: string;
  eventId: string;
  eventType: string;
  sourceIp: string | null;
  userName: string | null;
  content: string | null;
  time: number;
}
