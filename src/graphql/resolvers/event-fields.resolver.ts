import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { EventRecord } from '../../model/event.model.js';
import type { EventSource } from '../../timeline/event-source.js';
import type { RequestContext } from '../context.js';
import { EventInterface } from '../types/event.interface.js';
import { SourceType } from '../types/source.type.js';

/** Fields every event type shares; the implementing types inherit these resolvers. */
@Resolver(() => EventInterface)
export class EventFieldsResolver {
  @FieldResolver(() => SourceType)
  source(@Root() event: EventRecord, @Ctx() context: RequestContext): EventSource {
    return context.sources.find((source) => source.name === event.sourceName)!;
  }
}
