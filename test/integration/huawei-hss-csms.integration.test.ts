import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import type { HssSourceConfig } from '../../src/vendors/huawei-hss/hss.config.js';
import { type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import type { CsmsNotificationRecord } from '../../src/emulators/huawei-csms/csms.dataset.js';
import { HssClient } from '../../src/vendors/huawei-hss/hss.client.js';
import {
  DeploymentServicesDocument,
  EventByIdDocument,
  EventsPageDocument,
  ImageEventsDocument,
  SecretNotificationsDocument,
  type EventsPageQuery,
} from '../generated/graphql.js';
import { ANCHOR, iamCredentials, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { CONFIG_SCHEMA } from '../helpers/config-schema.js';

type Node = EventsPageQuery['events']['edges'][number]['node'];
type Result = { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };

const huawei = DEMO_CREDENTIALS.huawei;
const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };

function hssSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  return { name: 'hss', kind: 'huawei-hss', endpoint: emulators.hss.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 }, ...overrides };
}

function csmsSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  return { name: 'csms', kind: 'huawei-csms', endpoint: emulators.csms.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 }, ...overrides };
}

const code = (result: Result) => result.errors?.[0]?.extensions?.code;

/** Seed page 001's example record. */
const SEED_001 = {
  resource_name: 'name',
  resource_type: 'scc_hss_container/hello-world:*',
  event_name: 'operation',
  event_id: 'f989**25-b3a4-4d88-b05a-cc***cd1205',
  event_type: 'eventtype',
  source_ip: '100.93.10.***',
  user_name: 'usertest',
  time: 1737465650731,
  content:
    'successfully started container k8s_infer-8995e1d2-c409-4ada-ab1b-77e611497bf1_infer-39cce5d3-8b68-4578-8e5c-77e611497bf1-1824u-role-0-6db9jrd_pool-x-infer-test-04f258c84780d5a52f3bc00dc15aa5e7_ac085160-d5a5-4251-ab06-30e6c33dedc4_0',
};

/** Seed page 002's example record. */
const SEED_002 = {
  event_name: 'demo-event',
  trigger_event_type: 'SECRET_VERSION_EXPIRED',
  create_time: 1581507580000,
  secret_name: 'demo-secret',
  secret_type: 'COMMON',
  notification_target_name: 'SecertExpirationNotificationTest',
  notification_target_id: 'urn:smn:cn-north-4:SecertExpirationTest',
  notification_content:
    '{"eventName":"TestEvent20221112","eventType":"SECRET_VERSION_EXPIRED","eventTime":"2023-04-14T20:25:10.126Z","data":{"secretId":"fde3d6ba-cb31-40b0-b6c4-78757050f8c8","secretName":"Secret20230325","createTime":"2023-03-22T20:43:04.000Z","updateTime":"2023-04-14T20:18:29.000Z","versionId":"v18","versionExpireTime":"2023-03-29T17:07:23.000Z"}}',
  notification_status: 'SUCCESS',
};

describe('HSS and CSMS, end to end over loopback HTTP', () => {
  let stack: Stack;
  let visibleServices: string[];

  beforeAll(async () => {
    stack = await startStack({ sources: (e) => [modelArtsSource(e), hssSource(e), csmsSource(e, { cacheTtlSeconds: 60 })] });
    const services = await stack.gql(DeploymentServicesDocument, {});
    visibleServices = services.data!.deploymentServices.services.map((s) => s.serviceId);
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.emulators.hss.resetRequests();
    stack.emulators.csms.resetRequests();
  });
  afterEach(() => stack.emulators.hss.resetKnobs());

  const hssAll = () => stack.emulators.hss.events();

  describe('imageEvents, natively', () => {
    it('answers the upstream defaults: 10 records, newest first, with total_num', async () => {
      const result = await stack.gql(ImageEventsDocument, {});
      expect(result.errors).toBeUndefined();
      const page = result.data!.imageEvents;
      expect(page).toMatchObject({ totalNum: hssAll().length, count: 10 });
      expect(page.events.map((e) => e.raw)).toEqual(hssAll().slice(0, 10));
      expect(stack.emulators.hss.requests().total).toBe(1);
    });

    it.each([
      ['resourceName', 'resource_name'],
      ['resourceType', 'resource_type'],
      ['eventType', 'event_type'],
      ['eventName', 'event_name'],
      ['sourceIp', 'source_ip'],
      ['userName', 'user_name'],
    ] as const)('filters by %s', async (argument, field) => {
      const value = hssAll()[321]![field];
      const expected = hssAll().filter((e) => e[field] === value);
      const result = await stack.gql(ImageEventsDocument, { [argument]: value, limit: 200 });
      expect(result.errors).toBeUndefined();
      expect(result.data!.imageEvents.totalNum).toBe(expected.length);
      expect(result.data!.imageEvents.events.map((e) => e.raw)).toEqual(expected.slice(0, 200));
    });

    it('filters by time and pages by offset', async () => {
      const start = ANCHOR - 20 * 86_400_000;
      const end = ANCHOR - 10 * 86_400_000;
      const expected = hssAll().filter((e) => e.time >= start && e.time <= end);
      const result = await stack.gql(ImageEventsDocument, {
        startTime: new Date(start).toISOString(),
        endTime: new Date(end).toISOString(),
        offset: 150,
        limit: 200,
      });
      expect(result.data!.imageEvents.totalNum).toBe(expected.length);
      expect(result.data!.imageEvents.events.map((e) => e.raw)).toEqual(expected.slice(150, 350));
      const count = await stack.gql(ImageEventsDocument, { limit: 0 });
      expect(count.data!.imageEvents).toMatchObject({ totalNum: hssAll().length, count: 0, events: [] });
    });

    it.each([
      ['limit above 200', { limit: 201 }, 'limit'],
      ['a negative limit', { limit: -1 }, 'limit'],
      ['offset above 2,000,000', { offset: 2_000_001 }, 'offset'],
      ['a negative offset', { offset: -1 }, 'offset'],
      ['resourceName of 257 characters', { resourceName: 'r'.repeat(257) }, 'resourceName'],
      ['eventName of 257 characters', { eventName: 'e'.repeat(257) }, 'eventName'],
      ['resourceType of 65 characters', { resourceType: 't'.repeat(65) }, 'resourceType'],
      ['eventType of 65 characters', { eventType: 't'.repeat(65) }, 'eventType'],
      ['sourceIp of 65 characters', { sourceIp: '1'.repeat(65) }, 'sourceIp'],
      ['userName of 65 characters', { userName: 'u'.repeat(65) }, 'userName'],
      ['startTime after endTime', { startTime: '2025-02-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' }, 'startTime'],
    ])('refuses %s with BAD_USER_INPUT before calling HSS', async (_name, variables, argument) => {
      const result = await stack.gql(ImageEventsDocument, variables);
      expect(code(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.argument).toBe(argument);
      expect(stack.emulators.hss.requests().total).toBe(0);
    });

    it('accepts the bounds themselves', async () => {
      const result = await stack.gql(ImageEventsDocument, { limit: 200, offset: 2_000_000, userName: 'u'.repeat(64), resourceName: 'r'.repeat(256) });
      expect(result.errors).toBeUndefined();
      expect(result.data!.imageEvents).toMatchObject({ totalNum: 0, count: 0 });
    });
  });

  describe('the seed examples, field by field', () => {
    it('the API page example as an ImageEvent, natively, in the timeline and by id', async () => {
      const native = await stack.gql(ImageEventsDocument, {
        startTime: new Date(SEED_001.time).toISOString(),
        endTime: new Date(SEED_001.time).toISOString(),
      });
      expect(native.data!.imageEvents).toMatchObject({ totalNum: 1, count: 1 });
      const node = native.data!.imageEvents.events[0]!;
      expect(node).toEqual({
        __typename: 'ImageEvent',
        id: node.id,
        kind: 'IMAGE',
        vendor: 'HUAWEI_CLOUD',
        source: { name: 'hss' },
        occurredAt: '2025-01-21T13:20:50.731Z',
        outcome: 'UNKNOWN',
        actor: 'usertest',
        resource: 'name',
        summary: `operation name by usertest: ${SEED_001.content}`,
        raw: SEED_001,
        resourceName: 'name',
        resourceType: 'scc_hss_container/hello-world:*',
        eventName: 'operation',
        eventId: 'f989**25-b3a4-4d88-b05a-cc***cd1205',
        eventType: 'eventtype',
        sourceIp: '100.93.10.***',
        userName: 'usertest',
        content: SEED_001.content,
      });
      const timeline = await stack.gql(EventsPageDocument, { first: 5, filter: { resource: 'name', actor: 'usertest' } });
      expect(timeline.errors).toBeUndefined();
      expect(timeline.data!.events.totalCount).toBe(1);
      expect(timeline.data!.events.edges.map((e) => e.node)).toEqual([node]);
      const hss = timeline.data!.events.sources.find((s) => s.source.name === 'hss')!;
      expect(hss).toMatchObject({ status: 'OK', upstreamFilters: ['actor', 'resource'], localFilters: [] });
      expect(stack.emulators.hss.requests().recent.at(-1)!.query).toContain('resource_name=name');
      expect(timeline.data!.events.sources.filter((s) => s.status === 'SKIPPED').map((s) => s.source.name).sort()).toEqual(['csms', 'modelarts']);
      const byId = await stack.gql(EventByIdDocument, { id: node.id });
      expect(byId.data!.event).toEqual(node);
    });

    it('the API page example as a SecretNotificationEvent, natively, in the timeline and by id', async () => {
      const native = await stack.gql(SecretNotificationsDocument, {});
      expect(native.errors).toBeUndefined();
      const node = native.data!.secretNotifications.events.find((e) => e.resource === 'demo-secret')!;
      expect(node).toEqual({
        __typename: 'SecretNotificationEvent',
        id: node.id,
        kind: 'SECRET_NOTIFICATION',
        vendor: 'HUAWEI_CLOUD',
        source: { name: 'csms' },
        occurredAt: '2020-02-12T11:39:40.000Z',
        outcome: 'SUCCESS',
        actor: null,
        resource: 'demo-secret',
        summary: 'demo-secret: SECRET_VERSION_EXPIRED, notification to SecertExpirationNotificationTest SUCCESS',
        raw: SEED_002,
        eventName: 'demo-event',
        triggerEventType: 'SECRET_VERSION_EXPIRED',
        secretName: 'demo-secret',
        secretType: 'COMMON',
        notificationTargetName: 'SecertExpirationNotificationTest',
        notificationTargetId: 'urn:smn:cn-north-4:SecertExpirationTest',
        notificationStatus: 'SUCCESS',
        notificationContent: SEED_002.notification_content,
        notificationPayload: {
          eventName: 'TestEvent20221112',
          eventType: 'SECRET_VERSION_EXPIRED',
          eventTime: '2023-04-14T20:25:10.126Z',
          data: {
            secretId: 'fde3d6ba-cb31-40b0-b6c4-78757050f8c8',
            secretName: 'Secret20230325',
            createTime: '2023-03-22T20:43:04.000Z',
            updateTime: '2023-04-14T20:18:29.000Z',
            versionId: 'v18',
            versionExpireTime: '2023-03-29T17:07:23.000Z',
          },
        },
      });
      const timeline = await stack.gql(EventsPageDocument, { first: 5, filter: { resource: 'demo-secret' } });
      expect(timeline.data!.events.edges.map((e) => e.node)).toEqual([node]);
      expect(timeline.data!.events.totalCount).toBe(1);
      expect((await stack.gql(EventByIdDocument, { id: node.id })).data!.event).toEqual(node);
    });
  });

  describe('secretNotifications, natively', () => {
    it('answers every record in the upstream order with page_info, from one call per cache period', async () => {
      const served = stack.emulators.csms.served();
      const result = await stack.gql(SecretNotificationsDocument, {});
      const page = result.data!.secretNotifications;
      expect(page).toMatchObject({
        count: served.length,
        currentCount: served.length,
        previousMarker: served[0]!.secret_name,
        nextMarker: served.at(-1)!.secret_name,
      });
      expect(page.events.map((e) => e.raw)).toEqual(served);
      await stack.gql(SecretNotificationsDocument, { source: 'csms' });
      await stack.gql(EventsPageDocument, { first: 50, filter: { sources: ['csms'], outcomes: ['FAILURE'] } });
      expect(stack.emulators.csms.requests().total).toBe(0);
    });

    it('normalises outcome per the documented rule, over every record', async () => {
      const page = (await stack.gql(SecretNotificationsDocument, {})).data!.secretNotifications;
      for (const event of page.events) {
        const raw = event.raw as CsmsNotificationRecord;
        const failed = raw.notification_status === 'FAIL' || raw.notification_status === 'INVALID' || raw.trigger_event_type === 'SECRET_ROTATED_FAILED';
        expect(event.outcome).toBe(failed ? 'FAILURE' : 'SUCCESS');
      }
      const failures = await stack.gql(EventsPageDocument, { first: 500, filter: { sources: ['csms'], outcomes: ['FAILURE'] } });
      expect(failures.data!.events.totalCount).toBe(page.events.filter((e) => e.outcome === 'FAILURE').length);
      expect(failures.data!.events.sources.find((s) => s.source.name === 'csms')!.localFilters).toEqual([]);
    });

    it('gives null for an unparseable notification_content, never an error', async () => {
      const at = new Date(stack.emulators.csms.notable.unparseableAt).toISOString();
      const result = await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['csms'], since: at, until: at } });
      expect(result.errors).toBeUndefined();
      const [edge] = result.data!.events.edges;
      expect(edge!.node).toMatchObject({ notificationPayload: null, notificationContent: expect.stringMatching(/^\{"eventName"/) });
    });

    it('gives identical records distinct ids that event(id) finds again', async () => {
      const at = new Date(stack.emulators.csms.notable.duplicateAt).toISOString();
      const edges = (await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['csms'], since: at, until: at } })).data!.events.edges;
      expect(edges).toHaveLength(2);
      expect(edges[0]!.node.raw).toEqual(edges[1]!.node.raw);
      expect(edges[0]!.node.id).not.toBe(edges[1]!.node.id);
      for (const { node } of edges) expect((await stack.gql(EventByIdDocument, { id: node.id })).data!.event).toEqual(node);
    });

    it('refuses a source of another kind', async () => {
      const result = await stack.gql(SecretNotificationsDocument, { source: 'hss' });
      expect(code(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(/huawei-hss|IMAGE/);
    });
  });

  describe('the unified timeline', () => {
    const bruteForce = () => ({
      deployment: visibleServices.flatMap((id) => stack.emulators.modelarts.events(id)).length,
      image: hssAll(),
      secret: stack.emulators.csms.served(),
    });

    for (const order of ['DESC', 'ASC'] as const) {
      it(`walks ModelArts, HSS and CSMS together (${order}): each event once, in order, as many as brute force`, async () => {
        const seen: Node[] = [];
        let after: string | null | undefined;
        let totalCount: number | null | undefined;
        for (let pages = 0; pages < 100; pages += 1) {
          const result = await stack.gql(EventsPageDocument, { first: 499, after, order });
          expect(result.errors).toBeUndefined();
          const page = result.data!.events;
          totalCount ??= page.totalCount;
          seen.push(...page.edges.map((edge) => edge.node));
          if (!page.pageInfo.hasNextPage) break;
          expect(page.edges).toHaveLength(499);
          after = page.pageInfo.endCursor;
        }
        const expected = bruteForce();
        const expectedTotal = expected.deployment + expected.image.length + expected.secret.length;
        expect(totalCount).toBe(expectedTotal);
        expect(seen).toHaveLength(expectedTotal);
        expect(new Set(seen.map((node) => node.id)).size).toBe(seen.length);
        const times = seen.map((node) => Date.parse(node.occurredAt));
        expect(times).toEqual([...times].sort((a, b) => (order === 'ASC' ? a - b : b - a)));
        const byKind = (kind: string) => seen.filter((node) => node.kind === kind);
        expect(byKind('DEPLOYMENT')).toHaveLength(expected.deployment);
        expect(byKind('IMAGE').map((node) => (node.raw as { event_id: string }).event_id).sort()).toEqual(
          expected.image.map((e) => e.event_id).sort(),
        );
        expect(byKind('SECRET_NOTIFICATION').map((node) => JSON.stringify(node.raw)).sort()).toEqual(
          expected.secret.map((r) => JSON.stringify(r)).sort(),
        );
      });
    }

    it('walks HSS alone through a narrow window and the ties of one millisecond, both ways', async () => {
      const tie = stack.emulators.hss.notable.tieTime;
      const filter = { sources: ['hss'], since: new Date(tie - 86_400_000).toISOString(), until: new Date(tie + 86_400_000).toISOString() };
      const expected = hssAll().filter((e) => e.time >= tie - 86_400_000 && e.time <= tie + 86_400_000);
      for (const order of ['DESC', 'ASC'] as const) {
        const ids: string[] = [];
        let after: string | null | undefined;
        for (let pages = 0; pages < 100; pages += 1) {
          const result = await stack.gql(EventsPageDocument, { first: 3, after, order, filter });
          expect(result.errors).toBeUndefined();
          expect(result.data!.events.totalCount).toBe(expected.length);
          ids.push(...result.data!.events.edges.map((e) => (e.node.raw as { event_id: string }).event_id));
          if (!result.data!.events.pageInfo.hasNextPage) break;
          after = result.data!.events.pageInfo.endCursor;
        }
        expect(ids.sort()).toEqual(expected.map((e) => e.event_id).sort());
      }
    });

    it('pushes the actor filter to user_name and prunes what cannot match', async () => {
      const expected = hssAll().filter((e) => e.user_name === 'ci-robot');
      const result = await stack.gql(EventsPageDocument, { first: 20, filter: { actor: 'ci-robot' } });
      const page = result.data!.events;
      expect(page.totalCount).toBe(expected.length);
      expect(page.edges.map((e) => (e.node.raw as { event_id: string }).event_id)).toEqual(expected.slice(0, 20).map((e) => e.event_id));
      expect(page.sources.map((s) => [s.source.name, s.status])).toEqual([
        ['modelarts', 'SKIPPED'],
        ['hss', 'OK'],
        ['csms', 'SKIPPED'],
      ]);
      expect(stack.emulators.hss.requests().recent.every((r) => r.query.includes('user_name=ci-robot'))).toBe(true);
      const noImages = await stack.gql(EventsPageDocument, { first: 5, filter: { outcomes: ['SUCCESS', 'FAILURE'], sources: ['hss'] } });
      expect(noImages.data!.events.sources.find((s) => s.source.name === 'hss')!.status).toBe('SKIPPED');
    });

    it('reports an HSS page out of time order as UPSTREAM_BAD_RESPONSE and keeps the other sources', async () => {
      for (const order of ['event-id', 'oldest-first'] as const) {
        stack.emulators.hss.setKnobs({ order });
        const result = await stack.gql(EventsPageDocument, { first: 300 });
        expect(result.errors).toHaveLength(1);
        expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'hss' });
        expect(result.errors![0]!.message).toMatch(/out of time order/);
        const page = result.data!.events;
        expect(page.sources.find((s) => s.source.name === 'hss')!.status).toBe('FAILED');
        expect(page.edges.length).toBe(300);
        expect(page.edges.some((e) => e.node.kind === 'IMAGE')).toBe(false);
      }
    });

    it('answers event(id) with null for an HSS event that is gone', async () => {
      const seed = await stack.gql(EventsPageDocument, { first: 1, filter: { resource: 'name' } });
      const decoded = JSON.parse(Buffer.from(seed.data!.events.edges[0]!.node.id, 'base64url').toString()) as unknown[];
      const gone = Buffer.from(JSON.stringify([decoded[0], decoded[1], 'no-such-event'])).toString('base64url');
      expect((await stack.gql(EventByIdDocument, { id: gone })).data).toEqual({ event: null });
    });
  });
});

describe('CSMS create_time in seconds and in milliseconds', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sources: (e) => [csmsSource(e, { cacheTtlSeconds: 0 })] });
  });
  afterAll(() => stack.close());

  it('reads values below 10^11 as seconds and the others as milliseconds', async () => {
    const seconds = Date.UTC(2026, 9, 20, 8, 30, 15) / 1000;
    stack.emulators.csms.appendRecords([
      { ...SEED_002, secret_name: 'unit-seconds', create_time: seconds },
      { ...SEED_002, secret_name: 'unit-ms', create_time: seconds * 1000 + 250 },
      { ...SEED_002, secret_name: 'unparseable', create_time: seconds * 1000 + 500, notification_content: 'not json {' },
    ]);
    const result = await stack.gql(EventsPageDocument, {
      first: 5,
      order: 'DESC',
      filter: { since: new Date(seconds * 1000).toISOString(), until: new Date(seconds * 1000 + 999).toISOString() },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges.map((e) => [e.node.resource, e.node.occurredAt, (e.node.raw as CsmsNotificationRecord).create_time])).toEqual([
      ['unparseable', '2026-10-20T08:30:15.500Z', seconds * 1000 + 500],
      ['unit-ms', '2026-10-20T08:30:15.250Z', seconds * 1000 + 250],
      ['unit-seconds', '2026-10-20T08:30:15.000Z', seconds],
    ]);
    expect(result.data!.events.edges[0]!.node).toMatchObject({ notificationContent: 'not json {', notificationPayload: null });
  });
});

describe('Huawei auth for HSS and CSMS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      emulators: { iam: { tokenLifetimeMs: 24 * 3600_000 } },
      sources: (e) => [
        hssSource(e, { name: 'hss-iam', credentials: iamCredentials(e) }),
        csmsSource(e, { name: 'csms-iam', credentials: iamCredentials(e), cacheTtlSeconds: 0 }),
        hssSource(e, { name: 'hss-wrong', credentials: { ...aksk, secretKey: 'not-the-secret' } }),
        csmsSource(e, { name: 'csms-wrong', credentials: { ...aksk, secretKey: 'not-the-secret' } }),
      ],
    });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.iam.resetKnobs());

  const only = (...names: string[]) => stack.gql(EventsPageDocument, { first: 5, filter: { sources: names } });

  it('reads with an IAM token shared by the account', async () => {
    const result = await only('hss-iam', 'csms-iam');
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges).toHaveLength(5);
  });

  it('refuses a wrong signature as UPSTREAM_AUTH_FAILED with the gateway code', async () => {
    const result = await only('hss-wrong', 'csms-wrong');
    expect(result.errors!.map((e) => [e.extensions!.source, e.extensions!.code, e.extensions!.upstreamCode]).sort()).toEqual([
      ['csms-wrong', 'UPSTREAM_AUTH_FAILED', 'APIGW.0301'],
      ['hss-wrong', 'UPSTREAM_AUTH_FAILED', 'APIGW.0301'],
    ]);
    const native = await stack.gql(ImageEventsDocument, { source: 'hss-wrong' });
    expect(native.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 401 });
  });

  it('gets a new token when the cached one has expired upstream', async () => {
    await only('hss-iam', 'csms-iam');
    stack.emulators.iam.resetRequests();
    stack.emulators.iam.tokens.expireAll();
    const result = await only('hss-iam', 'csms-iam');
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges).toHaveLength(5);
    // one new token per source
    expect(stack.emulators.iam.requests().total).toBe(2);
  });

  it('reports tokens that expire as soon as they are issued as UPSTREAM_AUTH_FAILED', async () => {
    stack.emulators.iam.setKnobs({ tokenLifetimeMs: 1 });
    stack.emulators.iam.tokens.expireAll();
    const result = await only('hss-iam', 'csms-iam');
    expect(result.errors!.map((e) => [e.extensions!.source, e.extensions!.code, e.extensions!.upstreamStatus]).sort()).toEqual([
      ['csms-iam', 'UPSTREAM_AUTH_FAILED', 401],
      ['hss-iam', 'UPSTREAM_AUTH_FAILED', 401],
    ]);
    expect(result.errors!.every((e) => /expired/.test(e.message))).toBe(true);
  });
});

describe('HSS scope: fixed native filters', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sources: (e) => [hssSource(e, { name: 'hss-images', scope: { projectId: huawei.projectId, filters: { resourceType: 'image', eventType: 'image_pull' } } })] });
  });
  afterAll(() => stack.close());

  it('sends them with every call and counts exactly', async () => {
    const expected = stack.emulators.hss.events().filter((e) => e.resource_type === 'image' && e.event_type === 'image_pull');
    const result = await stack.gql(EventsPageDocument, { first: 50 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.totalCount).toBe(expected.length);
    expect(result.data!.events.edges.map((e) => (e.node.raw as { event_id: string }).event_id)).toEqual(expected.slice(0, 50).map((e) => e.event_id));
    expect(stack.emulators.hss.requests().recent.every((r) => r.query.includes('event_type=image_pull') && r.query.includes('resource_type=image'))).toBe(true);
  });

  it('passes the upstream 400 through when a bound is broken upstream', async () => {
    const config = parseConfig({ sources: [hssSource(stack.emulators)] }, 'test', CONFIG_SCHEMA).sources[0] as HssSourceConfig;
    const client = new HssClient(config);
    for (const params of [{ limit: 201 }, { offset: 2_000_001 }, { userName: 'u'.repeat(65) }]) {
      await expect(client.listImageEvents(params)).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 400, upstreamCode: 'HSS.0001' });
    }
  });
});
