/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type DeploymentEventTypeFilter =
  | 'ABNORMAL'
  | 'NORMAL';

export type DeploymentServiceStatus =
  | 'CONCERNING'
  | 'DELETING'
  | 'DEPLOYING'
  | 'FAILED'
  | 'FINISHED'
  | 'PENDING'
  | 'RUNNING'
  | 'STOPPED'
  | 'STOPPING'
  | 'WAITING';

/** Every field is optional; set fields are combined with AND, list entries with OR. */
export type EventFilter = {
  /** Exact match on actor. */
  actor?: string | null | undefined;
  /** Events of these kinds. */
  kinds?: Array<EventKind> | null | undefined;
  /** Events with these outcomes. */
  outcomes?: Array<EventOutcome> | null | undefined;
  /** Exact match on resource. */
  resource?: string | null | undefined;
  /** Case-insensitive text in summary, resource or actor. */
  search?: string | null | undefined;
  /** Inclusive lower bound of occurredAt: ISO-8601, or epoch milliseconds. */
  since?: string | number | null | undefined;
  /** Configured source names. */
  sources?: Array<string> | null | undefined;
  /** Inclusive upper bound of occurredAt: ISO-8601, or epoch milliseconds. */
  until?: string | number | null | undefined;
  /** Events of these vendors. */
  vendors?: Array<Vendor> | null | undefined;
};

/** Which upstream log an event comes from: one per vendor module. */
export type EventKind =
  /** BlueKing bk-repo audit (operation) logs. */
  | 'AUDIT'
  /** Huawei Cloud ModelArts real-time service (deployment) events. */
  | 'DEPLOYMENT'
  /** Huawei Cloud HSS container-image operation logs. */
  | 'IMAGE'
  /** Huawei Cloud CSMS secret event notifications (rotation, expiry, deletion). */
  | 'SECRET_NOTIFICATION'
  /** Tencent Cloud CCR trigger logs: a trigger that an image push fired. */
  | 'TRIGGER';

/** Whether what the event records worked, normalised per vendor (see each type for its rule). */
export type EventOutcome =
  /** It failed. */
  | 'FAILURE'
  /** It worked. */
  | 'SUCCESS'
  /** The upstream does not say. */
  | 'UNKNOWN';

/** By `occurredAt`; DESC is newest first. */
export type SortDirection =
  /** Oldest first. */
  | 'ASC'
  /** Newest first. */
  | 'DESC';

/** How a source fared in one page of `events`. */
export type SourceState =
  /** Nothing came back from this source. */
  | 'FAILED'
  /** Every stream answered. */
  | 'OK'
  /** Some streams failed; the others' events are in the page. */
  | 'PARTIAL'
  /** The filter rules the source out: no upstream call was made for it. */
  | 'SKIPPED';

export type TriggerLogOrderBy =
  | 'INVOKE_TIME'
  | 'REPO_NAME'
  | 'TRIGGER_NAME';

/** Who runs the upstream. */
export type Vendor =
  /** BlueKing (Tencent's open-source DevOps platform). */
  | 'BLUEKING'
  /** Huawei Cloud. */
  | 'HUAWEI_CLOUD'
  /** Tencent Cloud. */
  | 'TENCENT_CLOUD';

export type AuditLogsQueryVariables = Exact<{
  source?: string | null | undefined;
  projectId?: string | null | undefined;
  repoName: string;
  resourceKey?: string | null | undefined;
  eventType: string;
  sha256?: string | null | undefined;
  pipelineId?: string | null | undefined;
  buildId?: string | null | undefined;
  userId?: string | null | undefined;
  since?: string | number | null | undefined;
  until?: string | number | null | undefined;
  pageNumber?: number | null | undefined;
  pageSize?: number | null | undefined;
  direction?: SortDirection | null | undefined;
}>;


export type AuditLogsQuery = { auditLogs: { pageNumber: number, pageSize: number, totalRecords: number, totalPages: number, count: number, timeZone: string, timeZoneFromUpstream: boolean, records: Array<{ __typename: 'AuditEvent', type: string, projectId: string, repoName: string, resourceKey: string, userId: string, clientAddress: string | null, createdDate: string, description: unknown, md5: string | null, sha256: string | null, pipelineId: string | null, buildId: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }> } };

export type DeploymentServicesQueryVariables = Exact<{
  source?: string | null | undefined;
  status?: DeploymentServiceStatus | null | undefined;
  offset?: number | null | undefined;
  limit?: number | null | undefined;
}>;


export type DeploymentServicesQuery = { deploymentServices: { totalCount: number, count: number, services: Array<{ serviceId: string, serviceName: string, description: string | null, owner: string | null, publishAt: string | null, inferType: string | null, status: string | null, invocationTimes: number | null, failedTimes: number | null }> } };

export type DeploymentEventsQueryVariables = Exact<{
  source?: string | null | undefined;
  serviceId: string;
  eventType?: DeploymentEventTypeFilter | null | undefined;
  startTime?: string | number | null | undefined;
  endTime?: string | number | null | undefined;
  offset?: number | null | undefined;
  limit?: number | null | undefined;
  order?: SortDirection | null | undefined;
}>;


export type DeploymentEventsQuery = { deploymentEvents: { serviceId: string, serviceName: string, totalCount: number, count: number, events: Array<{ __typename: 'DeploymentEvent', serviceId: string, serviceName: string, eventType: string, eventInfo: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, service: { serviceName: string, status: string | null } | null, source: { name: string } }> } };

export type EventByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type EventByIdQuery = { event:
    | { __typename: 'AuditEvent', type: string, projectId: string, repoName: string, resourceKey: string, userId: string, clientAddress: string | null, createdDate: string, description: unknown, md5: string | null, sha256: string | null, pipelineId: string | null, buildId: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
    | { __typename: 'DeploymentEvent', serviceId: string, serviceName: string, eventType: string, eventInfo: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
    | { __typename: 'ImageEvent', resourceName: string, resourceType: string, eventName: string, eventId: string, eventType: string, sourceIp: string | null, userName: string | null, content: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
    | { __typename: 'SecretNotificationEvent', eventName: string, triggerEventType: string, secretName: string, secretType: string, notificationTargetName: string, notificationTargetId: string, notificationStatus: string, notificationContent: string, notificationPayload: unknown, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
    | { __typename: 'TriggerEvent', triggerName: string, repoName: string, tagName: string, invokeSource: string, invokeAction: string, invokeTime: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, invokeCondition: { invokeMethod: string, invokeExpr: string, tagList: Array<string> | null }, invokePara: { appId: string | null, serviceName: string | null, clusterId: string | null, namespace: string | null, containerName: string | null, clusterRegion: number | null, clusterRegionName: string | null }, invokeResult: { returnCode: number, returnMsg: string | null }, source: { name: string } }
   | null };

type EventFields_AuditEvent_Fragment = { __typename: 'AuditEvent', type: string, projectId: string, repoName: string, resourceKey: string, userId: string, clientAddress: string | null, createdDate: string, description: unknown, md5: string | null, sha256: string | null, pipelineId: string | null, buildId: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } };

type EventFields_DeploymentEvent_Fragment = { __typename: 'DeploymentEvent', serviceId: string, serviceName: string, eventType: string, eventInfo: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } };

type EventFields_ImageEvent_Fragment = { __typename: 'ImageEvent', resourceName: string, resourceType: string, eventName: string, eventId: string, eventType: string, sourceIp: string | null, userName: string | null, content: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } };

type EventFields_SecretNotificationEvent_Fragment = { __typename: 'SecretNotificationEvent', eventName: string, triggerEventType: string, secretName: string, secretType: string, notificationTargetName: string, notificationTargetId: string, notificationStatus: string, notificationContent: string, notificationPayload: unknown, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } };

type EventFields_TriggerEvent_Fragment = { __typename: 'TriggerEvent', triggerName: string, repoName: string, tagName: string, invokeSource: string, invokeAction: string, invokeTime: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, invokeCondition: { invokeMethod: string, invokeExpr: string, tagList: Array<string> | null }, invokePara: { appId: string | null, serviceName: string | null, clusterId: string | null, namespace: string | null, containerName: string | null, clusterRegion: number | null, clusterRegionName: string | null }, invokeResult: { returnCode: number, returnMsg: string | null }, source: { name: string } };

export type EventFieldsFragment =
  | EventFields_AuditEvent_Fragment
  | EventFields_DeploymentEvent_Fragment
  | EventFields_ImageEvent_Fragment
  | EventFields_SecretNotificationEvent_Fragment
  | EventFields_TriggerEvent_Fragment
;

export type EventsPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  filter?: EventFilter | null | undefined;
  order?: SortDirection | null | undefined;
}>;


export type EventsPageQuery = { events: { totalCount: number | null, asOf: string, edges: Array<{ cursor: string, node:
        | { __typename: 'AuditEvent', type: string, projectId: string, repoName: string, resourceKey: string, userId: string, clientAddress: string | null, createdDate: string, description: unknown, md5: string | null, sha256: string | null, pipelineId: string | null, buildId: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
        | { __typename: 'DeploymentEvent', serviceId: string, serviceName: string, eventType: string, eventInfo: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
        | { __typename: 'ImageEvent', resourceName: string, resourceType: string, eventName: string, eventId: string, eventType: string, sourceIp: string | null, userName: string | null, content: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
        | { __typename: 'SecretNotificationEvent', eventName: string, triggerEventType: string, secretName: string, secretType: string, notificationTargetName: string, notificationTargetId: string, notificationStatus: string, notificationContent: string, notificationPayload: unknown, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }
        | { __typename: 'TriggerEvent', triggerName: string, repoName: string, tagName: string, invokeSource: string, invokeAction: string, invokeTime: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, invokeCondition: { invokeMethod: string, invokeExpr: string, tagList: Array<string> | null }, invokePara: { appId: string | null, serviceName: string | null, clusterId: string | null, namespace: string | null, containerName: string | null, clusterRegion: number | null, clusterRegionName: string | null }, invokeResult: { returnCode: number, returnMsg: string | null }, source: { name: string } }
       }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, sources: Array<{ status: SourceState, events: number, upstreamCalls: number, upstreamFilters: Array<string>, localFilters: Array<string>, streams: number, failedStreams: number, source: { name: string, kind: EventKind }, error: { code: string, message: string, upstreamStatus: number | null, upstreamCode: string | null } | null }> } };

export type GrafanaFailureCountQueryVariables = Exact<{
  from: string | number;
  to: string | number;
  interval_ms?: number | null | undefined;
  maxDataPoints?: number | null | undefined;
}>;


export type GrafanaFailureCountQuery = { eventHistogram: { complete: boolean, series: Array<{ name: string, total: number }> } };

export type GrafanaFailuresPerSourceQueryVariables = Exact<{
  from: string | number;
  to: string | number;
  interval_ms?: number | null | undefined;
  maxDataPoints?: number | null | undefined;
}>;


export type GrafanaFailuresPerSourceQuery = { eventHistogram: { intervalMs: number, complete: boolean, rows: Array<{ time: number, source: string | null, count: number }> } };

export type GrafanaRecentFailuresQueryVariables = Exact<{
  from: string | number;
  to: string | number;
}>;


export type GrafanaRecentFailuresQuery = { events: { edges: Array<{ node:
        | { occurredAt: string, kind: EventKind, summary: string, actor: string | null, resource: string | null, source: { name: string } }
        | { occurredAt: string, kind: EventKind, summary: string, actor: string | null, resource: string | null, source: { name: string } }
        | { occurredAt: string, kind: EventKind, summary: string, actor: string | null, resource: string | null, source: { name: string } }
        | { occurredAt: string, kind: EventKind, summary: string, actor: string | null, resource: string | null, source: { name: string } }
        | { occurredAt: string, kind: EventKind, summary: string, actor: string | null, resource: string | null, source: { name: string } }
       }> } };

export type ImageEventsQueryVariables = Exact<{
  source?: string | null | undefined;
  resourceName?: string | null | undefined;
  resourceType?: string | null | undefined;
  eventType?: string | null | undefined;
  eventName?: string | null | undefined;
  sourceIp?: string | null | undefined;
  userName?: string | null | undefined;
  startTime?: string | number | null | undefined;
  endTime?: string | number | null | undefined;
  limit?: number | null | undefined;
  offset?: number | null | undefined;
}>;


export type ImageEventsQuery = { imageEvents: { totalNum: number, count: number, events: Array<{ __typename: 'ImageEvent', resourceName: string, resourceType: string, eventName: string, eventId: string, eventType: string, sourceIp: string | null, userName: string | null, content: string | null, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }> } };

export type RecentFailuresQueryVariables = Exact<{
  since: string | number;
  until?: string | number | null | undefined;
  first?: number | null | undefined;
}>;


export type RecentFailuresQuery = { events: { totalCount: number | null, edges: Array<{ node:
        | { id: string, kind: EventKind, occurredAt: string, resource: string | null, summary: string, source: { name: string } }
        | { id: string, kind: EventKind, occurredAt: string, resource: string | null, summary: string, service: { serviceId: string, serviceName: string, status: string | null, owner: string | null } | null, source: { name: string } }
        | { id: string, kind: EventKind, occurredAt: string, resource: string | null, summary: string, source: { name: string } }
        | { id: string, kind: EventKind, occurredAt: string, resource: string | null, summary: string, source: { name: string } }
        | { id: string, kind: EventKind, occurredAt: string, resource: string | null, summary: string, source: { name: string } }
       }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SecretNotificationsQueryVariables = Exact<{
  source?: string | null | undefined;
}>;


export type SecretNotificationsQuery = { secretNotifications: { count: number, currentCount: number | null, nextMarker: string | null, previousMarker: string | null, events: Array<{ __typename: 'SecretNotificationEvent', eventName: string, triggerEventType: string, secretName: string, secretType: string, notificationTargetName: string, notificationTargetId: string, notificationStatus: string, notificationContent: string, notificationPayload: unknown, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, source: { name: string } }> } };

export type SourcesQueryVariables = Exact<{ [key: string]: never; }>;


export type SourcesQuery = { sources: Array<{ name: string, kind: EventKind, vendor: Vendor, endpoint: string }> };

export type TriggerLogsQueryVariables = Exact<{
  source?: string | null | undefined;
  repoName?: string | null | undefined;
  offset?: number | null | undefined;
  limit?: number | null | undefined;
  order?: SortDirection | null | undefined;
  orderBy?: TriggerLogOrderBy | null | undefined;
}>;


export type TriggerLogsQuery = { triggerLogs: { repoName: string, totalCount: number, count: number, events: Array<{ __typename: 'TriggerEvent', triggerName: string, repoName: string, tagName: string, invokeSource: string, invokeAction: string, invokeTime: string, id: string, kind: EventKind, vendor: Vendor, occurredAt: string, outcome: EventOutcome, actor: string | null, resource: string | null, summary: string, raw: unknown, invokeCondition: { invokeMethod: string, invokeExpr: string, tagList: Array<string> | null }, invokePara: { appId: string | null, serviceName: string | null, clusterId: string | null, namespace: string | null, containerName: string | null, clusterRegion: number | null, clusterRegionName: string | null }, invokeResult: { returnCode: number, returnMsg: string | null }, source: { name: string } }> } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { name: string, kinds: Array<EventKind>, sources: Array<{ name: string, kind: EventKind, vendor: Vendor, endpoint: string }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const EventFieldsFragmentDoc = new TypedDocumentString(`
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}
    `, {"fragmentName":"EventFields"}) as unknown as TypedDocumentString<EventFieldsFragment, unknown>;
export const AuditLogsDocument = new TypedDocumentString(`
    query AuditLogs($source: String, $projectId: String, $repoName: String!, $resourceKey: String, $eventType: String!, $sha256: String, $pipelineId: String, $buildId: String, $userId: String, $since: Timestamp, $until: Timestamp, $pageNumber: Int, $pageSize: Int, $direction: SortDirection) {
  auditLogs(
    source: $source
    projectId: $projectId
    repoName: $repoName
    resourceKey: $resourceKey
    eventType: $eventType
    sha256: $sha256
    pipelineId: $pipelineId
    buildId: $buildId
    userId: $userId
    since: $since
    until: $until
    pageNumber: $pageNumber
    pageSize: $pageSize
    direction: $direction
  ) {
    pageNumber
    pageSize
    totalRecords
    totalPages
    count
    timeZone
    timeZoneFromUpstream
    records {
      ...EventFields
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<AuditLogsQuery, AuditLogsQueryVariables>;
export const DeploymentServicesDocument = new TypedDocumentString(`
    query DeploymentServices($source: String, $status: DeploymentServiceStatus, $offset: Int, $limit: Int) {
  deploymentServices(
    source: $source
    status: $status
    offset: $offset
    limit: $limit
  ) {
    totalCount
    count
    services {
      serviceId
      serviceName
      description
      owner
      publishAt
      inferType
      status
      invocationTimes
      failedTimes
    }
  }
}
    `) as unknown as TypedDocumentString<DeploymentServicesQuery, DeploymentServicesQueryVariables>;
export const DeploymentEventsDocument = new TypedDocumentString(`
    query DeploymentEvents($source: String, $serviceId: String!, $eventType: DeploymentEventTypeFilter, $startTime: Timestamp, $endTime: Timestamp, $offset: Int, $limit: Int, $order: SortDirection) {
  deploymentEvents(
    source: $source
    serviceId: $serviceId
    eventType: $eventType
    startTime: $startTime
    endTime: $endTime
    offset: $offset
    limit: $limit
    order: $order
  ) {
    serviceId
    serviceName
    totalCount
    count
    events {
      ...EventFields
      ... on DeploymentEvent {
        service {
          serviceName
          status
        }
      }
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<DeploymentEventsQuery, DeploymentEventsQueryVariables>;
export const EventByIdDocument = new TypedDocumentString(`
    query EventById($id: ID!) {
  event(id: $id) {
    ...EventFields
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<EventByIdQuery, EventByIdQueryVariables>;
export const EventsPageDocument = new TypedDocumentString(`
    query EventsPage($first: Int, $after: String, $last: Int, $before: String, $filter: EventFilter, $order: SortDirection) {
  events(
    first: $first
    after: $after
    last: $last
    before: $before
    filter: $filter
    order: $order
  ) {
    totalCount
    asOf
    edges {
      cursor
      node {
        ...EventFields
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    sources {
      source {
        name
        kind
      }
      status
      events
      upstreamCalls
      upstreamFilters
      localFilters
      streams
      failedStreams
      error {
        code
        message
        upstreamStatus
        upstreamCode
      }
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<EventsPageQuery, EventsPageQueryVariables>;
export const GrafanaFailureCountDocument = new TypedDocumentString(`
    query GrafanaFailureCount($from: Timestamp!, $to: Timestamp!, $interval_ms: Float, $maxDataPoints: Int) {
  eventHistogram(
    from: $from
    to: $to
    intervalMs: $interval_ms
    maxDataPoints: $maxDataPoints
    filter: {outcomes: [FAILURE]}
  ) {
    complete
    series {
      name
      total
    }
  }
}
    `) as unknown as TypedDocumentString<GrafanaFailureCountQuery, GrafanaFailureCountQueryVariables>;
export const GrafanaFailuresPerSourceDocument = new TypedDocumentString(`
    query GrafanaFailuresPerSource($from: Timestamp!, $to: Timestamp!, $interval_ms: Float, $maxDataPoints: Int) {
  eventHistogram(
    from: $from
    to: $to
    intervalMs: $interval_ms
    maxDataPoints: $maxDataPoints
    filter: {outcomes: [FAILURE]}
    groupBy: [SOURCE]
  ) {
    intervalMs
    complete
    rows {
      time
      source
      count
    }
  }
}
    `) as unknown as TypedDocumentString<GrafanaFailuresPerSourceQuery, GrafanaFailuresPerSourceQueryVariables>;
export const GrafanaRecentFailuresDocument = new TypedDocumentString(`
    query GrafanaRecentFailures($from: Timestamp!, $to: Timestamp!) {
  events(first: 100, filter: {outcomes: [FAILURE], since: $from, until: $to}) {
    edges {
      node {
        occurredAt
        source {
          name
        }
        kind
        summary
        actor
        resource
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GrafanaRecentFailuresQuery, GrafanaRecentFailuresQueryVariables>;
export const ImageEventsDocument = new TypedDocumentString(`
    query ImageEvents($source: String, $resourceName: String, $resourceType: String, $eventType: String, $eventName: String, $sourceIp: String, $userName: String, $startTime: Timestamp, $endTime: Timestamp, $limit: Int, $offset: Int) {
  imageEvents(
    source: $source
    resourceName: $resourceName
    resourceType: $resourceType
    eventType: $eventType
    eventName: $eventName
    sourceIp: $sourceIp
    userName: $userName
    startTime: $startTime
    endTime: $endTime
    limit: $limit
    offset: $offset
  ) {
    totalNum
    count
    events {
      ...EventFields
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<ImageEventsQuery, ImageEventsQueryVariables>;
export const RecentFailuresDocument = new TypedDocumentString(`
    query RecentFailures($since: Timestamp!, $until: Timestamp, $first: Int = 50) {
  events(
    first: $first
    filter: {outcomes: [FAILURE], since: $since, until: $until}
  ) {
    totalCount
    edges {
      node {
        id
        kind
        occurredAt
        resource
        summary
        source {
          name
        }
        ... on DeploymentEvent {
          service {
            serviceId
            serviceName
            status
            owner
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<RecentFailuresQuery, RecentFailuresQueryVariables>;
export const SecretNotificationsDocument = new TypedDocumentString(`
    query SecretNotifications($source: String) {
  secretNotifications(source: $source) {
    count
    currentCount
    nextMarker
    previousMarker
    events {
      ...EventFields
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<SecretNotificationsQuery, SecretNotificationsQueryVariables>;
export const SourcesDocument = new TypedDocumentString(`
    query Sources {
  sources {
    name
    kind
    vendor
    endpoint
  }
}
    `) as unknown as TypedDocumentString<SourcesQuery, SourcesQueryVariables>;
export const TriggerLogsDocument = new TypedDocumentString(`
    query TriggerLogs($source: String, $repoName: String, $offset: Int, $limit: Int, $order: SortDirection, $orderBy: TriggerLogOrderBy) {
  triggerLogs(
    source: $source
    repoName: $repoName
    offset: $offset
    limit: $limit
    order: $order
    orderBy: $orderBy
  ) {
    repoName
    totalCount
    count
    events {
      ...EventFields
    }
  }
}
    fragment EventFields on Event {
  __typename
  id
  kind
  vendor
  source {
    name
  }
  occurredAt
  outcome
  actor
  resource
  summary
  raw
  ... on DeploymentEvent {
    serviceId
    serviceName
    eventType
    eventInfo
  }
  ... on TriggerEvent {
    triggerName
    repoName
    tagName
    invokeSource
    invokeAction
    invokeTime
    invokeCondition {
      invokeMethod
      invokeExpr
      tagList
    }
    invokePara {
      appId
      serviceName
      clusterId
      namespace
      containerName
      clusterRegion
      clusterRegionName
    }
    invokeResult {
      returnCode
      returnMsg
    }
  }
  ... on ImageEvent {
    resourceName
    resourceType
    eventName
    eventId
    eventType
    sourceIp
    userName
    content
  }
  ... on SecretNotificationEvent {
    eventName
    triggerEventType
    secretName
    secretType
    notificationTargetName
    notificationTargetId
    notificationStatus
    notificationContent
    notificationPayload
  }
  ... on AuditEvent {
    type
    projectId
    repoName
    resourceKey
    userId
    clientAddress
    createdDate
    description
    md5
    sha256
    pipelineId
    buildId
  }
}`) as unknown as TypedDocumentString<TriggerLogsQuery, TriggerLogsQueryVariables>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    name
    sources {
      name
      kind
      vendor
      endpoint
    }
    kinds
  }
}
    `) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;