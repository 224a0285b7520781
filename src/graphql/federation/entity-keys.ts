import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLInterfaceType, GraphQLObjectType, type GraphQLSchema } from 'graphql';

/**
 * The federation spec the subgraph links. 2.3 is the first with interface entities (`@key`
 * on `interface Event`, resolved by the interface), and the oldest a router must know.
 */
export const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

export const EVENT_INTERFACE = 'Event';
export const SOURCE_TYPE = 'Source';

/** What another subgraph holds to point at an entity of ours: the fields that find it again. */
export const EVENT_KEY_FIELDS = 'id';
export const SOURCE_KEY_FIELDS = 'name';

/**
 * The entities and their keys: Event, every type that implements it (whichever vendors the
 * registry has), and Source. Composition requires an interface entity's implementations to
 * be entities with its key, so the event types are taken from the schema, not listed.
 */
export function entityKeysOf(schema: GraphQLSchema): Map<string, string> {
  const keys = new Map<string, string>([[EVENT_INTERFACE, EVENT_KEY_FIELDS]]);
  const event = schema.getType(EVENT_INTERFACE);
  if (!(event instanceof GraphQLInterfaceType)) throw new Error(`the schema has no interface ${EVENT_INTERFACE}`);
  for (const type of schema.getPossibleTypes(event)) keys.set(type.name, EVENT_KEY_FIELDS);
  if (!(schema.getType(SOURCE_TYPE) instanceof GraphQLObjectType)) throw new Error(`the schema has no type ${SOURCE_TYPE}`);
  keys.set(SOURCE_TYPE, SOURCE_KEY_FIELDS);
  return keys;
}

/**
 * The schema with `@key` on its entities, as directive extensions that
 * printSchemaWithDirectives prints. Only the subgraph build applies it: the standalone
 * schema (schema/schema.graphql) carries no federation directive.
 */
export function withEntityKeys(schema: GraphQLSchema, keys: ReadonlyMap<string, string>): GraphQLSchema {
  const withKey = <C extends { name: string; extensions?: Readonly<Record<string, unknown>> | null }>(config: C): C => {
    const fields = keys.get(config.name);
    if (fields === undefined) return config;
    const directives = (config.extensions?.directives ?? {}) as Record<string, unknown>;
    return { ...config, extensions: { ...config.extensions, directives: { ...directives, key: [{ fields }] } } };
  };
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => (keys.has(type.name) ? new GraphQLObjectType(withKey(type.toConfig())) : type),
    [MapperKind.INTERFACE_TYPE]: (type) => (keys.has(type.name) ? new GraphQLInterfaceType(withKey(type.toConfig())) : type),
  });
}
