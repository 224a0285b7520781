import { TimestampScalar } from '../../graphql/scalars/timestamp.scalar.js';
import { Args, ArgsType, Ctx, Field, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { DEPLOYMENT_KIND, type DeploymentEventRecord } from './deployment-event.record.js';
import { scopedServices, serviceOutOfScope } from './modelarts.scope.js';
import { ModelArtsSource } from './modelarts.source.js';
import {
  EventNumbering,
  toDeploymentEvent,
  toDeploymentService,
  type DeploymentServiceRecord,
} from './modelarts.mapper.js';
import type { RequestContext } from '../../graphql/context.js';
import { SortDirection } from '../../graphql/enums.js';
import { badUserInput, forbidden } from '../../graphql/errors.js';
import { IntRange } from '../../graphql/validation/int-range.js';
import { DeploymentEventType } from './deployment-event.type.js';
import {
  DeploymentEventPageType,
  DeploymentEventSortBy,
  DeploymentEventTypeFilter,
  DeploymentInferType,
  DeploymentServicePageType,
  DeploymentServiceSortBy,
  DeploymentServiceStatus,
} from './deployment-pages.type.js';
import { DeploymentServiceType } from './deployment-service.type.js';

/** The documented page limit of both ModelArts list calls. */
const MAX_LIMIT = 1000;

@ArgsType()
class PagingArgs {
  @Field(() => String, { nullable: true, description: 'A configured huawei-modelarts source; optional when there is only one.' })
  source?: string;

  @Field(() => Int, { nullable: true, description: 'The PAGE INDEX, from 0 (not a record offset).' })
  @IntRange(0)
  offset?: number;

  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_LIMIT}; the upstream default is 1000.` })
  @IntRange(1, MAX_LIMIT)
  limit?: number;

  @Field(() => SortDirection, { nullable: true, description: 'The upstream default is DESC.' })
  order?: SortDirection;
}

@ArgsType()
class DeploymentServicesArgs extends PagingArgs {
  @Field(() => String, { nullable: true, description: "service_id; one of the source's scope.services when it names them (another is FORBIDDEN)." })
  serviceId?: string;

  @Field(() => String, { nullable: true })
  serviceName?: string;

  @Field(() => String, { nullable: true })
  modelId?: string;

  @Field(() => String, { nullable: true })
  workspaceId?: string;

  @Field(() => DeploymentInferType, { nullable: true })
  inferType?: DeploymentInferType;

  @Field(() => DeploymentServiceStatus, { nullable: true })
  status?: DeploymentServiceStatus;

  @Field(() => DeploymentServiceSortBy, { nullable: true })
  sortBy?: DeploymentServiceSortBy;
}

@ArgsType()
class DeploymentEventsArgs extends PagingArgs {
  @Field(() => String, { description: "The service; one of the source's scope.services when it names them (another is FORBIDDEN)." })
  serviceId!: string;

  @Field(() => DeploymentEventTypeFilter, { nullable: true })
  eventType?: DeploymentEventTypeFilter;

  @Field(() => TimestampScalar, { nullable: true, description: 'Inclusive lower bound of occur_time.' })
  startTime?: Date;

  @Field(() => TimestampScalar, { nullable: true, description: 'Inclusive upper bound of occur_time.' })
  endTime?: Date;

  @Field(() => DeploymentEventSortBy, { nullable: true })
  sortBy?: DeploymentEventSortBy;
}

/** Huawei ModelArts, queried natively: every upstream parameter, one upstream call. */
@Resolver(() => DeploymentEventType)
export class DeploymentResolver {
  @Query(() => DeploymentServicePageType, {
    description:
      "GET /v1/{project_id}/services, as is; when the source names its services (scope.services), the page keeps only those (totalCount stays the upstream's).",
  })
  async deploymentServices(@Args(() => DeploymentServicesArgs) args: DeploymentServicesArgs, @Ctx() context: RequestContext) {
    const session = context.session(ModelArtsSource, args.source);
    const outOfScope = args.serviceId === undefined ? undefined : serviceOutOfScope(session.source, args.serviceId);
    if (outOfScope) throw forbidden(outOfScope, 'serviceId');
    const answer = await session.listServices({
      serviceId: args.serviceId,
      serviceName: args.serviceName,
      modelId: args.modelId,
      workspaceId: args.workspaceId,
      inferType: args.inferType,
      status: args.status,
      offset: args.offset,
      limit: args.limit,
      sortBy: args.sortBy,
      order: upstreamOrder(args.order),
    });
    // A source that names its services shows no other, even in a list of the project's.
    const scoped = scopedServices(session.source);
    const services = scoped ? answer.services.filter((service) => scoped.includes(service.service_id)) : answer.services;
    return { totalCount: answer.total_count, count: services.length, services: services.map(toDeploymentService) };
  }

  @Query(() => DeploymentEventPageType, { description: 'GET /v1/{project_id}/services/{service_id}/events, as is.' })
  async deploymentEvents(@Args(() => DeploymentEventsArgs) args: DeploymentEventsArgs, @Ctx() context: RequestContext) {
    const session = context.session(ModelArtsSource, args.source);
    const outOfScope = serviceOutOfScope(session.source, args.serviceId);
    if (outOfScope) throw forbidden(outOfScope, 'serviceId');
    if (args.startTime && args.endTime && args.startTime > args.endTime) {
      throw badUserInput('startTime is later than endTime', 'startTime');
    }
    const answer = await session.listServiceEvents(args.serviceId, {
      eventType: args.eventType,
      startTime: args.startTime?.getTime(),
      endTime: args.endTime?.getTime(),
      offset: args.offset,
      limit: args.limit,
      sortBy: args.sortBy,
      order: upstreamOrder(args.order),
    });
    const numbering = new EventNumbering();
    const service = session.refOf(answer);
    return {
      serviceId: answer.service_id,
      serviceName: answer.service_name,
      totalCount: answer.total_count,
      count: answer.events.length,
      events: answer.events.map((event) => toDeploymentEvent(service, event, numbering)),
    };
  }

  @FieldResolver(() => DeploymentServiceType, { nullable: true })
  service(@Root() event: DeploymentEventRecord, @Ctx() context: RequestContext): Promise<DeploymentServiceRecord | null> {
    return context.session(ModelArtsSource, event.sourceName).services.load(event.serviceId);
  }
}

function upstreamOrder(order: SortDirection | undefined): 'asc' | 'desc' | undefined {
  return order && (order === SortDirection.ASC ? 'asc' : 'desc');
}
