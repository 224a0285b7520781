import type { GraphQLResolveInfo } from 'graphql';
import type { EventRecord } from '../../model/event.model.js';
import type { EventSource } from '../../timeline/event-source.js';
import type { VendorRegistry } from '../../vendors/vendor-registry.js';
import type { RequestContext } from '../context.js';
import { EVENT_INTERFACE, SOURCE_TYPE } from './entity-keys.js';
import { EventEntities } from './event-entities.js';

type ResolveReference = (representation: Record<string, unknown>, context: RequestContext, info: GraphQLResolveInfo) => Promise<object | null> | object | null;

/** `__resolveReference` of every entity, as a resolver map for buildSubgraphSchema. */
export function referenceResolvers(vendors: VendorRegistry, entityTypes: Iterable<string>): Record<string, { __resolveReference: ResolveReference }> {
  const resolvers: Record<string, { __resolveReference: ResolveReference }> = {};
  for (const typeName of entityTypes) {
    if (typeName === SOURCE_TYPE) resolvers[typeName] = { __resolveReference: resolveSource };
    // The interface answers any event; the Event resolveType then names its type.
    else if (typeName === EVENT_INTERFACE) resolvers[typeName] = { __resolveReference: async (representation, context) => copyOf(await findEvent(representation, context)) };
    else {
      resolvers[typeName] = {
        // An id of another type's event is no entity of this type: answering it would hand
        // the gateway an AuditEvent it asked for as, and reads as, a TriggerEvent.
        __resolveReference: async (representation, context) => {
          const event = await findEvent(representation, context);
          return event && vendors.moduleOfKind(event.kind)?.graphql.typeName === typeName ? copyOf(event) : null;
        },
      };
    }
  }
  return resolvers;
}

function findEvent(representation: Record<string, unknown>, context: RequestContext): Promise<EventRecord | null> {
  return EventEntities.of(context).find(representation.id);
}

/**
 * The entities resolver writes `__typename` onto what it is given, for good: an event may
 * be shared (a cached page's records), so it gets a copy, which is all it needs (plain data).
 */
function copyOf(event: EventRecord | null): EventRecord | null {
  return event && { ...event };
}

/** Among the sources the principal may read only: any other is no entity to this caller. */
function resolveSource(representation: Record<string, unknown>, context: RequestContext): EventSource | null {
  const source = context.visibleSources.find((candidate) => candidate.name === representation.name);
  // A view, for the same reason as copyOf: the source itself is long-lived and shared.
  return source ? (Object.create(source) as EventSource) : null;
}
