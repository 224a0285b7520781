import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Ctx, Field, ID, Info, Int, Query, Resolver } from 'type-graphql';
import type { EventRecord } from '../../model/event.model.js';
import { decodeEventId } from '../../timeline/event-id.js';
import type { TimelinePage } from '../../timeline/timeline.js';
import type { RequestContext } from '../context.js';
import { SortDirection } from '../enums.js';
import { badUserInput, upstreamExtensions, upstreamGraphQLError } from '../errors.js';
import { EventFilterInput } from '../inputs/event-filter.input.js';
import { EventConnectionType } from '../types/event-connection.type.js';
import { EventInterface } from '../types/event.interface.js';
import { SourceType } from '../types/source.type.js';

@ArgsType()
class EventsArgs {
  @Field(() => Int, { nullable: true, description: 'Page forward: at most this many events (default 20, at most 500).' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Page forward from this cursor.' })
  after?: string;

  @Field(() => Int, { nullable: true, description: 'Page backward: at most this many events (at most 500).' })
  last?: number;

  @Field(() => String, { nullable: true, description: 'Page backward from this cursor.' })
  before?: string;

  @Field(() => EventFilterInput, { nullable: true })
  filter?: EventFilterInput;

  @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.DESC, description: 'DESC (the default) is newest first.' })
  order!: SortDirection;
}

@Resolver()
export class EventsResolver {
  @Query(() => EventConnectionType, {
    description: 'Every configured source in one ordered timeline, as a Relay connection. Sources that fail are reported in `sources` and `errors[]`; the others still answer.',
  })
  async events(@Args(() => EventsArgs) args: EventsArgs, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
    const filter = args.filter ?? {};
    const page = await context.timeline.page(
      {
        first: args.first,
        after: args.after,
        last: args.last,
        before: args.before,
        order: args.order,
        filter: { ...filter, since: filter.since?.getTime(), until: filter.until?.getTime() },
      },
      context.allSessions(),
      context.now,
    );
    const path = responsePathAsArray(info.path);
    for (const error of page.errors) context.partialErrors.push(upstreamGraphQLError(error, path));
    return toConnection(page);
  }

  @Query(() => EventInterface, {
    nullable: true,
    description: 'The event with an id that `events` (or a native query) gave; null when it is no longer upstream.',
  })
  async event(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<EventRecord | null> {
    const decoded = decodeEventId(id);
    if (!decoded) throw badUserInput('id: not an event id of this API', 'id');
    const session = context.sessionByName(decoded.sourceName);
    return session ? session.findEvent(decoded.naturalId) : null;
  }

  @Query(() => [SourceType], { description: 'The configured sources.' })
  sources(@Ctx() context: RequestContext) {
    return context.sources;
  }
}

function toConnection(page: TimelinePage) {
  return {
    edges: page.edges,
    pageInfo: page.pageInfo,
    totalCount: page.totalCount,
    asOf: new Date(page.asOf),
    sources: page.sources.map((report) => ({
      ...report,
      error: report.error && { ...upstreamExtensions(report.error), message: report.error.message },
    })),
  };
}
