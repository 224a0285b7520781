import { TimestampScalar } from '../../graphql/scalars/timestamp.scalar.js';
import { Args, ArgsType, Ctx, Field, Int, Query, Resolver } from 'type-graphql';
import { RecordNumbering, toAuditEvent } from './bkrepo.mapper.js';
import { repositoryOutOfScope, resourceKeyOutOfScope } from './bkrepo.scope.js';
import { BkRepoSource, MAX_PAGE_SIZE } from './bkrepo.source.js';
import type { RequestContext } from '../../graphql/context.js';
import { SortDirection } from '../../graphql/enums.js';
import { badUserInput, forbidden } from '../../graphql/errors.js';
import { IntRange } from '../../graphql/validation/int-range.js';
import { AuditEventType } from './audit-event.type.js';
import { AuditLogPageType } from './audit-pages.type.js';

@ArgsType()
class AuditLogsArgs {
  @Field(() => String, { nullable: true, description: 'A configured bkrepo source; optional when there is only one.' })
  source?: string;

  @Field(() => String, { nullable: true, description: "Default and only value allowed: the source's scope.projectId (another is FORBIDDEN)." })
  projectId?: string;

  @Field(() => String, { description: "Exact repository name: one of the source's scope.repositories (another is FORBIDDEN)." })
  repoName!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "bk-repo's pattern, sent as given: a prefix in which `*` matches anything, with no end anchor (`/a/*.jar` also matches `/a/x.jarx`). Default: the source's scope.resourceKeyPrefix; a pattern that may match keys outside it is FORBIDDEN.",
  })
  resourceKey?: string;

  @Field(() => String, { description: 'Exactly one event type, e.g. NODE_DOWNLOADED; an unknown one gives an empty page.' })
  eventType!: string;

  @Field(() => String, { nullable: true, description: 'description.sha256' })
  sha256?: string;

  @Field(() => String, { nullable: true, description: 'description.pipelineId (sent as pipelineId; the page\'s `pipelinId` is a typo the server ignores).' })
  pipelineId?: string;

  @Field(() => String, { nullable: true, description: 'description.buildId' })
  buildId?: string;

  @Field(() => String, { nullable: true })
  userId?: string;

  @Field(() => TimestampScalar, {
    nullable: true,
    description: 'Inclusive lower bound (startTime). Default: the epoch, not the upstream\'s 3 months, so no record is hidden.',
  })
  since?: Date;

  @Field(() => TimestampScalar, { nullable: true, description: 'Inclusive upper bound (endTime). Default: now.' })
  until?: Date;

  @Field(() => Int, { nullable: true, description: 'From 1; upstream default 1.' })
  @IntRange(1)
  pageNumber?: number;

  @Field(() => Int, { nullable: true, description: `1 to ${MAX_PAGE_SIZE}; upstream default 20.` })
  @IntRange(1, MAX_PAGE_SIZE)
  pageSize?: number;

  @Field(() => SortDirection, { nullable: true, description: 'By createdDate; upstream default DESC.' })
  direction?: SortDirection;
}

/** BlueKing bk-repo, queried natively: every upstream parameter, one upstream call. */
@Resolver(() => AuditEventType)
export class AuditResolver {
  @Query(() => AuditLogPageType, { description: 'POST /repository/api/log/list, as is, with explicit start and end times.' })
  async auditLogs(@Args(() => AuditLogsArgs) args: AuditLogsArgs, @Ctx() context: RequestContext) {
    const session = context.session(BkRepoSource, args.source);
    if (args.since && args.until && args.since > args.until) throw badUserInput('since is later than until', 'since');
    if (args.since && args.since.getTime() < 0) throw badUserInput('since must not be before 1970-01-01T00:00:00Z', 'since');
    const scope = session.source.scope;
    const projectId = args.projectId ?? scope.projectId;
    const resourceKey = args.resourceKey ?? scope.resourceKeyPrefix;
    // The source's own scope, before any call: its project, its repositories, its key prefix.
    const violation =
      repositoryOutOfScope(session.source.name, scope, projectId, args.repoName) ?? resourceKeyOutOfScope(session.source.name, scope, resourceKey);
    if (violation) throw forbidden(violation.message, violation.argument);
    const answer = await session.listLogs({
      projectId,
      repoName: args.repoName,
      resourceKey,
      eventType: args.eventType,
      ...(args.sha256 == null ? {} : { sha256: args.sha256 }),
      ...(args.pipelineId == null ? {} : { pipelineId: args.pipelineId }),
      ...(args.buildId == null ? {} : { buildId: args.buildId }),
      ...(args.userId == null ? {} : { userId: args.userId }),
      ...(args.since ? { startTime: args.since.getTime() } : {}),
      ...(args.until ? { endTime: args.until.getTime() } : {}),
      ...(args.pageNumber == null ? {} : { pageNumber: args.pageNumber }),
      ...(args.pageSize == null ? {} : { pageSize: args.pageSize }),
      ...(args.direction ? { direction: args.direction === SortDirection.ASC ? 'ASC' : 'DESC' } : {}),
    });
    const numbering = new RecordNumbering();
    const ref = { sourceName: session.source.name, projectId, repoName: args.repoName, eventType: args.eventType };
    return {
      pageNumber: answer.page.pageNumber,
      pageSize: answer.page.pageSize,
      totalRecords: answer.page.totalRecords,
      totalPages: answer.page.totalPages,
      count: answer.entries.length,
      timeZone: answer.zone,
      timeZoneFromUpstream: answer.zoneFromHeader,
      records: answer.entries.map((entry) => toAuditEvent(ref, entry, numbering)),
    };
  }
}
