import { Arg, Ctx, Root, Subscription, Resolver } from 'type-graphql';
import type { TailItem } from '../../timeline/tail/index.js';
import type { RequestContext } from '../context.js';
import { SourceState } from '../enums.js';
import { upstreamExtensions } from '../errors.js';
import { EventFilterInput } from '../inputs/event-filter.input.js';
import { TailItemUnion, type TailEventType, type TailNoticeType } from '../types/tail.type.js';

@Resolver()
export class TailResolver {
  @Subscription(() => TailItemUnion, {
    description:
      'A live tail: events as they appear upstream, oldest first, each once, from when the subscription begins; and notices when a source stops or resumes being read, or when the client reads too slowly and items are dropped. The filter selects as in `events`; its `since` and `until` are ignored, as the window of a tail moves. Sources are polled (every 10 s by default), so an event arrives within about one interval of appearing upstream.',
    // No PubSub: the subscription is the timeline's tail, handed to graphql-js as is (so that
    // the client leaving calls its `return()`, which detaches it from the pollers).
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      const filter = (args as { filter?: EventFilterInput }).filter ?? {};
      ctx.checkFilterInScope(filter);
      return ctx.timeline.tail.subscribe({
        sessions: ctx.allSessions(),
        filter: { ...filter, since: undefined, until: undefined },
      });
    },
  })
  eventTail(
    @Root() item: TailItem,
    @Ctx() context: RequestContext,
    // Read by `subscribe`; declared here so the schema has it.
    @Arg('filter', () => EventFilterInput, { nullable: true, description: 'Which events; every event the client may read when left out. `since` and `until` are ignored.' })
    _filter?: EventFilterInput,
  ): TailEventType | TailNoticeType {
    switch (item.type) {
      case 'event':
        return { event: item.event, cursor: item.event.id, late: item.late };
      case 'notice':
        return {
          source: context.sources.find((source) => source.name === item.source) ?? null,
          status: item.status === 'FAILED' ? SourceState.FAILED : SourceState.OK,
          error: item.error ? { ...(upstreamExtensions(item.error) as { code: string }), message: item.error.message } : null,
          dropped: 0,
          lagMs: item.lagMs,
        };
      case 'dropped':
        return { source: null, status: SourceState.OK, error: null, dropped: item.count, lagMs: null };
    }
  }
}
