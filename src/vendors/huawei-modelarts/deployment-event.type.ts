import { Field, ObjectType } from 'type-graphql';
import { DeploymentServiceType } from './deployment-service.type.js';
import { EventInterface, type EventTypeMatches } from '../../graphql/types/event.interface.js';
import type { DeploymentEventRecord } from './deployment-event.record.js';

@ObjectType('DeploymentEvent', {
  implements: EventInterface,
  description:
    'A Huawei ModelArts service event (GET /v1/{project_id}/services/{service_id}/events). outcome: normal is SUCCESS, abnormal FAILURE. resource: the service name.',
})
export class DeploymentEventType extends EventInterface {
  @Field(() => String)
  serviceId!: string;

  @Field(() => String)
  serviceName!: string;

  @Field(() => String, { description: 'normal | abnormal' })
  eventType!: string;

  @Field(() => String)
  eventInfo!: string;

  @Field(() => DeploymentServiceType, { nullable: true, description: 'The service, from the service list; null when it is gone.' })
  service?: DeploymentServiceType | null;
}

/**
 * Fails typecheck when this type and the record drift apart. `service` is not in the record:
 * a field resolver reads it from the service list. `projectId` stays internal: it is the
 * source's configured project, which `event(id)` needs.
 */
const tied: EventTypeMatches<Omit<DeploymentEventType, 'service'>, Omit<DeploymentEventRecord, 'projectId'>> = true;
void tied;
