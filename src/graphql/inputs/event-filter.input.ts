import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { EventKind, EventOutcome, Vendor } from '../enums.js';

@InputType('EventFilter', { description: 'Every field is optional; set fields are combined with AND, list entries with OR.' })
export class EventFilterInput {
  @Field(() => [EventKind], { nullable: true })
  kinds?: EventKind[];

  @Field(() => [Vendor], { nullable: true })
  vendors?: Vendor[];

  @Field(() => [String], { nullable: true, description: 'Configured source names.' })
  sources?: string[];

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive lower bound of occurredAt.' })
  since?: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive upper bound of occurredAt.' })
  until?: Date;

  @Field(() => [EventOutcome], { nullable: true })
  outcomes?: EventOutcome[];

  @Field(() => String, { nullable: true, description: 'Exact match on actor.' })
  actor?: string;

  @Field(() => String, { nullable: true, description: 'Exact match on resource.' })
  resource?: string;

  @Field(() => String, { nullable: true, description: 'Case-insensitive text in summary, resource or actor.' })
  search?: string;
}
