import {
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { EventSource } from '../../timeline/event-source.js';
import { eventsFieldCost, histogramFieldCost, sourceCosts, type EventsFieldArguments, type SourceCost } from './source-cost.js';

/*
 * The cost of an operation in upstream calls, estimated from the document, its variables
 * and the configured sources, before any resolver runs (docs/limits.md):
 *
 * - `events`: for every configured source the filter leaves in, streams × pages, where a
 *   stream's pages are ceil((size + 2) / its largest page), plus the calls that list its
 *   streams (see source-cost.ts);
 * - `eventHistogram`: per source, its listing and two calls per stream (source-cost.ts);
 * - `event(id)`: 1;
 * - `_entities` (a federation subgraph's): 1 per event id of its representations, as
 *   `event(id)` each, each id once (they are looked up once); a Source representation: 0;
 * - `sources`, `viewer`, introspection and `_service`: 0;
 * - any other root field (the vendors' native queries): 1.
 *
 * Root fields are collected the way execution collects them: aliases are separate fields,
 * fragments (spread or inline) are followed once each, `@skip`/`@include` are obeyed, and
 * fields under one response key are one field, since they run once. Nested fields cost
 * nothing: none of them reads a page (DeploymentEvent.service reads the service list that
 * the page read already).
 */

export interface FieldCost {
  /** The alias, or the field's name. */
  responseKey: string;
  field: string;
  cost: number;
}

export interface OperationCost {
  /** Estimated upstream calls of the whole operation. */
  cost: number;
  /** Per root field, in document order. */
  fields: FieldCost[];
}

export interface OperationCostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The request's variables, as sent (they are coerced here, as execution will). */
  variables?: Readonly<Record<string, unknown>> | null;
  /** Every configured source: the estimate does not narrow them to the caller's scope, so it errs high. */
  sources: readonly EventSource[];
}

/** Root fields that read the configuration or the caller only, never an upstream. */
const FREE_FIELDS = new Set(['sources', 'viewer', '_service']);

export function estimateOperationCost(input: OperationCostInput): OperationCost {
  const { schema, document, operation } = input;
  const rootType = schema.getRootType(operation.operation);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variables ?? {}, { maxErrors: 1 });
  // Variables that do not coerce fail the operation before any resolver runs: no call.
  if (!rootType || 'errors' in coerced) return { cost: 0, fields: [] };
  const variables = coerced.coerced;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const collected = new Map<string, FieldNode>();
  collectFields(operation.selectionSet, fragments, variables, collected, new Set());

  let sources: SourceCost[] | undefined;
  const fields: FieldCost[] = [];
  let cost = 0;
  for (const [responseKey, node] of collected) {
    const field = node.name.value;
    let fieldCost: number;
    if (field.startsWith('__') || FREE_FIELDS.has(field)) fieldCost = 0;
    else if (field === 'events') {
      sources ??= sourceCosts(input.sources);
      const args = argumentsOf(rootType, node, variables);
      fieldCost = args === undefined ? 0 : eventsFieldCost(sources, args);
    } else if (field === 'eventHistogram') {
      sources ??= sourceCosts(input.sources);
      const args = argumentsOf(rootType, node, variables);
      fieldCost = args === undefined ? 0 : histogramFieldCost(sources, args);
    } else if (field === '_entities') {
      const args = argumentsOf(rootType, node, variables) as { representations?: unknown } | undefined;
      fieldCost = args === undefined ? 0 : entitiesFieldCost(args.representations);
    } else fieldCost = 1;
    fields.push({ responseKey, field, cost: fieldCost });
    cost += fieldCost;
  }
  return { cost, fields };
}

/**
 * A router may send hundreds of representations in one `_entities`: at 1 for the field,
 * they would bypass the limit. Representations that are no object fail before any lookup.
 */
function entitiesFieldCost(representations: unknown): number {
  if (!Array.isArray(representations)) return 0;
  const ids = new Set<unknown>();
  for (const representation of representations) {
    if (typeof representation !== 'object' || representation === null) continue;
    const { __typename, id } = representation as { __typename?: unknown; id?: unknown };
    if (__typename !== 'Source') ids.add(id);
  }
  return ids.size;
}

/**
 * The field's arguments as its resolver will get them, defaults included; undefined when
 * they do not coerce, which fails the field before its resolver runs.
 */
function argumentsOf(rootType: GraphQLObjectType, node: FieldNode, variables: Record<string, unknown>): EventsFieldArguments | undefined {
  const definition = rootType.getFields()[node.name.value];
  if (!definition) return undefined;
  try {
    return getArgumentValues(definition, node, variables) as EventsFieldArguments;
  } catch {
    return undefined;
  }
}

/** The root fields by response key, first occurrence kept, as execution's field collection does. */
function collectFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  fields: Map<string, FieldNode>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!included(selection, variables)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, selection);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        // On a root type a type condition can only name that type (validation checks it).
        collectFields(selection.selectionSet, fragments, variables, fields, visited);
        break;
      case Kind.FRAGMENT_SPREAD: {
        // Each fragment once: a second spread adds nothing execution would run again, and
        // following it again would let nested spreads grow the walk exponentially.
        const name = selection.name.value;
        if (visited.has(name)) break;
        visited.add(name);
        const fragment = fragments.get(name);
        if (fragment) collectFields(fragment.selectionSet, fragments, variables, fields, visited);
        break;
      }
    }
  }
}

/** `@skip(if: true)` and `@include(if: false)` leave a selection out. */
function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  } catch {
    // A directive argument that does not coerce fails validation or execution anyway; count the selection.
  }
  return true;
}
