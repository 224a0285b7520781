/**
 * The normalised event, as every layer below `graphql/` sees it. Plain data: the GraphQL
 * object types in `graphql/types/` describe these shapes, and `resolveType` picks the type
 * from `kind` (type-graphql#373: constructor names are not a safe discriminator).
 */

export enum EventKind {
  TRIGGER = 'TRIGGER',
  IMAGE = 'IMAGE',
  SECRET_NOTIFICATION = 'SECRET_NOTIFICATION',
  DEPLOYMENT = 'DEPLOYMENT',
  AUDIT = 'AUDIT',
}

export enum Vendor {
  TENCENT_CLOUD = 'TENCENT_CLOUD',
  HUAWEI_CLOUD = 'HUAWEI_CLOUD',
  BLUEKING = 'BLUEKING',
}

export enum EventOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
  UNKNOWN = 'UNKNOWN',
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

export interface EventBase {
  /** Opaque and stable; `event(id:)` finds the event again from it. */
  id: string;
  kind: EventKind;
  vendor: Vendor;
  /** Name of the configured source the event came from. */
  sourceName: string;
  /** The stream (one independently paginated upstream query) it was read from. */
  streamKey: string;
  /** Epoch milliseconds, UTC. */
  occurredAt: number;
  outcome: EventOutcome;
  actor: string | null;
  resource: string | null;
  summary: string;
  /** The upstream record, untouched. */
  raw: unknown;
}

export interface DeploymentEventRecord extends EventBase {
  kind: EventKind.DEPLOYMENT;
  projectId: string;
  serviceId: string;
  serviceName: string;
  eventType: string;
  eventInfo: string;
}

export interface TriggerEventRecord extends EventBase {
  kind: EventKind.TRIGGER;
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

export interface ImageEventRecord extends EventBase {
  kind: EventKind.IMAGE;
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

export interface SecretNotificationEventRecord extends EventBase {
  kind: EventKind.SECRET_NOTIFICATION;
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

export interface AuditEventRecord extends EventBase {
  kind: EventKind.AUDIT;
  type: string;
  createdDate: string;
  projectId: string;
  repoName: string;
  resourceKey: string;
  userId: string;
  clientAddress: string | null;
  description: Record<string, unknown>;
  md5: string | null;
  sha256: string | null;
  pipelineId: string | null;
  buildId: string | null;
}

export type EventRecord =
  | TriggerEventRecord
  | ImageEventRecord
  | SecretNotificationEventRecord
  | DeploymentEventRecord
  | AuditEventRecord;
