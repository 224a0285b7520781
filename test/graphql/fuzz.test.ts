import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEventId } from '../../src/timeline/event-id.js';
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import { fiveSources } from '../helpers/timeline-oracle.js';

/*
 * Whatever a client sends, the answer is an answer: never INTERNAL_SERVER_ERROR, never a 5xx,
 * and the server still serves afterwards. fast-check drives `events`, `event(id)` and every
 * native query over real HTTP against the real server and the five emulators, with texts
 * holding lone surrogates or running long, numbers out of every range, nulls, dates at the
 * ends of time, event ids of any shape, and cursors: random text, and real ones with their
 * payload changed and signed again with the server's key (the test's own), which only the
 * cursor's strict decoding stands between and the planner. Bounded: a fixed seed and run
 * count, well inside the test's time.
 */

const CURSOR_SECRET = 'integration-test-cursor-secret';
const RUNS = 200;

/** Texts as clients (and attackers) write them: any UTF-16 code units, lone surrogates included. */
const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units));
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: codeUnits },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a\udfffb', '\ud83d\ude00', '', '*', '/', '../x', '%2F..', '/release/|/a', '(', '\\', '\u0000', 'null', 'generic-local', 'hss') },
  { weight: 1, arbitrary: fc.integer({ min: 4000, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
// Values of the right type mostly, so that requests get past GraphQL's own coercion and reach
// the resolvers; now and then one GraphQL itself must refuse.
const anInt = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 1200 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 500, 501, 2 ** 31 - 1, -(2 ** 31)) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 1e300, 1.5) },
);
const aDate = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()) },
  { weight: 2, arbitrary: fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z') },
  { weight: 1, arbitrary: fc.constantFrom('not a date', '2026-13-40T00:00:00Z') },
);
const anOrder = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('ASC', 'DESC') }, { weight: 1, arbitrary: fc.constant('SIDEWAYS') });
const KINDS = ['TRIGGER', 'IMAGE', 'SECRET_NOTIFICATION', 'DEPLOYMENT', 'AUDIT'];
const kinds = fc.oneof({ weight: 8, arbitrary: fc.subarray(KINDS) }, { weight: 1, arbitrary: fc.subarray([...KINDS, 'NOPE']) });

interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

const filter = fc.record(
  {
    kinds: maybe(kinds),
    vendors: maybe(fc.subarray(['TENCENT_CLOUD', 'HUAWEI_CLOUD', 'BLUEKING'])),
    sources: maybe(fc.array(fc.oneof(fc.constantFrom('ccr', 'hss', 'csms', 'modelarts', 'bkrepo'), text), { maxLength: 3 })),
    since: maybe(aDate),
    until: maybe(aDate),
    outcomes: maybe(fc.subarray(['SUCCESS', 'FAILURE', 'UNKNOWN'])),
    actor: maybe(text),
    resource: maybe(text),
    search: maybe(text),
  },
  { requiredKeys: [] },
);

const EVENTS = `query($first: Int, $last: Int, $after: String, $before: String, $filter: EventFilter, $order: SortDirection) {
  events(first: $first, last: $last, after: $after, before: $before, filter: $filter, order: $order) {
    totalCount asOf
    edges { cursor node { id kind occurredAt summary source { name endpoint } } }
    pageInfo { hasNextPage endCursor }
    sources { status error { code } }
  }
}`;

/** A real cursor's payload with one field changed, then signed with the server's key. */
function resigned(cursor: string, field: string, value: unknown): string {
  const wire = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
  const changed = value === undefined ? (({ [field]: _, ...rest }) => rest)(wire) : { ...wire, [field]: value };
  // JSON has no Infinity or NaN: 1e999 is how a payload carries a number that is not finite.
  const payload = Buffer.from(JSON.stringify(changed).replaceAll('"__INFINITE__"', '1e999')).toString('base64url');
  return `${payload}.${createHmac('sha256', CURSOR_SECRET).update(payload).digest('base64url').slice(0, 22)}`;
}

const oddNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e300, -1e300, -1, 0, 8.64e15, 2 ** 53, '__INFINITE__', 0.5));
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddNumber,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
  fc.array(oddNumber, { maxLength: 4 }),
  fc.tuple(oddNumber, text, text),
  fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'source:hss')), fc.oneof(fc.constant(null), fc.tuple(oddNumber, text, text), fc.array(oddNumber, { maxLength: 10 })), {
    maxKeys: 3,
  }),
);

describe('fuzz: no input makes the server fail', () => {
  let stack: Stack;
  /** Real cursors, each with the variables of the query it belongs to. */
  const cursors: { cursor: string; variables: Record<string, unknown>; backward: boolean }[] = [];
  /** Real event ids of every source. */
  const ids: string[] = [];
  let serviceIds: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      sources: (emulators) =>
        fiveSources(emulators, {
          services: emulators.modelarts.services().slice(0, 2).map((s) => s.service_id),
          repositories: emulators.tencentCcr.repositories().slice(0, 2),
          bkrepoRepositories: ['generic-local'],
        }),
    });
    serviceIds = stack.emulators.modelarts.services().map((s) => s.service_id);
    for (const variables of [{ first: 5 }, { last: 4, order: 'ASC' }, { first: 3, filter: { kinds: ['TRIGGER'] } }, { first: 3, filter: { sources: ['bkrepo', 'modelarts'] } }]) {
      const page = await stack.gql<{ events: { edges: { cursor: string; node: { id: string } }[] } }, unknown>(EVENTS, variables);
      for (const edge of page.data!.events.edges) {
        cursors.push({ cursor: edge.cursor, variables, backward: 'last' in variables });
        ids.push(edge.node.id);
      }
    }
  });
  afterAll(() => stack?.close());

  const cursorArbitrary: fc.Arbitrary<Operation> = fc.oneof(
    // A real cursor with its own query, its payload changed.
    fc
      .record({
        index: fc.nat(),
        field: fc.constantFrom('v', 'q', 's', 'c', 'a', 'k', 't', 'l', 'p', 'extra'),
        value: oddValue,
      })
      .map(({ index, field, value }) => {
        const { cursor, variables, backward } = cursors[index % cursors.length]!;
        return { query: EVENTS, variables: { ...variables, [backward ? 'before' : 'after']: resigned(cursor, field, value) } };
      }),
    // A real cursor, given with another query or in the other direction.
    fc.record({ index: fc.nat(), filter: maybe(filter), backward: fc.boolean() }).map(({ index, filter, backward }) => ({
      query: EVENTS,
      variables: { [backward ? 'before' : 'after']: cursors[index % cursors.length]!.cursor, filter },
    })),
    // Text that is no cursor.
    fc.record({ after: text, before: maybe(text) }).map((variables) => ({ query: EVENTS, variables })),
  );

  const eventsArbitrary: fc.Arbitrary<Operation> = fc
    .record({ first: maybe(anInt), last: maybe(anInt), filter: maybe(filter), order: maybe(anOrder) }, { requiredKeys: [] })
    .map((variables) => ({ query: EVENTS, variables }));

  const naturalPart = fc.oneof(text, anInt, fc.constantFrom(null, true, 'test', 'generic-local', 'NODE_CREATED', 'bkdevops'), fc.jsonValue({ maxDepth: 1 }));
  const idArbitrary: fc.Arbitrary<Operation> = fc
    .oneof(
      text,
      fc.nat().map((index) => ids[index % ids.length]!),
      fc.tuple(fc.constantFrom('ccr', 'hss', 'csms', 'modelarts', 'bkrepo', 'gone'), fc.array(naturalPart, { maxLength: 7 })).map(([source, natural]) => encodeEventId(source, natural)),
      fc.nat().map((index) => `${ids[index % ids.length]!}x`),
    )
    .map((id) => ({ query: 'query($id: ID!) { event(id: $id) { id kind occurredAt raw } }', variables: { id } }));

  const source = (names: string[]) => maybe(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text }));
  const service = fc.oneof(fc.nat().map((index) => serviceIds[index % Math.max(1, serviceIds.length)] ?? 'x'), text);
  const nativeArbitrary: fc.Arbitrary<Operation> = fc.oneof(
    fc
      .record({ source: source(['ccr']), repoName: maybe(text), offset: maybe(anInt), limit: maybe(anInt), order: maybe(anOrder), orderBy: maybe(fc.constantFrom('INVOKE_TIME', 'TRIGGER_NAME', 'REPO_NAME', 'nope')) }, { requiredKeys: [] })
      .map((variables) => ({
        query: `query($source: String, $repoName: String, $offset: Int, $limit: Int, $order: SortDirection, $orderBy: TriggerLogOrderBy) {
          triggerLogs(source: $source, repoName: $repoName, offset: $offset, limit: $limit, order: $order, orderBy: $orderBy) { count totalCount events { id } } }`,
        variables,
      })),
    fc
      .record(
        {
          source: source(['hss']),
          resourceName: maybe(text),
          resourceType: maybe(text),
          eventType: maybe(text),
          eventName: maybe(text),
          sourceIp: maybe(text),
          userName: maybe(text),
          startTime: maybe(aDate),
          endTime: maybe(aDate),
          limit: maybe(anInt),
          offset: maybe(anInt),
        },
        { requiredKeys: [] },
      )
      .map((variables) => ({
        query: `query($source: String, $resourceName: String, $resourceType: String, $eventType: String, $eventName: String, $sourceIp: String, $userName: String, $startTime: DateTime, $endTime: DateTime, $limit: Int, $offset: Int) {
          imageEvents(source: $source, resourceName: $resourceName, resourceType: $resourceType, eventType: $eventType, eventName: $eventName, sourceIp: $sourceIp, userName: $userName, startTime: $startTime, endTime: $endTime, limit: $limit, offset: $offset) { count totalNum events { id } } }`,
        variables,
      })),
    fc.record({ source: source(['csms']) }, { requiredKeys: [] }).map((variables) => ({
      query: 'query($source: String) { secretNotifications(source: $source) { count events { id } } }',
      variables,
    })),
    fc
      .record(
        {
          source: source(['modelarts']),
          serviceId: maybe(service),
          serviceName: maybe(text),
          modelId: maybe(text),
          workspaceId: maybe(text),
          offset: maybe(anInt),
          limit: maybe(anInt),
          order: maybe(anOrder),
        },
        { requiredKeys: [] },
      )
      .map((variables) => ({
        query: `query($source: String, $serviceId: String, $serviceName: String, $modelId: String, $workspaceId: String, $offset: Int, $limit: Int, $order: SortDirection) {
          deploymentServices(source: $source, serviceId: $serviceId, serviceName: $serviceName, modelId: $modelId, workspaceId: $workspaceId, offset: $offset, limit: $limit, order: $order) { count totalCount services { serviceId } } }`,
        variables,
      })),
    fc
      .record({ source: source(['modelarts']), serviceId: service, startTime: maybe(aDate), endTime: maybe(aDate), offset: maybe(anInt), limit: maybe(anInt), order: maybe(anOrder) }, { requiredKeys: ['serviceId'] })
      .map((variables) => ({
        query: `query($source: String, $serviceId: String!, $startTime: DateTime, $endTime: DateTime, $offset: Int, $limit: Int, $order: SortDirection) {
          deploymentEvents(source: $source, serviceId: $serviceId, startTime: $startTime, endTime: $endTime, offset: $offset, limit: $limit, order: $order) { count totalCount events { id service { serviceId } } } }`,
        variables,
      })),
    fc
      .record(
        {
          source: source(['bkrepo']),
          projectId: maybe(fc.oneof(fc.constant('test'), text)),
          repoName: fc.oneof(fc.constant('generic-local'), text),
          resourceKey: maybe(fc.oneof(fc.constantFrom('*', '/', '/a/*.jar'), text)),
          eventType: fc.oneof(fc.constantFrom('NODE_CREATED', 'NODE_DOWNLOADED'), text),
          sha256: maybe(text),
          pipelineId: maybe(text),
          buildId: maybe(text),
          userId: maybe(text),
          since: maybe(aDate),
          until: maybe(aDate),
          pageNumber: maybe(anInt),
          pageSize: maybe(anInt),
          direction: maybe(anOrder),
        },
        { requiredKeys: ['repoName', 'eventType'] },
      )
      .map((variables) => ({
        query: `query($source: String, $projectId: String, $repoName: String!, $resourceKey: String, $eventType: String!, $sha256: String, $pipelineId: String, $buildId: String, $userId: String, $since: DateTime, $until: DateTime, $pageNumber: Int, $pageSize: Int, $direction: SortDirection) {
          auditLogs(source: $source, projectId: $projectId, repoName: $repoName, resourceKey: $resourceKey, eventType: $eventType, sha256: $sha256, pipelineId: $pipelineId, buildId: $buildId, userId: $userId, since: $since, until: $until, pageNumber: $pageNumber, pageSize: $pageSize, direction: $direction) { count totalRecords records { id } } }`,
        variables,
      })),
  );

  it(`answers ${RUNS} arbitrary requests without INTERNAL_SERVER_ERROR or a 5xx, and still serves`, { timeout: 90_000 }, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: eventsArbitrary }, { weight: 2, arbitrary: cursorArbitrary }, { weight: 2, arbitrary: idArbitrary }, { weight: 4, arbitrary: nativeArbitrary }), async ({ query, variables }) => {
        const result: GraphQLResult<unknown> = await stack.gql(query, variables);
        for (const error of result.errors ?? []) {
          const code = String(error.extensions?.['code']);
          seen.set(code, (seen.get(code) ?? 0) + 1);
        }
        const label = `${query.slice(0, 60)} ${JSON.stringify(variables).slice(0, 300)}`;
        expect(result.status, label).toBeLessThan(500);
        expect(result.errors?.filter((error) => error.extensions?.['code'] === 'INTERNAL_SERVER_ERROR') ?? [], label).toEqual([]);
      }),
      { numRuns: RUNS, seed: 20261104, endOnFailure: true },
    );
    // The refusals the fuzzing met: bad input is told as such.
    expect(seen.get('BAD_USER_INPUT')).toBeGreaterThan(0);
    const health = await fetch(new URL('/healthz', stack.server.url));
    expect(health.status).toBe(200);
    const after = await stack.gql('{ events(first: 1) { edges { node { id } } } }');
    expect(after.errors).toBeUndefined();
  });
});
