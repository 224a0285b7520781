import { Args, ArgsType, Ctx, Field, Int, Query, Resolver } from 'type-graphql';
import { toTriggerEvent, TriggerLogNumbering } from './tencent-ccr.mapper.js';
import { TencentCcrSource } from './tencent-ccr.source.js';
import type { RequestContext } from '../../graphql/context.js';
import { SortDirection } from '../../graphql/enums.js';
import { badUserInput, forbidden } from '../../graphql/errors.js';
import { IntRange } from '../../graphql/validation/int-range.js';
import { TriggerEventType } from './trigger-event.type.js';
import { TriggerLogOrderBy, TriggerLogPageType } from './trigger-pages.type.js';

/** The legacy API documents no maximum; beyond this a page is better read in parts. */
const MAX_LIMIT = 1000;

@ArgsType()
class TriggerLogsArgs {
  @Field(() => String, { nullable: true, description: 'A configured tencent-ccr source; optional when there is only one.' })
  source?: string;

  @Field(() => String, {
    nullable: true,
    description: 'The upstream `reponame`: one of the source\'s configured repositories (another is FORBIDDEN); optional when it has only one.',
  })
  repoName?: string;

  @Field(() => Int, { nullable: true, description: 'A RECORD offset, from 0; the upstream default is 0.' })
  @IntRange(0)
  offset?: number;

  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_LIMIT}; the upstream default is 20.` })
  @IntRange(1, MAX_LIMIT)
  limit?: number;

  @Field(() => SortDirection, { nullable: true, description: 'The upstream `order` (asc | desc).' })
  order?: SortDirection;

  @Field(() => TriggerLogOrderBy, { nullable: true, description: 'The upstream `orderby`.' })
  orderBy?: TriggerLogOrderBy;
}

/** Tencent Cloud CCR, queried natively: every `ListTriggerLog` parameter, one upstream call. */
@Resolver(() => TriggerEventType)
export class TriggerResolver {
  @Query(() => TriggerLogPageType, { description: 'Tencent Cloud CCR ListTriggerLog (legacy API 2.0), as is.' })
  async triggerLogs(@Args(() => TriggerLogsArgs) args: TriggerLogsArgs, @Ctx() context: RequestContext) {
    const session = context.session(TencentCcrSource, args.source);
    const repositories = session.source.repositories;
    const repoName = args.repoName ?? (repositories.length === 1 ? repositories[0] : undefined);
    if (repoName === undefined) {
      throw badUserInput(`repoName is required: source "${session.source.name}" reads ${repositories.join(', ')}`, 'repoName');
    }
    // A repository outside the source's own scope is FORBIDDEN, before any call: the
    // credentials may well reach it upstream, the configuration does not.
    if (!repositories.includes(repoName)) {
      throw forbidden(
        `repository "${repoName}" is not in the scope of source "${session.source.name}" (${repositories.join(', ')})`,
        'repoName',
      );
    }
    const answer = await session.listTriggerLog({
      repoName,
      offset: args.offset,
      limit: args.limit,
      order: args.order && (args.order === SortDirection.ASC ? 'asc' : 'desc'),
      orderBy: args.orderBy,
    });
    // Ids as the timeline gives them, except that a page starting inside a run of identical
    // records of one second numbers that run from 0 (event(id) then finds an identical twin).
    const numbering = new TriggerLogNumbering();
    const eventContext = session.contextFor(repoName);
    return {
      repoName,
      totalCount: answer.totalCount,
      count: answer.logs.length,
      events: answer.logs.map((log) => toTriggerEvent(eventContext, log, numbering)),
    };
  }
}
