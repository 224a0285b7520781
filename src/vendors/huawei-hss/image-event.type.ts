import { Field, ObjectType } from 'type-graphql';
import { EventInterface, type EventTypeMatches } from '../../graphql/types/event.interface.js';
import type { ImageEventRecord } from './image-event.record.js';

@ObjectType('ImageEvent', {
  implements: EventInterface,
  description:
    'A Huawei Cloud HSS container-image operation log (ListContainerImageLogs). outcome: UNKNOWN, as the log does not say. resource: resourceName; actor: userName.',
})
export class ImageEventType extends EventInterface {
  @Field(() => String)
  resourceName!: string;

  @Field(() => String)
  resourceType!: string;

  @Field(() => String)
  eventName!: string;

  @Field(() => String)
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => String, { nullable: true })
  sourceIp?: string | null;

  @Field(() => String, { nullable: true })
  userName?: string | null;

  @Field(() => String, { nullable: true })
  content?: string | null;
}

/**
 * Fails typecheck when this type and the record drift apart. `time` stays internal: it is the
 * upstream's epoch ms, which occurredAt and raw show.
 */
const tied: EventTypeMatches<ImageEventType, Omit<ImageEventRecord, 'time'>> = true;
void tied;
