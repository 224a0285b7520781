import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { execute, isSpecifiedScalarType, lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import { createResolversMap } from 'type-graphql';
import type { VendorRegistry } from '../../vendors/vendor-registry.js';
import { buildUnguardedSchema } from '../schema.js';
import { guardArguments } from '../validation/input-guard.js';
import { entityKeysOf, FEDERATION_LINK, withEntityKeys } from './entity-keys.js';
import { referenceResolvers } from './reference-resolvers.js';

/**
 * The public schema as an Apollo Federation 2 subgraph (`server.federation`): the same
 * types, fields and resolvers, with `@key` on Event, every event type and Source, and the
 * `_service` and `_entities` fields a router queries. `schema/subgraph.graphql` is its SDL,
 * printed for the built-in vendors (npm run schema:emit).
 *
 * type-graphql has no federation of its own; as in its apollo-federation-2 example, its
 * schema is printed with the directives and handed, with its resolvers, to @apollo/subgraph.
 */
export async function buildEventgraphSubgraphSchema(vendors: VendorRegistry): Promise<GraphQLSchema> {
  const schema = await buildUnguardedSchema(vendors);
  const keys = entityKeysOf(schema);
  // Sorted: type-graphql orders types and fields as their decorators ran, that is by the
  // order modules were loaded, which differs between entry points (main.ts, the tests,
  // schema:emit). The SDL a router gets must be the committed one whoever started the server.
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(withEntityKeys(schema, keys)))}`);
  const resolvers = resolversOf(schema);
  for (const [typeName, reference] of Object.entries(referenceResolvers(vendors, keys.keys()))) resolvers[typeName] = { ...resolvers[typeName], ...reference };
  // type-graphql's map is untyped (its resolvers take `any`); @apollo/subgraph reads it as-is.
  const subgraph = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  // After the subgraph is built, so that `_entities` is checked like every other field.
  return guardArguments(subgraph);
}

/** What `_service { sdl }` answers: the SDL a router composes. */
export async function subgraphSdl(schema: GraphQLSchema): Promise<string> {
  const result = await execute({ schema, document: parse('{ _service { sdl } }') });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (result.errors?.length || typeof sdl !== 'string') throw new Error(`the subgraph schema gives no SDL: ${result.errors?.map((error) => error.message).join('; ')}`);
  return sdl;
}

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * type-graphql's resolvers (fields, subscriptions, scalars, enum values, the Event
 * interface's resolveType), without graphql-js's own scalars: @apollo/subgraph copies a
 * scalar's properties onto the schema's type, which for those is graphql-js's shared one.
 */
function resolversOf(schema: GraphQLSchema): ResolverMap {
  const map = createResolversMap(schema) as ResolverMap;
  for (const name of Object.keys(map)) {
    const type = schema.getType(name);
    if (type && isSpecifiedScalarType(type)) delete map[name];
  }
  return map;
}
