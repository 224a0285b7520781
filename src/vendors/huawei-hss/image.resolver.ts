import { TimestampScalar } from '../../graphql/scalars/timestamp.scalar.js';
import { Args, ArgsType, Ctx, Field, Int, Query, Resolver } from 'type-graphql';
import { HSS_LIMITS, type HssStringParam, type ListImageEventsParams } from './hss.client.js';
import { toImageEvent } from './hss.mapper.js';
import { HssSource } from './hss.source.js';
import type { RequestContext } from '../../graphql/context.js';
import { badUserInput } from '../../graphql/errors.js';
import { IntRange } from '../../graphql/validation/int-range.js';
import { ImageEventPageType } from './image-pages.type.js';
import { ImageEventType } from './image-event.type.js';

@ArgsType()
class ImageEventsArgs {
  @Field(() => String, { nullable: true, description: 'A configured huawei-hss source; optional when there is only one.' })
  source?: string;

  @Field(() => String, { nullable: true, description: `resource_name, exact; at most ${HSS_LIMITS.length.resourceName} characters.` })
  resourceName?: string;

  @Field(() => String, { nullable: true, description: `resource_type; at most ${HSS_LIMITS.length.resourceType} characters.` })
  resourceType?: string;

  @Field(() => String, { nullable: true, description: `event_type; at most ${HSS_LIMITS.length.eventType} characters.` })
  eventType?: string;

  @Field(() => String, { nullable: true, description: `event_name; at most ${HSS_LIMITS.length.eventName} characters.` })
  eventName?: string;

  @Field(() => String, { nullable: true, description: `source_ip; at most ${HSS_LIMITS.length.sourceIp} characters.` })
  sourceIp?: string;

  @Field(() => String, { nullable: true, description: `user_name; at most ${HSS_LIMITS.length.userName} characters.` })
  userName?: string;

  @Field(() => TimestampScalar, { nullable: true, description: 'start_time: inclusive lower bound of `time`.' })
  startTime?: Date;

  @Field(() => TimestampScalar, { nullable: true, description: 'end_time: inclusive upper bound of `time`.' })
  endTime?: Date;

  @Field(() => Int, { nullable: true, description: `Page size, 0 to ${HSS_LIMITS.maxLimit}; the upstream default is 10. 0 counts only.` })
  @IntRange(0, HSS_LIMITS.maxLimit)
  limit?: number;

  @Field(() => Int, { nullable: true, description: `A record offset, 0 to ${HSS_LIMITS.maxOffset}.` })
  @IntRange(0, HSS_LIMITS.maxOffset)
  offset?: number;
}

const STRING_ARGS: readonly HssStringParam[] = ['resourceName', 'resourceType', 'eventType', 'eventName', 'sourceIp', 'userName'];

/** Huawei HSS, queried natively: every upstream parameter, one upstream call. */
@Resolver(() => ImageEventType)
export class ImageResolver {
  @Query(() => ImageEventPageType, {
    description: 'GET /v5/{project_id}/container/image/events, as is (the source\'s fixed filters are not added).',
  })
  async imageEvents(@Args(() => ImageEventsArgs) args: ImageEventsArgs, @Ctx() context: RequestContext) {
    const session = context.session(HssSource, args.source);
    const params = checkedParams(args);
    const answer = await session.listImageEvents(params);
    return {
      totalNum: answer.total_num,
      count: answer.data_list.length,
      events: answer.data_list.map((record) => toImageEvent(session.ref, record)),
    };
  }
}

/** Every bound the upstream documents, checked before the call: a clear BAD_USER_INPUT instead of an HSS.0001. */
function checkedParams(args: ImageEventsArgs): ListImageEventsParams {
  const params: ListImageEventsParams = {};
  for (const name of STRING_ARGS) {
    const value = args[name];
    if (value == null) continue;
    const length = [...value].length;
    const max = HSS_LIMITS.length[name];
    if (length > max) throw badUserInput(`${name} is ${length} characters long; HSS accepts at most ${max}`, name);
    params[name] = value;
  }
  for (const name of ['startTime', 'endTime'] as const) {
    const time = args[name]?.getTime();
    if (time !== undefined && time < 0) throw badUserInput(`${name} must not be before 1970`, name);
  }
  if (args.startTime && args.endTime && args.startTime > args.endTime) {
    throw badUserInput('startTime is later than endTime', 'startTime');
  }
  return {
    ...params,
    ...(args.startTime ? { startTime: args.startTime.getTime() } : {}),
    ...(args.endTime ? { endTime: args.endTime.getTime() } : {}),
    ...(args.limit != null ? { limit: args.limit } : {}),
    ...(args.offset != null ? { offset: args.offset } : {}),
  };
}
