import 'reflect-metadata';
import './enums.js';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AuditResolver } from '../vendors/bkrepo/audit.resolver.js';
import { DeploymentResolver } from '../vendors/huawei-modelarts/deployment.resolver.js';
import { ImageResolver } from '../vendors/huawei-hss/image.resolver.js';
import { SecretNotificationResolver } from '../vendors/huawei-csms/secret-notification.resolver.js';
import { EventFieldsResolver } from './resolvers/event-fields.resolver.js';
import { EventsResolver } from './resolvers/events.resolver.js';
import { TriggerResolver } from '../vendors/tencent-ccr/trigger.resolver.js';
import { AuditEventType } from '../vendors/bkrepo/audit-event.type.js';
import { DeploymentEventType } from '../vendors/huawei-modelarts/deployment-event.type.js';
import { ImageEventType } from '../vendors/huawei-hss/image-event.type.js';
import { SecretNotificationEventType } from '../vendors/huawei-csms/secret-notification-event.type.js';
import { TriggerEventType } from '../vendors/tencent-ccr/trigger-event.type.js';

/** The public schema. `schema/schema.graphql` is this, printed (npm run schema:emit). */
export function buildEventgraphSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [EventsResolver, EventFieldsResolver, DeploymentResolver, ImageResolver, SecretNotificationResolver, AuditResolver, TriggerResolver],
    // Every event type is reachable through the Event interface only; list them so that
    // types whose vendor has no configured source yet are still in the contract.
    orphanedTypes: [TriggerEventType, ImageEventType, SecretNotificationEventType, DeploymentEventType, AuditEventType],
    validate: false,
  });
}
