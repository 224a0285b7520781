import { Field, InputType } from 'type-graphql';
import type { EventKind, Vendor } from '../../model/event.model.js';
import { EventKindEnum, EventOutcome, VendorEnum } from '../enums.js';
import { TimestampScalar } from '../scalars/timestamp.scalar.js';

@InputType('EventFilter', { description: 'Every field is optional; set fields are combined with AND, list entries with OR.' })
export class EventFilterInput {
  @Field(() => [EventKindEnum], { nullable: true, description: 'Events of these kinds.' })
  kinds?: EventKind[];

  @Field(() => [VendorEnum], { nullable: true, description: 'Events of these vendors.' })
  vendors?: Vendor[];

  @Field(() => [String], { nullable: true, description: 'Configured source names.' })
  sources?: string[];

  @Field(() => TimestampScalar, { nullable: true, description: 'Inclusive lower bound of occurredAt: ISO-8601, or epoch milliseconds.' })
  since?: Date;

  @Field(() => TimestampScalar, { nullable: true, description: 'Inclusive upper bound of occurredAt: ISO-8601, or epoch milliseconds.' })
  until?: Date;

  @Field(() => [EventOutcome], { nullable: true, description: 'Events with these outcomes.' })
  outcomes?: EventOutcome[];

  @Field(() => String, { nullable: true, description: 'Exact match on actor.' })
  actor?: string;

  @Field(() => String, { nullable: true, description: 'Exact match on resource.' })
  resource?: string;

  @Field(() => String, { nullable: true, description: 'Case-insensitive text in summary, resource or actor.' })
  search?: string;
}
