import type { EventRecord } from '../../model/event.model.js';
import { HUAWEI_CLOUD } from '../huawei/huawei-cloud.vendor.js';

/** The kind of event this vendor module adds to the schema's EventKind. */
export const DEPLOYMENT_KIND = { name: 'DEPLOYMENT', description: 'Huawei Cloud ModelArts real-time service (deployment) events.' } as const;

export { HUAWEI_CLOUD };

export interface DeploymentEventRecord extends EventRecord {
  kind: 'DEPLOYMENT';
  vendor: 'HUAWEI_CLOUD';
  projectId: string;
  serviceId: string;
  serviceName: string;
  eventType: string;
  eventInfo: string;
}
