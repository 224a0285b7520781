import type { EventRecord } from '../../model/event.model.js';
import { createUnionType, Field, Float, Int, ObjectType } from 'type-graphql';
import { SourceState } from '../enums.js';
import { SourceErrorType } from './event-connection.type.js';
import { EventInterface } from './event.interface.js';
import { SourceType } from './source.type.js';

@ObjectType('TailEvent', { description: 'An event of the live tail (`eventTail`): one that appeared upstream since the subscription began.' })
export class TailEventType {
  @Field(() => EventInterface, { description: 'The event, as `events` gives it.' })
  // The record: the Event interface resolves its type and its `source` (event-fields.resolver.ts).
  event!: EventRecord;

  @Field(() => String, {
    description:
      'For now the event id (`Event.id`), not a cursor of `events`: it identifies the event, and `event(id)` finds it again. It may become an `events` cursor later; clients should treat it as opaque.',
  })
  cursor!: string;

  @Field(() => Boolean, {
    description:
      'True when the event appeared upstream after the tail had already read past its time (ingestion delay, a late record): it is older than events delivered before it.',
  })
  late!: boolean;
}

@ObjectType('TailNotice', {
  description:
    'How the live tail is doing. A notice with a source says that a stream of it stopped being read (FAILED, with the error) or is read again (OK). A notice with `dropped` > 0 says that the client read too slowly and that many items, the oldest, were dropped just before the next item; it concerns the whole subscription, so its source is null and its status OK.',
})
export class TailNoticeType {
  @Field(() => SourceType, {
    nullable: true,
    description: 'The source the notice is about; null on a notice of dropped items, which concerns every source of the subscription.',
  })
  source!: SourceType | null;

  @Field(() => SourceState, { description: 'FAILED: a stream of the source is not read (see `error`); OK: it is read again, or (with `dropped` > 0) the tail goes on.' })
  status!: SourceState;

  @Field(() => SourceErrorType, { nullable: true, description: 'Why the source failed, when `status` is FAILED.' })
  error?: SourceErrorType | null;

  @Field(() => Int, { description: 'Items dropped because the client read too slowly, right before the next item; 0 on a notice about a source.' })
  dropped!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'In milliseconds, how far behind the tail of the source is: FAILED, how stale it is; OK, the gap this recovery caught up on. Null on a notice of dropped items.',
  })
  lagMs?: number | null;
}

export const TailItemUnion = createUnionType({
  name: 'TailItem',
  description: 'What `eventTail` delivers: an event, or a notice about the tail itself.',
  types: () => [TailEventType, TailNoticeType] as const,
  resolveType: (item) => ('event' in item ? TailEventType : TailNoticeType),
});
