import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, InterfaceType } from 'type-graphql';
import type { EventKind, EventRecord, Vendor } from '../../model/event.model.js';
import { EventKindEnum, EventOutcome, VendorEnum } from '../enums.js';
import { SourceType } from './source.type.js';

@InterfaceType('Event', {
  description: 'Something that happened, in any of the upstream logs.',
  // The schema holds the event types of its registry's vendors (`orphanedTypes`), not every
  // class that implements Event in the process.
  autoRegisterImplementations: false,
  // The type of each kind comes from its vendor module (type-graphql#373: `kind`, never
  // constructor names); `buildEventgraphSchema` puts that lookup here.
})
export abstract class EventInterface {
  @Field(() => ID, { description: 'Opaque and stable across requests; `event(id:)` finds the event again.' })
  id!: string;

  @Field(() => EventKindEnum, { description: 'Which upstream log it comes from.' })
  kind!: EventKind;

  @Field(() => VendorEnum, { description: 'Who runs that upstream.' })
  vendor!: Vendor;

  @Field(() => SourceType, { description: 'The configured source the event came from.' })
  source!: SourceType;

  @Field(() => DateTimeResolver, { description: 'When it happened, in UTC with milliseconds.' })
  occurredAt!: Date;

  @Field(() => EventOutcome, { description: 'Whether it worked; each event type says how its vendor is read.' })
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

/** The fields a vendor adds to the Event interface: those its GraphQL type must describe. */
type VendorFields<R> = Exclude<keyof R, keyof EventRecord>;

/**
 * `true` when the GraphQL event class T describes the record type R: a field for each of
 * R's own fields, taking R's value, and no field R lacks. Otherwise a type that names the
 * fields at fault. Each event type file asserts it, so that drift fails typecheck:
 * `const tied: EventTypeMatches<AuditEventType, AuditEventRecord> = true;`
 */
export type EventTypeMatches<T extends EventInterface, R extends EventRecord> = [Exclude<keyof T, keyof R | keyof EventInterface>] extends [never]
  ? [Exclude<VendorFields<R>, keyof T>] extends [never]
    ? [{ [K in VendorFields<R> & keyof T]: R[K] extends T[K] ? never : K }[VendorFields<R> & keyof T]] extends [never]
      ? true
      : { fieldTypesDiffer: { [K in VendorFields<R> & keyof T]: R[K] extends T[K] ? never : K }[VendorFields<R> & keyof T] }
    : { fieldsMissing: Exclude<VendorFields<R>, keyof T> }
  : { fieldsNotInRecord: Exclude<keyof T, keyof R | keyof EventInterface> };
