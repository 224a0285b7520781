import type { EventRecord } from '../../model/event.model.js';
import { HUAWEI_CLOUD } from '../huawei/huawei-cloud.vendor.js';

/** The kind of event this vendor module adds to the schema's EventKind. */
export const SECRET_NOTIFICATION_KIND = { name: 'SECRET_NOTIFICATION', description: 'Huawei Cloud CSMS secret event notifications (rotation, expiry, deletion).' } as const;

export { HUAWEI_CLOUD };

export interface SecretNotificationEventRecord extends EventRecord {
  kind: 'SECRET_NOTIFICATION';
  vendor: 'HUAWEI_CLOUD';
  eventName: string;
  triggerEventType: string;
  createTime: number;
  secretName: string;
  secretType: string;
  notificationTargetName: string;
  notificationTargetId: string;
  notificationContent: string;
  notificationPayload: unknown;
  notificationStatus: string;
}
