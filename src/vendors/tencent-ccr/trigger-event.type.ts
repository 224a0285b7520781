import { Field, Int, ObjectType } from 'type-graphql';
import { EventInterface, type EventTypeMatches } from '../../graphql/types/event.interface.js';
import type { TriggerEventRecord } from './trigger-event.record.js';

@ObjectType('TriggerInvokeCondition')
export class TriggerInvokeConditionType {
  @Field(() => String, { description: 'all | taglist | regex' })
  invokeMethod!: string;

  @Field(() => String, { description: 'Empty for all, "v1;v2;v3" for taglist, a regular expression for regex.' })
  invokeExpr!: string;

  @Field(() => [String], { nullable: true, description: 'The tags of a taglist condition, as a list; null otherwise.' })
  tagList?: string[] | null;
}

@ObjectType('TriggerInvokePara')
export class TriggerInvokeParaType {
  @Field(() => String, { nullable: true })
  appId?: string | null;

  @Field(() => String, { nullable: true })
  serviceName?: string | null;

  @Field(() => String, { nullable: true })
  clusterId?: string | null;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, { nullable: true })
  containerName?: string | null;

  @Field(() => Int, { nullable: true, description: 'Region number: 1 Guangzhou, 4 Shanghai, 5 Hong Kong, 7 Shanghai Finance, 8 Beijing, 9 Singapore, 16 Chengdu.' })
  clusterRegion?: number | null;

  @Field(() => String, { nullable: true, description: 'The readable name of `clusterRegion`.' })
  clusterRegionName?: string | null;
}

@ObjectType('TriggerInvokeResult')
export class TriggerInvokeResultType {
  @Field(() => Int, { description: '0 means success.' })
  returnCode!: number;

  @Field(() => String, { nullable: true })
  returnMsg?: string | null;
}

@ObjectType('TriggerEvent', {
  implements: EventInterface,
  description:
    'A Tencent Cloud container-registry trigger invocation (ListTriggerLog). outcome: returnCode 0 is SUCCESS, anything else FAILURE. resource: repoName:tagName.',
})
export class TriggerEventType extends EventInterface {
  @Field(() => String)
  triggerName!: string;

  @Field(() => String)
  repoName!: string;

  @Field(() => String)
  tagName!: string;

  @Field(() => String, { description: 'Always IMAGE_PUSH today.' })
  invokeSource!: string;

  @Field(() => String, { description: 'Always SERVICE_UPDATE today.' })
  invokeAction!: string;

  @Field(() => String, { description: 'As the upstream wrote it: local time with no zone.' })
  invokeTime!: string;

  @Field(() => TriggerInvokeConditionType)
  invokeCondition!: TriggerInvokeConditionType;

  @Field(() => TriggerInvokeParaType)
  invokePara!: TriggerInvokeParaType;

  @Field(() => TriggerInvokeResultType)
  invokeResult!: TriggerInvokeResultType;
}

/** Fails typecheck when this type and the record drift apart. */
const tied: EventTypeMatches<TriggerEventType, TriggerEventRecord> = true;
void tied;
