import { Arg, Ctx, Root, Subscription, Resolver } from 'type-graphql';
import type { TailDelivery } from '../../timeline/tail/index.js';
import type { RequestContext } from '../context.js';
import { SourceState } from '../enums.js';
import { upstreamExtensions } from '../errors.js';
import { EventFilterInput } from '../inputs/event-filter.input.js';
import { TailItemUnion, type TailEventType, type TailNoticeType } from '../types/tail.type.js';

interface EventTailArgs {
  filter?: EventFilterInput | null;
  after?: string | null;
}

@Resolver()
export class TailResolver {
  @Subscription(() => TailItemUnion, {
    description:
      'A live tail: events as they appear upstream, each once, and notices when a source stops or resumes being read, or when the client reads too slowly and items are dropped. Without `after` it starts now; with `after` (a cursor of `events`, in either order, or of an earlier tail) it first sends every event of the filter after that cursor\'s position, oldest first, up to now, then goes on live, with no gap and nothing twice. The filter selects as in `events`; its `since` and `until` are ignored, as the window of a tail moves. Sources are polled (every 10 s by default), so an event arrives within about one interval of appearing upstream; a record that lands upstream with an older time is sent once, marked `late`, if it lands within the lookback (60 s by default).',
    // No PubSub: the subscription is the timeline's tail, handed to graphql-js as is (so that
    // the client leaving calls its `return()`, which detaches it from the pollers).
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      const { filter, after } = args as EventTailArgs;
      ctx.checkFilterInScope(filter ?? {});
      return ctx.timeline.subscribeTail({ filter: { ...filter, since: undefined, until: undefined }, after, client: ctx.scope.clientKey() }, ctx.allSessions());
    },
  })
  eventTail(
    @Root() item: TailDelivery,
    @Ctx() context: RequestContext,
    // Both read by `subscribe`; declared here so the schema has them.
    @Arg('filter', () => EventFilterInput, { nullable: true, description: 'Which events; every event the client may read when left out. `since` and `until` are ignored.' })
    _filter?: EventFilterInput,
    @Arg('after', () => String, {
      nullable: true,
      description:
        'Replay first: a cursor of `events` (newest or oldest first, any filter) or a `TailEvent.cursor`, issued to the same client. Every event of this filter after its position comes first, oldest first, then the live tail.',
    })
    _after?: string,
  ): TailEventType | TailNoticeType {
    switch (item.type) {
      case 'event':
        return { event: item.event, cursor: item.cursor, late: item.late };
      case 'notice':
        return {
          source: this.sourceNamed(context, item.source),
          status: item.status === 'FAILED' ? SourceState.FAILED : SourceState.OK,
          error: item.error ? { ...(upstreamExtensions(item.error) as { code: string }), message: item.error.message } : null,
          dropped: 0,
          lagMs: item.lagMs,
        };
      case 'dropped':
        return { source: this.sourceNamed(context, item.source), status: SourceState.OK, error: null, dropped: item.count, lagMs: null };
    }
  }

  /** Notices name only sources the subscriber reads, which are configured. */
  private sourceNamed(context: RequestContext, name: string) {
    const source = context.sources.find((candidate) => candidate.name === name);
    if (!source) throw new Error(`a tail notice names the unknown source "${name}"`);
    return source;
  }
}
