import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { CsmsSource } from './csms.source.js';
import type { RequestContext } from '../../graphql/context.js';
import { badUserInput } from '../../graphql/errors.js';
import { SecretNotificationPageType } from './secret-notification-pages.type.js';
import { SecretNotificationEventType } from './secret-notification-event.type.js';

/** Huawei CSMS, queried natively. The API has no parameter, so neither has the query but the source. */
@Resolver(() => SecretNotificationEventType)
export class SecretNotificationResolver {
  @Query(() => SecretNotificationPageType, {
    description:
      'GET /v1/{project_id}/csms/notification-records: everything the service keeps, in its order, from the source\'s copy (read at most once per cacheTtlSeconds).',
  })
  async secretNotifications(
    @Arg('source', () => String, { nullable: true, description: 'A configured huawei-csms source; optional when there is only one.' })
    source: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    const session = context.session(CsmsSource, source);
    const { answer, events } = await session.snapshot();
    return {
      count: events.length,
      currentCount: answer.page_info?.current_count ?? null,
      nextMarker: answer.page_info?.next_marker ?? null,
      previousMarker: answer.page_info?.previous_marker ?? null,
      events: events,
    };
  }
}
