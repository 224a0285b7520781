import {
  assertEnumType,
  assertInputObjectType,
  coerceInputValue,
  getNullableType,
  isListType,
  type GraphQLInputField,
  type GraphQLSchema,
} from 'graphql';
import type { ExportQuery } from '../../graphql/export/export-walk.js';

/*
 * The query string of an export route, read against the schema: each field of the
 * `EventFilter` input is a parameter of the same name, so a field added there is a
 * parameter here. Lists are comma-separated, repeated, or both (`kinds=AUDIT,TRIGGER`,
 * `kinds=AUDIT&kinds=TRIGGER`); times are ISO-8601 or epoch milliseconds, as in GraphQL.
 */

/** The most events one export may be asked to stop at; far beyond any upstream's retention. */
const MAX_LIMIT = 1_000_000_000;

export interface ExportParams {
  query: ExportQuery;
  /** CSV only: whether the header row is sent (`header=false` for a continuation). */
  header: boolean;
}

/** A query string the export cannot take: the parameter at fault and why (never its value). */
export class ExportParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

export class ExportParamReader {
  private readonly filterFields: Map<string, GraphQLInputField>;
  private readonly orders: readonly string[];
  private readonly known: readonly string[];

  constructor(schema: GraphQLSchema) {
    this.filterFields = new Map(Object.entries(assertInputObjectType(schema.getType('EventFilter')).getFields()));
    this.orders = assertEnumType(schema.getType('SortDirection')).getValues().map((value) => value.name);
    this.known = [...this.filterFields.keys(), 'order', 'after', 'limit', 'header'];
  }

  /** Throws ExportParamError for a parameter that is unknown, repeated where it may not be, or malformed. */
  read(search: URLSearchParams, format: 'ndjson' | 'csv'): ExportParams {
    for (const name of new Set(search.keys())) {
      if (!this.known.includes(name) || (name === 'header' && format !== 'csv')) {
        throw new ExportParamError(name.length > 64 ? `${name.slice(0, 64)}…` : name, `not a parameter of this export; known: ${this.known.filter((known) => known !== 'header' || format === 'csv').join(', ')}`);
      }
    }
    const order = single(search, 'order') ?? 'ASC';
    if (!this.orders.includes(order)) throw new ExportParamError('order', `must be one of ${this.orders.join(', ')}`);
    const after = single(search, 'after');
    return {
      query: { filter: this.filter(search), order: order as ExportQuery['order'], ...(after ? { after } : {}), ...this.limit(search) },
      header: booleanParam(search, 'header') ?? true,
    };
  }

  private filter(search: URLSearchParams): Record<string, unknown> {
    const filter: Record<string, unknown> = {};
    for (const [name, field] of this.filterFields) {
      const values = search.getAll(name);
      if (values.length === 0) continue;
      const list = isListType(getNullableType(field.type));
      const value = list ? values.flatMap((text) => text.split(',')).map((text) => text.trim()).filter(Boolean) : single(search, name);
      // The same coercion GraphQL applies to a variable, with the parameter named in the message.
      coerceInputValue(value, field.type, (_path, _invalid, error) => {
        throw new ExportParamError(name, error.message);
      });
      filter[name] = value;
    }
    return filter;
  }

  private limit(search: URLSearchParams): { limit?: number } {
    const text = single(search, 'limit');
    if (text === undefined) return {};
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) throw new ExportParamError('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
    return { limit };
  }
}

/** A parameter that may be given once; undefined when absent. */
function single(search: URLSearchParams, name: string): string | undefined {
  const values = search.getAll(name);
  if (values.length > 1) throw new ExportParamError(name, 'is given more than once');
  return values[0];
}

function booleanParam(search: URLSearchParams, name: string): boolean | undefined {
  const text = single(search, name);
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') throw new ExportParamError(name, 'must be true or false');
  return text === 'true';
}
