import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DeploymentEventType } from './deployment-event.type.js';
import { DeploymentServiceType } from './deployment-service.type.js';

/** The upstream's own values, spelled as GraphQL enum values; the resolver maps them back. */
export enum DeploymentInferType {
  REAL_TIME = 'real-time',
  BATCH = 'batch',
  EDGE = 'edge',
}

export enum DeploymentServiceStatus {
  RUNNING = 'running',
  DEPLOYING = 'deploying',
  CONCERNING = 'concerning',
  FAILED = 'failed',
  STOPPED = 'stopped',
  FINISHED = 'finished',
  STOPPING = 'stopping',
  DELETING = 'deleting',
  PENDING = 'pending',
  WAITING = 'waiting',
}

export enum DeploymentServiceSortBy {
  PUBLISH_AT = 'publish_at',
  SERVICE_NAME = 'service_name',
  TRANSITION_AT = 'transition_at',
}

export enum DeploymentEventSortBy {
  OCCUR_TIME = 'occur_time',
}

export enum DeploymentEventTypeFilter {
  NORMAL = 'normal',
  ABNORMAL = 'abnormal',
}

registerEnumType(DeploymentInferType, { name: 'DeploymentInferType' });
registerEnumType(DeploymentServiceStatus, { name: 'DeploymentServiceStatus' });
registerEnumType(DeploymentServiceSortBy, { name: 'DeploymentServiceSortBy' });
registerEnumType(DeploymentEventSortBy, { name: 'DeploymentEventSortBy' });
registerEnumType(DeploymentEventTypeFilter, { name: 'DeploymentEventTypeFilter' });

@ObjectType('DeploymentServicePage', { description: 'One page of the ModelArts service list, as the upstream answered it.' })
export class DeploymentServicePageType {
  @Field(() => Int, { description: 'Services matching the query, over all pages.' })
  totalCount!: number;

  @Field(() => Int, { description: 'Services on this page.' })
  count!: number;

  @Field(() => [DeploymentServiceType])
  services!: DeploymentServiceType[];
}

@ObjectType('DeploymentEventPage', { description: 'One page of a ModelArts service\'s events, as the upstream answered it.' })
export class DeploymentEventPageType {
  @Field(() => String)
  serviceId!: string;

  @Field(() => String)
  serviceName!: string;

  @Field(() => Int, { description: 'Events matching the query, over all pages.' })
  totalCount!: number;

  @Field(() => Int, { description: 'Events on this page.' })
  count!: number;

  @Field(() => [DeploymentEventType])
  events!: DeploymentEventType[];
}
