import type { EventRecord } from '../../model/event.model.js';

/** The kind of event this vendor module adds to the schema's EventKind. */
export const TRIGGER_KIND = { name: 'TRIGGER', description: 'Tencent Cloud CCR trigger logs: a trigger that an image push fired.' } as const;

/** This vendor, in the schema's Vendor. */
export const TENCENT_CLOUD = { name: 'TENCENT_CLOUD', description: "Tencent Cloud." } as const;

export interface TriggerEventRecord extends EventRecord {
  kind: 'TRIGGER';
  vendor: 'TENCENT_CLOUD';
  triggerName: string;
  repoName: string;
  tagName: string;
  invokeSource: string;
  invokeAction: string;
  invokeTime: string;
  invokeCondition: { invokeMethod: string; invokeExpr: string; tagList: string[] | null };
  invokePara: {
    appId: string | null;
    serviceName: string | null;
    clusterId: string | null;
    namespace: string | null;
    containerName: string | null;
    clusterRegion: number | null;
    clusterRegionName: string | null;
  };
  invokeResult: { returnCode: number; returnMsg: string | null };
}
