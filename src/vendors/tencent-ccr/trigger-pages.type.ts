import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TriggerEventType } from './trigger-event.type.js';

/** The upstream's own `orderby` values, spelled as GraphQL enum values; the resolver maps them back. */
export enum TriggerLogOrderBy {
  INVOKE_TIME = 'invoke_time',
  TRIGGER_NAME = 'trigger_name',
  REPO_NAME = 'repo_name',
}

registerEnumType(TriggerLogOrderBy, { name: 'TriggerLogOrderBy' });

@ObjectType('TriggerLogPage', { description: 'One page of a CCR repository\'s trigger log (ListTriggerLog), as the upstream answered it.' })
export class TriggerLogPageType {
  @Field(() => String)
  repoName!: string;

  @Field(() => Int, { description: 'The upstream totalCount: every record of the repository.' })
  totalCount!: number;

  @Field(() => Int, { description: 'Records on this page.' })
  count!: number;

  @Field(() => [TriggerEventType])
  events!: TriggerEventType[];
}
