import 'reflect-metadata';
import { EVENT_KIND_DESCRIPTION, VENDOR_DESCRIPTION } from './enums.js';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLEnumType, GraphQLInterfaceType, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import type { EventRecord } from '../model/event.model.js';
import type { EnumValue } from '../vendors/vendor-module.js';
import type { VendorRegistry } from '../vendors/vendor-registry.js';
import { EventFieldsResolver } from './resolvers/event-fields.resolver.js';
import { EventsResolver } from './resolvers/events.resolver.js';
import { HistogramResolver } from './resolvers/histogram.resolver.js';
import { SourceFieldsResolver } from './resolvers/source-fields.resolver.js';
import { TailResolver } from './resolvers/tail.resolver.js';
import { guardArguments } from './validation/input-guard.js';

/** Every subscription has its own `subscribe`: a topic-based one would be a mistake, and says so. */
const NO_PUBSUB: PubSub = {
  publish: () => {
    throw new Error('eventgraph has no PubSub: subscriptions have their own subscribe');
  },
  subscribe: () => {
    throw new Error('eventgraph has no PubSub: subscriptions have their own subscribe');
  },
};

/**
 * The public schema over a registry's vendors. `schema/schema.graphql` is this, printed for
 * the built-in ones (npm run schema:emit).
 */
export async function buildEventgraphSchema(vendors: VendorRegistry): Promise<GraphQLSchema> {
  // Every argument of every field, native queries included, is checked before its resolver
  // runs (validation/input-guard.ts): nulls as absent, well-formed and bounded strings.
  return guardArguments(await buildUnguardedSchema(vendors));
}

/**
 * The schema before the argument guard. The subgraph build (federation/) prints it and takes
 * its resolvers, then guards the schema it makes: guarding this one too would check every
 * argument twice, and leave `_entities`, which only the subgraph has, unchecked.
 */
export async function buildUnguardedSchema(vendors: VendorRegistry): Promise<GraphQLSchema> {
  const resolvers: NonEmptyArray<Function> = [
    EventsResolver,
    HistogramResolver,
    EventFieldsResolver,
    SourceFieldsResolver,
    TailResolver,
    ...vendors.modules.flatMap((module) => module.graphql.resolvers),
  ];
  const built = await buildSchema({
    resolvers,
    // Every event type is reachable through the Event interface only; list them so that
    // types whose vendor has no configured source yet are still in the contract.
    orphanedTypes: vendors.modules.map((module) => module.graphql.eventType),
    // Only the ranges declared with IntRange: class-validator checks the arguments that carry one.
    validate: true,
    // type-graphql asks for a PubSub as soon as there is a subscription, even one with its own
    // `subscribe` (eventTail reads the timeline's tail): none is used, so none is given.
    pubSub: NO_PUBSUB,
  });
  return withVendorValues(built, vendors);
}

/**
 * What type-graphql cannot take from decorators, as the values come from the registry: the
 * values of EventKind and Vendor, and which type the Event interface resolves each kind to.
 */
function withVendorValues(schema: GraphQLSchema, vendors: VendorRegistry): GraphQLSchema {
  const typeNameOfKind = new Map(vendors.modules.map((module) => [module.eventKind.name, module.graphql.typeName]));
  for (const typeName of typeNameOfKind.values()) {
    if (!schema.getType(typeName)) throw new Error(`a vendor module names the event type ${typeName}, which no class declares`);
  }
  return mapSchema(schema, {
    [MapperKind.ENUM_TYPE]: (type) => {
      if (type.name === 'EventKind') return enumOf('EventKind', EVENT_KIND_DESCRIPTION, vendors.kinds);
      if (type.name === 'Vendor') return enumOf('Vendor', VENDOR_DESCRIPTION, vendors.vendors);
      return type;
    },
    [MapperKind.INTERFACE_TYPE]: (type) =>
      type.name === 'Event'
        ? new GraphQLInterfaceType({ ...type.toConfig(), resolveType: (event: EventRecord) => typeNameOfKind.get(event.kind) })
        : type,
  });
}

function enumOf(name: string, description: string, values: readonly EnumValue[]): GraphQLEnumType {
  return new GraphQLEnumType({
    name,
    description,
    values: Object.fromEntries(values.map((value) => [value.name, { value: value.name, description: value.description }])),
  });
}
