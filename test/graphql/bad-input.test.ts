import { createHmac } from 'node:crypto';
import { getNamedType, GraphQLInputObjectType, isNonNullType, type GraphQLArgument, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { MAX_LIST_LENGTH, MAX_STRING_LENGTH } from '../../src/graphql/validation/input-guard.js';
import { encodeEventId } from '../../src/timeline/event-id.js';
import { builtInVendors } from '../../src/vendors/vendors.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { fiveSources } from '../helpers/timeline-oracle.js';

/*
 * Bad input is BAD_USER_INPUT, never INTERNAL_SERVER_ERROR, and costs no upstream call:
 * explicit nulls are absent, strings are well-formed Unicode and bounded, lists are bounded,
 * cursors are decoded strictly however well they are signed (docs/errors.md). Every string
 * argument of every query is found in the schema itself, so a native query added later is
 * covered without a line here.
 */

const CURSOR_SECRET = 'integration-test-cursor-secret';
const LONE = '\ud800';

/** Every (field, argument) of Query whose value is a text, with the required others filled in. */
function stringArguments(schema: GraphQLSchema): Array<{ field: string; arg: GraphQLArgument; others: GraphQLArgument[] }> {
  const fields = Object.values(schema.getQueryType()!.getFields());
  return fields.flatMap((field) =>
    field.args
      .filter((arg) => ['String', 'ID'].includes(getNamedType(arg.type).name))
      .map((arg) => ({ field: field.name, arg, others: field.args.filter((other) => other !== arg && isNonNullType(other.type)) })),
  );
}

/** A document asking `field` with `$v` as `arg`, every other required argument a harmless literal. */
function documentFor(field: string, arg: GraphQLArgument, others: GraphQLArgument[]): string {
  const literal = (other: GraphQLArgument) => (getNamedType(other.type).name === 'Int' ? '1' : '"x"');
  const args = [`${arg.name}: $v`, ...others.map((other) => `${other.name}: ${literal(other)}`)].join(', ');
  return `query($v: ${arg.type.toString()}) { ${field}(${args}) { __typename } }`;
}

describe('bad input is BAD_USER_INPUT, before any upstream call', () => {
  let stack: Stack;
  let schema: GraphQLSchema;
  const upstreamRequests = () =>
    stack.emulators.list().reduce((n, emulator) => n + ('requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0), 0);

  beforeAll(async () => {
    schema = await buildEventgraphSchema(builtInVendors());
    stack = await startStack({
      sources: (emulators) =>
        fiveSources(emulators, {
          services: emulators.modelarts.services().slice(0, 2).map((s) => s.service_id),
          repositories: emulators.tencentCcr.repositories().slice(0, 2),
          bkrepoRepositories: ['generic-local'],
        }),
    });
  });
  afterAll(() => stack?.close());
  beforeEach(() => {
    for (const emulator of stack.emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
  });

  async function expectRefused(query: string, variables: Record<string, unknown>, argument: string, message: RegExp) {
    const result = await stack.gql(query, variables);
    const label = `${query} ${JSON.stringify(variables).slice(0, 120)}`;
    expect(result.status, label).toBe(200);
    expect(result.errors, label).toHaveLength(1);
    expect(result.errors![0]!.extensions, label).toEqual({ code: 'BAD_USER_INPUT', argument });
    expect(result.errors![0]!.message, label).toMatch(message);
    expect(upstreamRequests(), label).toBe(0);
  }

  it('finds every string argument of every query in the schema', () => {
    const found = stringArguments(schema).map(({ field, arg }) => `${field}.${arg.name}`);
    for (const expected of ['events.after', 'events.before', 'event.id', 'triggerLogs.repoName', 'imageEvents.userName', 'deploymentEvents.serviceId', 'auditLogs.resourceKey']) {
      expect(found).toContain(expected);
    }
  });

  describe('explicit nulls are absent', () => {
    it('in every field of the filter, and in every nullable argument of events', async () => {
      const filter = Object.fromEntries(Object.keys((schema.getType('EventFilter') as GraphQLInputObjectType).getFields()).map((name) => [name, null]));
      const withNulls = await stack.gql(
        'query($filter: EventFilter) { events(first: 5, after: null, last: null, before: null, order: null, filter: $filter) { totalCount edges { node { id } } } }',
        { filter },
      );
      expect(withNulls.errors).toBeUndefined();
      const plain = await stack.gql('{ events(first: 5) { totalCount edges { node { id } } } }');
      expect(withNulls.data).toEqual(plain.data);
    });

    it.each(['actor', 'resource', 'search'])('filter.%s: null alone', async (field) => {
      const result = await stack.gql('query($filter: EventFilter) { events(first: 1, filter: $filter) { edges { node { id } } } }', { filter: { [field]: null } });
      expect(result.errors).toBeUndefined();
    });

    it('in every nullable argument of every native query: answered as if left out', async () => {
      for (const field of Object.values(schema.getQueryType()!.getFields())) {
        if (['events', 'event', 'sources', 'viewer'].includes(field.name)) continue;
        const nullable = field.args.filter((arg) => !isNonNullType(arg.type) && arg.name !== 'source');
        const required = field.args.filter((arg) => isNonNullType(arg.type));
        const value = (arg: GraphQLArgument) =>
          arg.name === 'serviceId'
            ? `"${stack.emulators.modelarts.services()[0]!.service_id}"`
            : arg.name === 'repoName'
              ? '"generic-local"'
              : getNamedType(arg.type).name === 'Timestamp'
                ? '"2025-12-01T00:00:00Z"'
                : '"NODE_CREATED"';
        const document = (args: string[]) => `{ ${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''} { __typename } }`;
        const given = required.map((arg) => `${arg.name}: ${value(arg)}`);
        const withNulls = await stack.gql(document([...nullable.map((arg) => `${arg.name}: null`), ...given]));
        const leftOut = await stack.gql(document(given));
        expect(withNulls.status, field.name).toBe(200);
        expect(withNulls.errors?.map((error) => [error.extensions?.['code'], error.message]), field.name).toEqual(
          leftOut.errors?.map((error) => [error.extensions?.['code'], error.message]),
        );
        expect(withNulls.data, field.name).toEqual(leftOut.data);
      }
    });
  });

  describe('strings', () => {
    it('a lone surrogate in any string argument', async () => {
      for (const { field, arg, others } of stringArguments(schema)) {
        await expectRefused(documentFor(field, arg, others), { v: LONE }, arg.name, new RegExp(`^${arg.name} is not well-formed Unicode`));
      }
    });

    it('a lone surrogate in any string field of the filter, or in a list of it', async () => {
      const query = 'query($filter: EventFilter) { events(filter: $filter) { totalCount } }';
      for (const [field, value] of [['actor', LONE], ['resource', `a${LONE}b`], ['search', '\udfff'], ['sources', ['hss', LONE]]] as const) {
        await expectRefused(query, { filter: { [field]: value } }, 'filter', new RegExp(`^filter\\.${field}(\\[1\\])? is not well-formed Unicode`));
      }
      // A well-formed pair is a character like any other. (CSMS only: a search that matches
      // nothing reads a whole log, and CSMS reads its log in one call.)
      const emoji = await stack.gql(query, { filter: { search: '\ud83d\ude00', sources: ['csms'] } });
      expect(emoji.errors).toBeUndefined();
    });

    it(`a string longer than ${MAX_STRING_LENGTH} characters, anywhere`, async () => {
      const huge = 'x'.repeat(MAX_STRING_LENGTH + 1);
      for (const field of ['actor', 'resource', 'search']) {
        await expectRefused('query($filter: EventFilter) { events(filter: $filter) { totalCount } }', { filter: { [field]: huge } }, 'filter', /is 4097 characters long; at most 4096 are accepted/);
      }
      for (const { field, arg, others } of stringArguments(schema)) {
        if (['after', 'before'].includes(arg.name)) continue;
        await expectRefused(documentFor(field, arg, others), { v: huge }, arg.name, new RegExp(`^${arg.name} is 4097 characters long`));
      }
      // At the bound, a filter is taken (and simply matches nothing).
      const bound = await stack.gql('query($filter: EventFilter) { events(first: 1, filter: $filter) { totalCount } }', {
        filter: { search: 'x'.repeat(MAX_STRING_LENGTH), sources: ['csms'] },
      });
      expect(bound.errors).toBeUndefined();
    });

    it(`a list longer than ${MAX_LIST_LENGTH} entries`, async () => {
      await expectRefused(
        'query($filter: EventFilter) { events(filter: $filter) { totalCount } }',
        { filter: { sources: Array.from({ length: MAX_LIST_LENGTH + 1 }, () => 'hss') } },
        'filter',
        /^filter\.sources has 1001 entries; at most 1000 are accepted/,
      );
    });

    it('an event id whose natural id holds a lone surrogate is no id of this API', async () => {
      for (const natural of [['\ud800', 1], [1, 'a\udc00']]) {
        const id = encodeEventId('modelarts', natural);
        await expectRefused('query($id: ID!) { event(id: $id) { id } }', { id }, 'id', /^id: not an event id of this API$/);
      }
    });
  });

  describe('cursors', () => {
    const EVENTS = 'query($after: String) { events(first: 3, after: $after) { asOf edges { node { id } } pageInfo { endCursor } } }';
    const sign = (wire: unknown) => {
      const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
      return `${payload}.${createHmac('sha256', CURSOR_SECRET).update(payload).digest('base64url').slice(0, 22)}`;
    };

    it('a validly signed cursor with an odd payload', async () => {
      const first = await stack.gql<{ events: { pageInfo: { endCursor: string } } }, unknown>(EVENTS, {});
      const cursor = first.data!.events.pageInfo.endCursor;
      const wire = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString()) as Record<string, unknown> & { k: unknown[] };
      // The honest cursor, re-signed, serves: only the payloads below are odd.
      const honest = await stack.gql(EVENTS, { after: sign(wire) });
      expect(honest.errors).toBeUndefined();
      for (const emulator of stack.emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
      const odd: Record<string, unknown>[] = [
        { a: 1e300 },
        { a: -1 },
        { a: '1' },
        { k: [1e300, wire.k[1], wire.k[2]] },
        { k: [wire.k[0], wire.k[1]] },
        { k: [wire.k[0], 5, wire.k[2]] },
        { t: -5 },
        { t: 1.5 },
        { q: 5 },
        { s: null },
        { c: 'x' },
        { l: 'x' },
        { l: { [String(wire.k[1])]: [1, 'a'] } },
        { l: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`s/${i}`, null])) },
        { p: [1, 2] },
        { p: { [String(wire.k[1])]: [1, 'x'] } },
        { p: { [String(wire.k[1])]: Array.from({ length: 100 }, () => 1) } },
        { v: 2 },
        { extra: true },
      ];
      for (const change of odd) {
        await expectRefused(EVENTS, { after: sign({ ...wire, ...change }) }, 'after', /^after: unsupported cursor version or shape$/);
      }
    });

    it('a cursor longer than the bound, and an unsigned one', async () => {
      await expectRefused(EVENTS, { after: `${'A'.repeat(300_000)}.x` }, 'after', /^after is 300002 characters long; at most 262144 are accepted$/);
      await expectRefused(EVENTS, { after: 'eyJ2IjoxfQ.nope' }, 'after', /^after: the cursor was altered, or was issued by another server$/);
    });
  });
});
