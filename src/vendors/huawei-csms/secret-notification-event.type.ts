import { JSONResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { EventInterface, type EventTypeMatches } from '../../graphql/types/event.interface.js';
import type { SecretNotificationEventRecord } from './secret-notification-event.record.js';

@ObjectType('SecretNotificationEvent', {
  implements: EventInterface,
  description:
    'A Huawei Cloud CSMS secret notification record (ListNotificationRecords). outcome: FAILURE when notificationStatus is FAIL or INVALID or the event is SECRET_ROTATED_FAILED, else SUCCESS. resource: secretName.',
})
export class SecretNotificationEventType extends EventInterface {
  @Field(() => String)
  eventName!: string;

  @Field(() => String, { description: 'SECRET_VERSION_CREATED | SECRET_VERSION_EXPIRED | SECRET_ROTATED | SECRET_DELETED | SECRET_ROTATED_FAILED' })
  triggerEventType!: string;

  @Field(() => String)
  secretName!: string;

  @Field(() => String, { description: 'COMMON | RDS | RDS-FG | GaussDB-FG' })
  secretType!: string;

  @Field(() => String)
  notificationTargetName!: string;

  @Field(() => String)
  notificationTargetId!: string;

  @Field(() => String, { description: 'SUCCESS | FAIL | INVALID' })
  notificationStatus!: string;

  @Field(() => String, { description: 'The JSON document as the upstream gave it, inside a string.' })
  notificationContent!: string;

  @Field(() => JSONResolver, { nullable: true, description: '`notificationContent` parsed; null when it is not JSON.' })
  notificationPayload?: unknown;
}

/**
 * Fails typecheck when this type and the record drift apart. `createTime` stays internal: it
 * is the upstream's number as given (seconds or milliseconds), which occurredAt and raw show.
 */
const tied: EventTypeMatches<SecretNotificationEventType, Omit<SecretNotificationEventRecord, 'createTime'>> = true;
void tied;
