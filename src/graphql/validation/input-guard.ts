import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNullableType,
  GraphQLInputObjectType,
  GraphQLList,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { MAX_CURSOR_LENGTH } from '../../timeline/cursor.js';
import { badUserInput } from '../errors.js';

/*
 * What every argument of every field goes through before its resolver runs, whatever the
 * field and whoever added it (a vendor module's native query too). GraphQL checks types;
 * these are the rules types cannot say, and that code below would otherwise trip over as a
 * bug (INTERNAL_SERVER_ERROR) instead of refusing as bad input:
 *
 * - An explicit `null` is the same as leaving the argument (or input field) out. Resolvers,
 *   the timeline and the vendor code test for `undefined`; a null reaching them was a crash
 *   (`filter: { search: null }`) or a filter on the text "null".
 * - A string must be well-formed Unicode. JSON variables can carry a lone UTF-16 surrogate
 *   (`"\ud800"`), which no upstream can be asked about: URL encoding throws on it.
 * - A string is at most MAX_STRING_LENGTH characters (a cursor, MAX_CURSOR_LENGTH), and a
 *   list at most MAX_LIST_LENGTH entries: no filter or upstream parameter needs more, and a
 *   megabyte of text sent on to an upstream only fails there, later and less clearly.
 */

/** The longest string argument or input field, in UTF-16 code units: filters, ids, native parameters. */
export const MAX_STRING_LENGTH = 4096;
/** The most entries of a list argument or input field (`filter.sources`, `filter.kinds`, ...). */
export const MAX_LIST_LENGTH = 1000;
/** Arguments with a bound of their own: cursors grow with the streams they remember. */
const OWN_MAX_LENGTH: Readonly<Record<string, number>> = { after: MAX_CURSOR_LENGTH, before: MAX_CURSOR_LENGTH };

/** A lone surrogate: with the `u` flag a well-formed pair is one code point, outside `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Wraps the resolver of every field that takes arguments, so that it receives them checked. */
export function guardArguments(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      if (!field.args || Object.keys(field.args).length === 0) return field;
      const types = Object.fromEntries(Object.entries(field.args).map(([name, arg]) => [name, arg.type]));
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      const subscribe = field.subscribe;
      return {
        ...field,
        resolve: (root, args, context, info) => resolve(root, checkedArguments(args, types), context, info),
        // A subscription reads its arguments in `subscribe` (eventTail): the same checks.
        ...(subscribe ? { subscribe: (root: unknown, args: Record<string, unknown>, context: unknown, info: Parameters<typeof subscribe>[3]) => subscribe(root, checkedArguments(args, types), context, info) } : {}),
      };
    },
  });
}

/**
 * The arguments with every null left out (in input objects too), each string and list
 * checked. Throws a BAD_USER_INPUT naming the argument; the message gives the path inside it
 * (`filter.search`), never the value.
 */
export function checkedArguments(args: Record<string, unknown>, types: Readonly<Record<string, GraphQLInputType>>): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (value == null) continue;
    const type = types[name];
    checked[name] = type ? checkedValue(value, type, name, name, OWN_MAX_LENGTH[name] ?? MAX_STRING_LENGTH) : value;
  }
  return checked;
}

function checkedValue(value: unknown, type: GraphQLInputType, path: string, argument: string, maxLength: number): unknown {
  const nullable = getNullableType(type);
  if (nullable instanceof GraphQLList) {
    if (!Array.isArray(value)) return checkedValue(value, nullable.ofType as GraphQLInputType, path, argument, maxLength);
    if (value.length > MAX_LIST_LENGTH) throw badUserInput(`${path} has ${value.length} entries; at most ${MAX_LIST_LENGTH} are accepted`, argument);
    return value.map((item, index) => (item == null ? item : checkedValue(item, nullable.ofType as GraphQLInputType, `${path}[${index}]`, argument, maxLength)));
  }
  if (nullable instanceof GraphQLInputObjectType) {
    const fields = nullable.getFields();
    const checked: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
      if (item == null) continue;
      const field = fields[name];
      checked[name] = field ? checkedValue(item, field.type, `${path}.${name}`, argument, maxLength) : item;
    }
    return checked;
  }
  // A scalar: whichever one, a text it parsed to is checked (String, ID, and any custom
  // scalar that keeps its text); numbers, booleans, enum values, dates and JSON values are
  // what their types made of them.
  if (typeof value === 'string') {
    if (value.length > maxLength) throw badUserInput(`${path} is ${value.length} characters long; at most ${maxLength} are accepted`, argument);
    if (LONE_SURROGATE.test(value)) throw badUserInput(`${path} is not well-formed Unicode: it holds a lone UTF-16 surrogate`, argument);
  }
  return value;
}
