import { Field, Int, ObjectType } from 'type-graphql';
import { SecretNotificationEventType } from './secret-notification-event.type.js';

@ObjectType('SecretNotificationPage', {
  description: 'Everything CSMS answered (one call, at most 1000 records), from the source\'s cached copy.',
})
export class SecretNotificationPageType {
  @Field(() => Int, { description: 'Records in the answer.' })
  count!: number;

  @Field(() => Int, { nullable: true, description: '`page_info.current_count`, as the upstream gave it.' })
  currentCount?: number | null;

  @Field(() => String, { nullable: true, description: '`page_info.next_marker`; the API takes no marker back.' })
  nextMarker?: string | null;

  @Field(() => String, { nullable: true, description: '`page_info.previous_marker`.' })
  previousMarker?: string | null;

  @Field(() => [SecretNotificationEventType], { description: 'In the upstream\'s order.' })
  events!: SecretNotificationEventType[];
}
