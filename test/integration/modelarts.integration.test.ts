import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeploymentEventsDocument,
  DeploymentServicesDocument,
  EventByIdDocument,
  EventsPageDocument,
  RecentFailuresDocument,
  type EventsPageQuery,
} from '../generated/graphql.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** The nine events of seed page 003, verbatim. */
const SEED_SERVICE_ID = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';
const SEED_EVENTS = [
  [1562597251764, 'start to deploy service'],
  [1562597251788, 'building image for model [zcjtestTF 3.0.0]'],
  [1562597251805, 'model (zcjtestTF 3.0.0) build image success'],
  [1562597255744, 'preparing environment'],
  [1562597275915, '[zcjtestTF 3.0.0] prepare environment success'],
  [1562597275921, '[zcjtestTF 3.0.0] schedule resource success'],
  [1562597275928, '[zcjtestTF 3.0.0] pulling model image'],
  [1562597332570, '[zcjtestTF 3.0.0] pull image success'],
  [1562597332582, '[zcjtestTF 3.0.0] starting model'],
] as const;

type Edge = EventsPageQuery['events']['edges'][number];

describe('ModelArts, end to end over loopback HTTP', () => {
  let stack: Stack;
  let visibleServices: { serviceId: string; serviceName: string }[];

  beforeAll(async () => {
    stack = await startStack();
    const services = await stack.gql(DeploymentServicesDocument, {});
    expect(services.errors).toBeUndefined();
    visibleServices = services.data!.deploymentServices.services;
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.emulators.modelarts.resetRequests());

  /** Every event of every listed service, straight from the emulator's data. */
  const bruteForce = () =>
    visibleServices.flatMap((service) =>
      stack.emulators.modelarts.events(service.serviceId).map((event) => ({ ...event, serviceId: service.serviceId })),
    );

  it('lists services natively, with the upstream totals', async () => {
    const all = await stack.gql(DeploymentServicesDocument, {});
    expect(all.data!.deploymentServices.totalCount).toBe(visibleServices.length);
    expect(visibleServices.map((s) => s.serviceName)).toContain('zcjtest-07085');
    const paged = await stack.gql(DeploymentServicesDocument, { offset: 1, limit: 2 });
    expect(paged.data!.deploymentServices).toMatchObject({ totalCount: visibleServices.length, count: 2 });
    expect(paged.data!.deploymentServices.services.map((s) => s.serviceId)).toEqual(
      visibleServices.slice(2, 4).map((s) => s.serviceId),
    );
  });

  it('serves the API page example natively, verbatim', async () => {
    const result = await stack.gql(DeploymentEventsDocument, { serviceId: SEED_SERVICE_ID, order: 'ASC' });
    expect(result.errors).toBeUndefined();
    const page = result.data!.deploymentEvents;
    expect(page).toMatchObject({ serviceId: SEED_SERVICE_ID, serviceName: 'zcjtest-07085', totalCount: 9, count: 9 });
    expect(page.events.map((e) => e.raw)).toEqual(
      SEED_EVENTS.map(([occur_time, event_info]) => ({ occur_time, event_type: 'normal', event_info })),
    );
    const secondPage = await stack.gql(DeploymentEventsDocument, { serviceId: SEED_SERVICE_ID, order: 'ASC', offset: 1, limit: 4 });
    expect(secondPage.data!.deploymentEvents.events.map((e) => e.raw)).toEqual(page.events.slice(4, 8).map((e) => e.raw));
  });

  it('maps the API page example into the timeline field by field', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 20, order: 'ASC', filter: { resource: 'zcjtest-07085' } });
    expect(result.errors).toBeUndefined();
    const { edges, totalCount, sources } = result.data!.events;
    expect(totalCount).toBe(9);
    expect(sources[0]).toMatchObject({ status: 'OK', events: 9, upstreamFilters: ['resource'], localFilters: [], streams: 1 });
    expect(edges).toHaveLength(9);
    edges.forEach(({ node }, i) => {
      const [occurTime, info] = SEED_EVENTS[i]!;
      expect(node).toEqual({
        __typename: 'DeploymentEvent',
        id: node.id,
        kind: 'DEPLOYMENT',
        vendor: 'HUAWEI_CLOUD',
        source: { name: 'modelarts' },
        occurredAt: new Date(occurTime).toISOString(),
        outcome: 'SUCCESS',
        actor: null,
        resource: 'zcjtest-07085',
        summary: `zcjtest-07085: ${info}`,
        raw: { occur_time: occurTime, event_type: 'normal', event_info: info },
        serviceId: SEED_SERVICE_ID,
        serviceName: 'zcjtest-07085',
        eventType: 'normal',
        eventInfo: info,
      });
    });
    expect(edges[0]!.node.occurredAt).toBe('2019-07-08T14:47:31.764Z');
  });

  for (const order of ['DESC', 'ASC'] as const) {
    it(`walks every page (${order}, odd page size): each event once, in order, as many as totalCount`, async () => {
      const seen: Edge['node'][] = [];
      let after: string | null | undefined;
      let totalCount: number | null | undefined;
      for (let pages = 0; pages < 200; pages += 1) {
        const result = await stack.gql(EventsPageDocument, { first: 97, after, order });
        expect(result.errors).toBeUndefined();
        const page = result.data!.events;
        totalCount ??= page.totalCount;
        expect(page.totalCount).toBe(totalCount);
        expect(page.pageInfo.hasPreviousPage).toBe(after != null);
        seen.push(...page.edges.map((edge) => edge.node));
        if (!page.pageInfo.hasNextPage) break;
        expect(page.edges).toHaveLength(97);
        after = page.pageInfo.endCursor;
      }
      const expected = bruteForce();
      expect(totalCount).toBe(expected.length);
      expect(seen).toHaveLength(expected.length);
      expect(new Set(seen.map((node) => node.id)).size).toBe(seen.length);
      const times = seen.map((node) => Date.parse(node.occurredAt));
      const sorted = [...times].sort((a, b) => (order === 'ASC' ? a - b : b - a));
      expect(times).toEqual(sorted);
      const asKey = (e: { serviceId: string; time: number; info: string }) => `${e.serviceId}|${e.time}|${e.info}`;
      const raw = (node: Edge['node']) => node.raw as { occur_time: number; event_info: string };
      expect(
        seen.map((node) => asKey({ serviceId: (node as { serviceId: string }).serviceId, time: raw(node).occur_time, info: raw(node).event_info })).sort(),
      ).toEqual(expected.map((e) => asKey({ serviceId: e.serviceId, time: e.occur_time, info: e.event_info })).sort());
    });
  }

  it('walks backward with last/before to the same sequence as forward', async () => {
    const forward = await stack.gql(EventsPageDocument, { first: 60, filter: { resource: visibleServices[0]!.serviceName } });
    const backward: string[] = [];
    let before: string | null | undefined;
    for (let pages = 0; pages < 200; pages += 1) {
      const result = await stack.gql(EventsPageDocument, { last: 13, before, filter: { resource: visibleServices[0]!.serviceName } });
      expect(result.errors).toBeUndefined();
      const page = result.data!.events;
      backward.unshift(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    const total = forward.data!.events.totalCount!;
    expect(backward).toHaveLength(total);
    expect(backward.slice(0, Math.min(60, total))).toEqual(forward.data!.events.edges.map((edge) => edge.node.id));
  });

  it('gives distinct ids to identical records, and event(id) finds each again', async () => {
    const duplicateService = stack.emulators.modelarts.notable.duplicateServiceId;
    const name = visibleServices.find((s) => s.serviceId === duplicateService)!.serviceName;
    const result = await stack.gql(EventsPageDocument, { first: 500, filter: { resource: name } });
    const edges = result.data!.events.edges;
    expect(new Set(edges.map((edge) => edge.node.id)).size).toBe(edges.length);
    const twins = edges.filter(
      (edge, i) => edges.findIndex((other) => JSON.stringify(other.node.raw) === JSON.stringify(edge.node.raw)) !== i,
    );
    expect(twins.length).toBeGreaterThan(0);
    for (const edge of [...twins, edges[0]!]) {
      const found = await stack.gql(EventByIdDocument, { id: edge.node.id });
      expect(found.errors).toBeUndefined();
      expect(found.data!.event).toEqual(edge.node);
    }
  });

  it('answers event(id) with null for an unknown event and BAD_USER_INPUT for a forged id', async () => {
    const seed = await stack.gql(EventsPageDocument, { first: 1, filter: { resource: 'zcjtest-07085' } });
    const id = seed.data!.events.edges[0]!.node.id;
    const decoded = JSON.parse(Buffer.from(id, 'base64url').toString()) as unknown[];
    const moved = Buffer.from(JSON.stringify([decoded[0], decoded[1], 1, 'x', 0])).toString('base64url');
    expect((await stack.gql(EventByIdDocument, { id: moved })).data).toEqual({ event: null });
    const otherSource = Buffer.from(JSON.stringify(['nope', ...decoded.slice(1)])).toString('base64url');
    expect((await stack.gql(EventByIdDocument, { id: otherSource })).data).toEqual({ event: null });
    for (const forged of ['not an id!', 'e30', Buffer.from('[1,2]').toString('base64url')]) {
      const result = await stack.gql(EventByIdDocument, { id: forged });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('resolves DeploymentEvent.service with one service-list call for a page of 500', async () => {
    const result = await stack.gql(RecentFailuresDocument, { since: '2000-01-01T00:00:00Z', first: 500 });
    expect(result.errors).toBeUndefined();
    const edges = result.data!.events.edges;
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) {
      expect(node.kind).toBe('DEPLOYMENT');
      expect('service' in node && node.service?.serviceName).toBe(node.resource);
    }
    const page500 = await (stack.emulators.modelarts.resetRequests(), stack.gql(EventsPageDocument, { first: 500 }));
    expect(page500.data!.events.edges).toHaveLength(500);
    const withService = await (stack.emulators.modelarts.resetRequests(), stack.gql(RecentFailuresDocument, { since: '2000-01-01T00:00:00Z', first: 500 }));
    expect(withService.data!.events.edges.length).toBeGreaterThan(100);
    const listCalls = stack.emulators.modelarts.requests().byPath[`/v1/${stack.emulators.modelarts.projectId}/services`];
    expect(listCalls).toBe(1);
  });

  it('pushes the outcome filter down and counts exactly', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 5, filter: { outcomes: ['FAILURE'] } });
    const page = result.data!.events;
    expect(page.edges.every((edge) => edge.node.outcome === 'FAILURE')).toBe(true);
    expect(page.sources[0]).toMatchObject({ upstreamFilters: ['outcomes'], localFilters: [] });
    expect(page.totalCount).toBe(bruteForce().filter((e) => e.event_type === 'abnormal').length);
    const unknownOnly = await stack.gql(EventsPageDocument, { first: 5, filter: { outcomes: ['UNKNOWN'] } });
    expect(unknownOnly.data!.events).toMatchObject({ totalCount: 0, edges: [] });
    expect(unknownOnly.data!.events.sources[0]!.status).toBe('SKIPPED');
  });

  it('applies search locally and then cannot know the total', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 10, filter: { search: 'ZCJTEST' } });
    const page = result.data!.events;
    expect(page.totalCount).toBeNull();
    expect(page.edges.map((edge) => edge.node.summary.toLowerCase()).every((s) => s.includes('zcjtest'))).toBe(true);
    expect(page.sources[0]!.localFilters).toEqual(['search']);
  });

  describe('bad input gets a clear error, and the server stays up', () => {
    const code = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

    it('refuses a negative first and first above 500', async () => {
      for (const first of [-1, 501]) {
        const result = await stack.gql(EventsPageDocument, { first });
        expect(code(result)).toBe('BAD_USER_INPUT');
        expect(result.errors![0]!.message).toMatch(/between 0 and 500/);
      }
    });

    it('refuses a malformed cursor and a cursor of another query', async () => {
      expect(code(await stack.gql(EventsPageDocument, { first: 5, after: 'nonsense' }))).toBe('BAD_USER_INPUT');
      const first = await stack.gql(EventsPageDocument, { first: 5, filter: { outcomes: ['FAILURE'] } });
      const foreign = await stack.gql(EventsPageDocument, { first: 5, after: first.data!.events.pageInfo.endCursor });
      expect(code(foreign)).toBe('BAD_USER_INPUT');
      expect(foreign.errors![0]!.message).toMatch(/another filter or order/);
    });

    it('refuses an unknown source name, in the filter and in a native query', async () => {
      const filtered = await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['nowhere'] } });
      expect(code(filtered)).toBe('BAD_USER_INPUT');
      expect(filtered.errors![0]!.message).toMatch(/unknown source "nowhere"/);
      const native = await stack.gql(DeploymentServicesDocument, { source: 'nowhere' });
      expect(code(native)).toBe('BAD_USER_INPUT');
    });

    it('refuses since later than until', async () => {
      const result = await stack.gql(EventsPageDocument, {
        first: 5,
        filter: { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
      });
      expect(code(result)).toBe('BAD_USER_INPUT');
    });

    it('refuses out-of-range native paging before calling the upstream', async () => {
      const result = await stack.gql(DeploymentEventsDocument, { serviceId: SEED_SERVICE_ID, limit: 0 });
      expect(code(result)).toBe('BAD_USER_INPUT');
      expect(stack.emulators.modelarts.requests().total).toBe(0);
    });

    it('reports an unknown service id from the upstream with its status and code', async () => {
      const result = await stack.gql(DeploymentEventsDocument, { serviceId: 'no-such-service' });
      expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'modelarts', upstreamStatus: 404 });
      expect(result.errors![0]!.extensions!.upstreamCode).toMatch(/^ModelArts\./);
    });
  });
});
