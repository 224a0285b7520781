import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, InterfaceType } from 'type-graphql';
import type { EventRecord } from '../../model/event.model.js';
import { EventKind, EventOutcome, Vendor } from '../enums.js';
import { SourceType } from './source.type.js';

/** GraphQL type name of each kind; resolveType reads `kind`, never constructor names (type-graphql#373). */
export const TYPE_NAME_OF_KIND: Record<EventKind, string> = {
  [EventKind.TRIGGER]: 'TriggerEvent',
  [EventKind.IMAGE]: 'ImageEvent',
  [EventKind.SECRET_NOTIFICATION]: 'SecretNotificationEvent',
  [EventKind.DEPLOYMENT]: 'DeploymentEvent',
  [EventKind.AUDIT]: 'AuditEvent',
};

@InterfaceType('Event', {
  description: 'Something that happened, in any of the upstream logs.',
  resolveType: (event: EventRecord) => TYPE_NAME_OF_KIND[event.kind],
})
export abstract class EventInterface {
  @Field(() => ID, { description: 'Opaque and stable across requests; `event(id:)` finds the event again.' })
  id!: string;

  @Field(() => EventKind)
  kind!: EventKind;

  @Field(() => Vendor)
  vendor!: Vendor;

  @Field(() => SourceType, { description: 'The configured source the event came from.' })
  source!: SourceType;

  @Field(() => DateTimeResolver, { description: 'When it happened, in UTC with milliseconds.' })
  occurredAt!: Date;

  @Field(() => EventOutcome)
  outcome!: EventOutcome;

  @Field(() => String, { nullable: true, description: 'Who did it, where the upstream says.' })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'What it was done to: repo:tag, image, secret, service or path.' })
  resource?: string | null;

  @Field(() => String, { description: 'One human-readable line.' })
  summary!: string;

  @Field(() => JSONResolver, { description: 'The upstream record, untouched.' })
  raw!: unknown;
}
