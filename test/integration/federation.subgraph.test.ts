import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { EventEntities } from '../../src/graphql/federation/event-entities.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { encodeEventId } from '../../src/timeline/event-id.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { modelArtsSource, postGraphQL, startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import { appendModelArts, sleep, TailCollector, tailClient } from '../helpers/tail-client.js';

/*
 * eventgraph as an Apollo Federation 2 subgraph (`server.federation: true`): the real server
 * over loopback HTTP against the emulators, asked what a router asks (`_service`,
 * `_entities`), with auth on so that scopes are in play.
 */

const FAST = { N: 2 ** 14, r: 8, p: 1 };
/** Every source. */
const ADMIN = generateApiKey();
/** HSS and CSMS only: ModelArts is outside its scope. */
const GATEWAY = generateApiKey();
/** Every source, but at most 2 estimated upstream calls a request. */
const THRIFTY = generateApiKey();
const INTERVAL = 300;

const huawei = DEMO_CREDENTIALS.huawei;
const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };
const hssSource = (e: RunningEmulators) => ({ name: 'hss', kind: 'huawei-hss', endpoint: e.hss.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } });
const csmsSource = (e: RunningEmulators) => ({ name: 'csms', kind: 'huawei-csms', endpoint: e.csms.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } });

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Event {
        id
        kind
        source {
          name
        }
      }
      ... on Source {
        name
        kind
        endpoint
      }
    }
  }
`;

interface Entity {
  __typename: string;
  id?: string;
  kind?: string;
  name?: string;
  endpoint?: string;
  source?: { name: string };
}

type Representation = Record<string, unknown>;
const event = (id: unknown, typename = 'Event'): Representation => ({ __typename: typename, id });
const source = (name: string): Representation => ({ __typename: 'Source', name });

describe('server.federation: true', () => {
  let stack: Stack;
  /** Newest first, each of its own millisecond: one HSS call finds each. */
  let hssIds: string[];
  let csmsId: string;
  let modelArtsId: string;

  const as = <R>(key: string, query: string, variables?: unknown): Promise<GraphQLResult<R>> =>
    postGraphQL<R>(stack.server.url, query, variables, { authorization: `Bearer ${key}` });
  const entities = (key: string, representations: readonly Representation[]) =>
    as<{ _entities: (Entity | null)[] }>(key, ENTITIES, { representations });

  async function idsOf(sourceName: string, first: number): Promise<{ id: string; occurredAt: string }[]> {
    const result = await as<{ events: { edges: { node: { id: string; occurredAt: string } }[] } }>(
      ADMIN,
      'query($sources: [String!]!, $first: Int!) { events(first: $first, filter: { sources: $sources }) { edges { node { id occurredAt } } } }',
      { sources: [sourceName], first },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.events.edges.map((edge) => edge.node);
  }

  beforeAll(async () => {
    stack = await startStack({
      sources: (e) => [hssSource(e), csmsSource(e), modelArtsSource(e)],
      server: {
        federation: true,
        tail: { intervalMs: INTERVAL },
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'admin', hash: await hashApiKey(ADMIN, FAST), sources: ['*'] },
            { name: 'gateway', hash: await hashApiKey(GATEWAY, FAST), sources: ['hss', 'csms'] },
            { name: 'thrifty', hash: await hashApiKey(THRIFTY, FAST), sources: ['*'], maxCost: 2 },
          ],
        },
      },
    });
    const hss = await idsOf('hss', 10);
    // Three events of distinct milliseconds, so that each lookup is one HSS call of its own.
    const distinct = hss.filter((node, i) => hss.findIndex((other) => other.occurredAt === node.occurredAt) === i);
    hssIds = distinct.slice(0, 3).map((node) => node.id);
    expect(hssIds).toHaveLength(3);
    csmsId = (await idsOf('csms', 1))[0]!.id;
    modelArtsId = (await idsOf('modelarts', 1))[0]!.id;
  });
  afterAll(() => stack?.close());
  beforeEach(() => {
    stack.emulators.hss.resetRequests();
    stack.emulators.csms.resetRequests();
    stack.emulators.modelarts.resetRequests();
  });
  afterEach(() => vi.restoreAllMocks());

  it('answers _service { sdl } with schema/subgraph.graphql: @key(fields: "id") on Event and every event type, @key(fields: "name") on Source', async () => {
    const result = await as<{ _service: { sdl: string } }>(GATEWAY, '{ _service { sdl } }');
    expect(result.errors).toBeUndefined();
    const sdl = result.data!._service.sdl;
    expect(sdl + '\n').toBe(await readFile(new URL('../../schema/subgraph.graphql', import.meta.url), 'utf8'));
    expect(sdl).toMatch(/extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.3", import: \["@key"\]\)/);
    expect(sdl).toMatch(/\binterface Event\s+@key\(fields: "id"\)/);
    expect(VENDORS.length).toBeGreaterThanOrEqual(5);
    for (const module of VENDORS) expect(sdl).toMatch(new RegExp(`\\btype ${module.graphql.typeName} implements Event\\s+@key\\(fields: "id"\\)`));
    expect(sdl).toMatch(/\btype Source\s+@key\(fields: "name"\)/);
    expect(sdl).toMatch(/_entities\(representations: \[_Any!\]!\): \[_Entity\]!/);
  });

  it('resolves the events of one source in one batch, in order, each id looked up once; null for an unknown id, a source out of scope and a malformed id', async () => {
    const batches = vi.spyOn(EventEntities.prototype, 'findAll');
    const [first, second, third] = hssIds as [string, string, string];
    // An HSS id of a millisecond with no event: one HSS call, which finds nothing.
    const unknown = encodeEventId('hss', [1, 'no-such-event']);
    const result = await entities(GATEWAY, [event(first), event(second), event(modelArtsId), event(unknown), event(third), event('not an id!'), event(first)]);

    expect(result.data!._entities.map((entity) => entity && { __typename: entity.__typename, id: entity.id, source: entity.source?.name })).toEqual([
      { __typename: 'ImageEvent', id: first, source: 'hss' },
      { __typename: 'ImageEvent', id: second, source: 'hss' },
      null,
      null,
      { __typename: 'ImageEvent', id: third, source: 'hss' },
      null,
      { __typename: 'ImageEvent', id: first, source: 'hss' },
    ]);
    // The malformed id fails its own entity, as `event(id)` refuses it; the others have none.
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['_entities', 5], extensions: { code: 'BAD_USER_INPUT' } });
    // One batch, every distinct id in it; the repeated one is not asked again.
    expect(batches).toHaveBeenCalledTimes(1);
    expect(batches.mock.calls[0]![0]).toEqual([first, second, modelArtsId, unknown, third, 'not an id!']);
    // One HSS call per distinct HSS id, none for the repeat; none to ModelArts, outside the scope.
    expect(stack.emulators.hss.requests().total).toBe(4);
    expect(stack.emulators.modelarts.requests().total).toBe(0);
  });

  it('resolves an event of ModelArts for a key whose scope has it', async () => {
    const result = await entities(ADMIN, [event(modelArtsId)]);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([expect.objectContaining({ __typename: 'DeploymentEvent', id: modelArtsId, source: { name: 'modelarts' } })]);
  });

  it('resolves __typename "Event" representations to their concrete types, and a concrete type to its own events only', async () => {
    const result = await entities(GATEWAY, [event(hssIds[0]), event(csmsId), event(hssIds[1], 'ImageEvent'), event(csmsId, 'ImageEvent'), event(hssIds[2], 'TriggerEvent')]);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.map((entity) => entity && [entity.__typename, entity.id, entity.kind])).toEqual([
      ['ImageEvent', hssIds[0], 'IMAGE'],
      ['SecretNotificationEvent', csmsId, 'SECRET_NOTIFICATION'],
      ['ImageEvent', hssIds[1], 'IMAGE'],
      null,
      null,
    ]);
  });

  it('resolves a Source by name among the sources the key may read only', async () => {
    const result = await entities(GATEWAY, [source('csms'), source('modelarts'), source('nowhere'), source('hss')]);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { __typename: 'Source', name: 'csms', kind: 'SECRET_NOTIFICATION', endpoint: stack.emulators.csms.url },
      null,
      null,
      { __typename: 'Source', name: 'hss', kind: 'IMAGE', endpoint: stack.emulators.hss.url },
    ]);
    expect(stack.emulators.modelarts.requests().total + stack.emulators.hss.requests().total).toBe(0);
  });

  it('keeps _entities to the cost limit: one call per event id, before any lookup; Sources cost nothing', async () => {
    const refused = await entities(THRIFTY, [event(hssIds[0]), event(hssIds[1]), event(hssIds[2])]);
    expect(refused.status).toBe(400);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost: 3, limit: 2 });
    expect(stack.emulators.hss.requests().total).toBe(0);

    const allowed = await entities(THRIFTY, [event(hssIds[0]), event(hssIds[1]), event(hssIds[0]), source('hss'), source('csms')]);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!._entities.map((entity) => entity?.__typename)).toEqual(['ImageEvent', 'ImageEvent', 'ImageEvent', 'Source', 'Source']);
  });

  it('checks _entities like any argument: at most 1,000 representations, ids of bounded length', async () => {
    const tooMany = await entities(GATEWAY, Array.from({ length: 1001 }, () => source('hss')));
    expect(tooMany.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'representations' });

    // Well-formed, and of a source in scope: only its length keeps it from HSS.
    const long = await entities(GATEWAY, [event(encodeEventId('hss', [1, 'x'.repeat(5000)])), event(hssIds[0])]);
    expect(long.data!._entities.map((entity) => entity?.id ?? null)).toEqual([null, hssIds[0]]);
    expect(long.errors).toHaveLength(1);
    expect(long.errors![0]).toMatchObject({ path: ['_entities', 0], extensions: { code: 'BAD_USER_INPUT' } });
    expect(stack.emulators.hss.requests().total).toBe(1);
  });

  it('serves the rest of the API on the subgraph schema as before: queries in scope, guarded arguments, the live tail', async () => {
    const page = await as<{ events: { edges: { node: { source: { name: string; endpoint: string } } }[] } }>(
      GATEWAY,
      '{ events(first: 50) { edges { node { source { name endpoint } } } } }',
    );
    expect(page.errors).toBeUndefined();
    expect(new Set(page.data!.events.edges.map((edge) => edge.node.source.name))).toEqual(new Set(['hss', 'csms']));

    const forbidden = await as(GATEWAY, '{ events(first: 1, filter: { sources: ["modelarts"] }) { totalCount } }');
    expect(forbidden.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const lone = await as(GATEWAY, 'query($name: String) { imageEvents(resourceName: $name) { count } }', { name: '\ud800' });
    expect(lone.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'resourceName' });

    const tail = new TailCollector(tailClient(stack, { authorization: `Bearer ${ADMIN}` }), { filter: { sources: ['modelarts'] } });
    try {
      await sleep(2 * INTERVAL);
      const serviceId = stack.emulators.modelarts.summaries()[0]!.service_id;
      await appendModelArts(stack.emulators, serviceId, [{ at: Date.now() + 50, info: 'federation-tail' }]);
      const [item] = await tail.waitFor('federation-tail', 2 * INTERVAL * 1.1 + 500);
      expect(item).toMatchObject({ event: { source: { name: 'modelarts' } } });
    } finally {
      tail.dispose();
    }
  });
});

describe('server.federation: false (the default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('has no _service and no _entities', async () => {
    for (const query of ['{ _service { sdl } }', '{ _entities(representations: [{ __typename: "Source", name: "modelarts" }]) { __typename } }']) {
      const result = await stack.gql(query);
      expect(result.status).toBe(400);
      expect(result.errors![0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(result.errors![0]!.message).toMatch(/Cannot query field "_(service|entities)" on type "Query"/);
    }
  });
});
