import {
  assertInterfaceType,
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { VendorRegistry } from '../../vendors/vendor-registry.js';

/*
 * What one exported event is: the fields of its GraphQL type, as `events` answers them. The
 * schema is the one description of an event's fields (GraphiQL's docs panel shows the same),
 * so a vendor that adds a field adds an export column, and no vendor module says anything
 * about exports.
 */

/** The fields every event has, first in every row, in this order; `source` is its name. */
export const COMMON_COLUMNS = ['id', 'kind', 'vendor', 'source', 'occurredAt', 'outcome', 'actor', 'resource', 'summary'] as const;

/** How deep a vendor field's objects are followed (TriggerEvent.invokePara.clusterRegion is 2). */
const MAX_NESTING = 4;

/**
 * An event as the export document answers it: `source` is `{ name }`, `raw` comes last, and
 * DateTime fields are Date objects (graphql-scalars serialises to a Date; JSON writes ISO).
 */
export type ExportNode = Record<string, unknown> & { kind: string; source: { name: string } };

/** An exported event: the node with `source` as its name, keys in the document's order. */
export type ExportRow = Record<string, unknown>;

export class ExportShape {
  /** The `events` page an export reads, with every field of every event type. */
  readonly document: DocumentNode;
  /** Per event kind, its vendor columns: a nested object's leaves as dotted paths. */
  private readonly columnsByKind = new Map<string, string[]>();

  constructor(schema: GraphQLSchema, vendors: VendorRegistry) {
    const event = assertInterfaceType(schema.getType('Event'));
    const common = new Set(Object.keys(event.getFields()));
    const fragments: string[] = [];
    for (const module of vendors.modules) {
      const type = schema.getType(module.graphql.typeName);
      if (!isObjectType(type)) throw new Error(`the schema has no object type ${module.graphql.typeName}`);
      const own = Object.values(type.getFields()).filter((field) => !common.has(field.name) && selectable(field));
      fragments.push(`... on ${type.name} { ${own.map((field) => selection(field, 1)).join(' ')} }`);
      this.columnsByKind.set(module.eventKind.name, own.flatMap((field) => columnPaths(field, field.name, 1)));
    }
    const head = COMMON_COLUMNS.map((name) => (name === 'source' ? 'source { name }' : name)).join(' ');
    // `raw` is selected after the fragments: execution keeps the order fields first appear
    // in, so it is the last key of every row, after the vendor's fields.
    this.document = parse(`
      query Export($first: Int!, $after: String, $filter: EventFilter, $order: SortDirection) {
        events(first: $first, after: $after, filter: $filter, order: $order) {
          asOf
          pageInfo { hasNextPage endCursor }
          sources { source { name } status events upstreamCalls error { code message } }
          edges { node { ${head} ${fragments.join(' ')} raw } }
        }
      }`);
  }

  /**
   * The CSV columns of an export of these kinds: the common ones, then each kind's own in
   * the registry's order, a name two kinds share once. They depend on the kinds alone, never
   * on the data, so that every part of a resumed export has the same columns.
   */
  columns(kinds: ReadonlySet<string>): string[] {
    const columns = new Set<string>(COMMON_COLUMNS);
    for (const [kind, own] of this.columnsByKind) {
      if (kinds.has(kind)) for (const column of own) columns.add(column);
    }
    return [...columns];
  }
}

/** The row of a node: its keys in order, `source` as the source's name. */
export function exportRow(node: ExportNode): ExportRow {
  return { ...node, source: node.source.name };
}

/**
 * Fields an export writes: none that needs an argument it would have to make up, and no
 * upstream record of its own (an object with its own `raw`, such as DeploymentEvent.service):
 * that is looked up in another list as it is now, not as it was when the event happened.
 */
function selectable(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNamedType(field.type);
  if (isObjectType(type) && 'raw' in type.getFields()) return false;
  return field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);
}

/** Objects to be followed: not a list (a list is one cell, whatever it holds), not too deep. */
function nestedObject(field: GraphQLField<unknown, unknown>, depth: number): GraphQLObjectType | undefined {
  const type = getNamedType(field.type);
  const list = isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
  return isObjectType(type) && !list && depth < MAX_NESTING ? type : undefined;
}

function selection(field: GraphQLField<unknown, unknown>, depth: number): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (!isObjectType(type) || depth >= MAX_NESTING) return '';
  const inner = Object.values(type.getFields())
    .filter(selectable)
    .map((child) => selection(child, depth + 1))
    .filter(Boolean);
  return inner.length > 0 ? `${field.name} { ${inner.join(' ')} }` : '';
}

function columnPaths(field: GraphQLField<unknown, unknown>, path: string, depth: number): string[] {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return [path];
  const nested = nestedObject(field, depth);
  if (!nested) return isObjectType(type) && depth < MAX_NESTING ? [path] : [];
  return Object.values(nested.getFields())
    .filter(selectable)
    .flatMap((child) => columnPaths(child, `${path}.${child.name}`, depth + 1));
}
