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
import { ViewerType } from '../types/viewer.type.js';

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

  @Field(() => EventFilterInput, { nullable: true, description: 'Which events; every event the client may read when left out.' })
  filter?: EventFilterInput;

  @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.DESC, description: 'DESC (the default) is newest first.' })
  order?: SortDirection;
}

@Resolver()
export class EventsResolver {
  @Query(() => EventConnectionType, {
    description: 'Every configured source in one ordered timeline, as a Relay connection. Sources that fail are reported in `sources` and `errors[]`; the others still answer.',
  })
  async events(@Args(() => EventsArgs) args: EventsArgs, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
    const filter = args.filter ?? {};
    // Before the timeline plans anything: a forbidden source or kind is refused, and the
    // timeline sees only the sessions the principal may read, so the others make no call.
    context.checkFilterInScope(filter);
    const page = await context.timeline.page(
      {
        first: args.first,
        after: args.after,
        last: args.last,
        before: args.before,
        // An explicit null is the default too (the argument guard leaves it out).
        order: args.order ?? SortDirection.DESC,
        filter: { ...filter, since: filter.since?.getTime(), until: filter.until?.getTime() },
        client: context.scope.clientKey(),
      },
      context.allSessions(),
      context.now,
      context.deadline,
    );
    const path = responsePathAsArray(info.path);
    for (const error of page.errors) context.partialErrors.push(upstreamGraphQLError(error, path));
    return toConnection(page);
  }

  @Query(() => EventInterface, {
    nullable: true,
    description:
      'The event with an id that `events` (or a native query) gave; null when it is no longer upstream, or when its source is not one the client may read.',
  })
  async event(@Arg('id', () => ID, { description: 'An event id, as `Event.id` gave it.' }) id: string, @Ctx() context: RequestContext): Promise<EventRecord | null> {
    const decoded = decodeEventId(id);
    if (!decoded || !isSaneNaturalId(decoded.naturalId)) throw badUserInput('id: not an event id of this API', 'id');
    // A source the principal may not read is no session here: null, and no upstream call.
    const session = context.sessionByName(decoded.sourceName);
    return session ? session.findEvent(decoded.naturalId) : null;
  }

  @Query(() => [SourceType], { description: 'The configured sources the client may read.' })
  sources(@Ctx() context: RequestContext) {
    return context.visibleSources;
  }

  @Query(() => ViewerType, { description: 'Who the client is to this server, and what it may read.' })
  viewer(@Ctx() context: RequestContext): ViewerType {
    const kinds = [...new Set(context.visibleSources.map((source) => source.kind))];
    return { name: context.principal.name, sources: context.visibleSources, kinds };
  }
}

/**
 * Whether every part of a natural id is something an id of this API holds: a number, or a
 * text of well-formed Unicode. The parts are sent upstream (in a path, in a query), where a
 * lone surrogate cannot be encoded; an id with one was never issued.
 */
function isSaneNaturalId(parts: readonly unknown[]): boolean {
  return parts.every(
    (part) => part === null || typeof part === 'number' || typeof part === 'boolean' || (typeof part === 'string' && !/\p{Cs}/u.test(part)),
  );
}

function toConnection(page: TimelinePage) {
  return {
    edges: page.edges,
    pageInfo: page.pageInfo,
    totalCount: page.totalCount,
    asOf: new Date(page.asOf),
    sources: page.sources.map((report) => ({
      ...report,
      methods: [],
      error: report.error && { ...upstreamExtensions(report.error), message: report.error.message },
    })),
  };
}
