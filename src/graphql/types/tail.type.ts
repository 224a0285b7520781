import type { EventRecord } from '../../model/event.model.js';
import { createUnionType, Field, Float, Int, ObjectType } from 'type-graphql';
import { SourceState } from '../enums.js';
import { SourceErrorType } from './event-connection.type.js';
import { EventInterface } from './event.interface.js';
import { SourceType } from './source.type.js';

@ObjectType('TailEvent', { description: 'An event of the live tail (`eventTail`): one of the replay after `after`, or one that appeared upstream since the subscription began.' })
export class TailEventType {
  @Field(() => EventInterface, { description: 'The event, as `events` gives it.' })
  // The record: the Event interface resolves its type and its `source` (event-fields.resolver.ts).
  event!: EventRecord;

  @Field(() => String, {
    description:
      'Where to resume: give it as `after` to a new `eventTail` (after a disconnection, say) to get everything after what this subscription has sent so far, or to `events` with `order: ASC` and the same filter. It is the position of the newest event sent so far, which is not this event\'s own when this one is `late`. Opaque, and valid for the client it was issued to.',
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
    'How the live tail is doing. With `dropped` = 0: the source stopped being read (FAILED, with the error; the tail goes on with the other sources) or is read again (OK). With `dropped` > 0: the client read too slowly, and that many items of the source, the oldest waiting, were dropped just before the next item; the tail goes on from the newest (status OK).',
})
export class TailNoticeType {
  @Field(() => SourceType, { description: 'The source the notice is about.' })
  source!: SourceType;

  @Field(() => SourceState, { description: 'FAILED: a stream of the source is not read (see `error`); OK: it is read again, or (with `dropped` > 0) the tail goes on.' })
  status!: SourceState;

  @Field(() => SourceErrorType, { nullable: true, description: 'Why the source failed, when `status` is FAILED.' })
  error?: SourceErrorType | null;

  @Field(() => Int, { description: 'Items of the source dropped because the client read too slowly, right before the next item; 0 on a notice of failure or recovery.' })
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
