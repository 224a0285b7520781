import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BKREPO_PUBLIC_EVENT_TYPES } from '../../src/vendors/bkrepo/bkrepo.config.js';
import { type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { AuditLogsDocument, DeploymentServicesDocument, EventByIdDocument, EventsPageDocument, type EventsPageQuery } from '../generated/graphql.js';
import { modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

type Node = EventsPageQuery['events']['edges'][number]['node'];

const REPOS = ['generic-local', 'maven-local', 'docker-local'];
const SEED_AT = '2022-08-02T07:20:47.235Z';
const SEED_RAW = {
  createdDate: '2022-08-02T15:20:47.235',
  type: 'NODE_DOWNLOADED',
  projectId: 'test',
  repoName: 'generic-local',
  resourceKey: '/release/1.0.0/boot-example.jar',
  userId: 'admin',
  clientAddress: '127.0.0.1',
  description: {
    md5: '036208b4a1ab4a235d75c181e685e5a3',
    sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1',
  },
};
const seedWindow = { since: '2022-08-02T00:00:00Z', until: '2022-08-03T00:00:00Z' };

function bkRepoSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}, scope: Record<string, unknown> = {}) {
  const demo = DEMO_CREDENTIALS.bkrepo;
  return {
    name: 'bkrepo',
    kind: 'bkrepo',
    endpoint: emulators.bkrepo.url,
    credentials: { type: 'basic', username: demo.user, password: demo.password },
    scope: { projectId: demo.projectId, repositories: REPOS, resourceKeyPrefix: '*', ...scope },
    http: { retries: 0 },
    ...overrides,
  };
}

/** The other vendors' sources, as their own integration tests configure them. */
function huaweiSource(emulators: RunningEmulators, kind: 'huawei-hss' | 'huawei-csms') {
  const huawei = DEMO_CREDENTIALS.huawei;
  return {
    name: kind === 'huawei-hss' ? 'hss' : 'csms',
    kind,
    endpoint: kind === 'huawei-hss' ? emulators.hss.url : emulators.csms.url,
    credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
    scope: { projectId: huawei.projectId },
    http: { retries: 0 },
  };
}

const code = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

describe('bk-repo, end to end over loopback HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Every vendor's source, so that the page walk covers every source there is.
    stack = await startStack({
      sources: (emulators) => [
        modelArtsSource(emulators),
        bkRepoSource(emulators),
        tencentSource(emulators),
        huaweiSource(emulators, 'huawei-hss'),
        huaweiSource(emulators, 'huawei-csms'),
      ],
    });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.emulators.bkrepo.resetKnobs();
    stack.emulators.bkrepo.resetRequests();
  });

  const bkRepoBruteForce = () =>
    stack.emulators.bkrepo
      .records()
      .filter((r) => r.projectId === 'test' && REPOS.includes(r.repoName) && (BKREPO_PUBLIC_EVENT_TYPES as readonly string[]).includes(r.type));

  it('maps the API page example field by field: 15:20:47.235 in Asia/Shanghai is 07:20:47.235Z', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 10, filter: { ...seedWindow, kinds: ['AUDIT'], resource: SEED_RAW.resourceKey } });
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.events.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toEqual({
      __typename: 'AuditEvent',
      id: nodes[0]!.id,
      kind: 'AUDIT',
      vendor: 'BLUEKING',
      source: { name: 'bkrepo' },
      occurredAt: SEED_AT,
      outcome: 'SUCCESS',
      actor: 'admin',
      resource: '/release/1.0.0/boot-example.jar',
      summary: 'admin NODE_DOWNLOADED /release/1.0.0/boot-example.jar in test/generic-local',
      raw: SEED_RAW,
      type: 'NODE_DOWNLOADED',
      projectId: 'test',
      repoName: 'generic-local',
      resourceKey: '/release/1.0.0/boot-example.jar',
      userId: 'admin',
      clientAddress: '127.0.0.1',
      createdDate: '2022-08-02T15:20:47.235',
      description: SEED_RAW.description,
      md5: '036208b4a1ab4a235d75c181e685e5a3',
      sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1',
      pipelineId: null,
      buildId: null,
    });
    const found = await stack.gql(EventByIdDocument, { id: nodes[0]!.id });
    expect(found.data!.event).toEqual(nodes[0]);
  });

  it('reads records older than the upstream default 3 months: start and end are always sent', async () => {
    const native = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', resourceKey: SEED_RAW.resourceKey, direction: 'ASC', pageSize: 1 });
    expect(native.errors).toBeUndefined();
    expect(native.data!.auditLogs.records[0]!.raw).toEqual(SEED_RAW);
    // The same query as the upstream would read it without times: the last 3 months only.
    const wire = await fetch(`${stack.emulators.bkrepo.url}/repository/api/log/list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('demo-user:Demo#Bkrepo1').toString('base64')}` },
      body: JSON.stringify({ projectId: 'test', repoName: 'generic-local', resourceKey: SEED_RAW.resourceKey, eventType: 'NODE_DOWNLOADED', direction: 'ASC', pageSize: 1 }),
    });
    const defaulted = (await wire.json()) as { data: { records: { createdDate: string }[] } };
    expect(defaulted.data.records[0]?.createdDate).not.toBe(SEED_RAW.createdDate);
  });

  describe('both time-zone paths', () => {
    it('with the header: reads createdDate in the zone the answer names, whatever the configuration', async () => {
      // A zone without daylight saving time: the header gives only the offset of today.
      stack.emulators.bkrepo.setKnobs({ serverTimeZone: 'Asia/Tokyo' });
      const result = await stack.gql(EventsPageDocument, { first: 10, filter: { ...seedWindow, kinds: ['AUDIT'], resource: SEED_RAW.resourceKey } });
      const node = result.data!.events.edges[0]!.node as Node & { createdDate: string };
      expect(node.occurredAt).toBe(SEED_AT);
      expect(node.createdDate).toBe('2022-08-02T16:20:47.235');
      const native = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', since: SEED_AT, until: SEED_AT });
      expect(native.data!.auditLogs).toMatchObject({ totalRecords: 1, timeZone: 'UTC+9' });
      expect(native.data!.auditLogs.timeZoneFromUpstream).toBe(true);
      expect(native.data!.auditLogs.records[0]!.occurredAt).toBe(SEED_AT);
    });

    it('without the header: reads createdDate in the configured zone (Asia/Shanghai)', async () => {
      stack.emulators.bkrepo.setKnobs({ timeZoneHeader: false });
      const result = await stack.gql(EventsPageDocument, { first: 10, filter: { ...seedWindow, kinds: ['AUDIT'], resource: SEED_RAW.resourceKey } });
      expect(result.data!.events.edges.map((edge) => edge.node.occurredAt)).toEqual([SEED_AT]);
      const native = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', since: SEED_AT, until: SEED_AT });
      expect(native.data!.auditLogs).toMatchObject({ totalRecords: 1, timeZone: 'Asia/Shanghai', timeZoneFromUpstream: false });
    });
  });

  describe('the native auditLogs query', () => {
    it('returns the upstream paging totals', async () => {
      const all = bkRepoBruteForce().filter((r) => r.repoName === 'generic-local' && r.type === 'NODE_DOWNLOADED');
      const page = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', pageNumber: 2, pageSize: 7 });
      expect(page.errors).toBeUndefined();
      expect(page.data!.auditLogs).toMatchObject({
        pageNumber: 2,
        pageSize: 7,
        totalRecords: all.length,
        totalPages: Math.ceil(all.length / 7),
        count: 7,
      });
      const times = page.data!.auditLogs.records.map((r) => Date.parse(r.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('passes the wildcard pattern as given: /a/*.jar matches /a/x.jarx', async () => {
      const page = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_CREATED', resourceKey: '/a/*.jar', pageSize: 1000 });
      const keys = new Set(page.data!.auditLogs.records.map((r) => r.resource));
      expect(keys).toEqual(new Set(['/a/x.jar', '/a/x.jarx', '/a/b/y.jar']));
    });

    it('filters on sha256, pipelineId, buildId and userId', async () => {
      const sha = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', sha256: SEED_RAW.description.sha256 });
      expect(sha.data!.auditLogs.records.map((r) => r.raw)).toEqual([SEED_RAW]);
      const pipeline = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_CREATED', pipelineId: 'p-123456', buildId: 'b-123456' });
      expect(pipeline.data!.auditLogs.records).toHaveLength(1);
      expect(pipeline.data!.auditLogs.records[0]).toMatchObject({ pipelineId: 'p-123456', buildId: 'b-123456' });
      const alice = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED', userId: 'alice', pageSize: 1000 });
      expect(alice.data!.auditLogs.records.every((r) => r.actor === 'alice')).toBe(true);
    });

    it('gives an empty page for an unknown event type', async () => {
      const page = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NO_SUCH_EVENT' });
      expect(page.errors).toBeUndefined();
      expect(page.data!.auditLogs).toMatchObject({ totalRecords: 0, totalPages: 0, count: 0, records: [] });
    });

    it('refuses bad paging and an upside-down window before calling the upstream', async () => {
      for (const variables of [{ pageNumber: 0 }, { pageSize: 0 }, { pageSize: 1001 }, { since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' }]) {
        const result = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_CREATED', ...variables });
        expect(code(result), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      }
      expect(stack.emulators.bkrepo.requests().total).toBe(0);
    });
  });

  describe('the unified timeline', () => {
    it('pushes actor down as userId and counts exactly', async () => {
      const result = await stack.gql(EventsPageDocument, { first: 5, filter: { kinds: ['AUDIT'], actor: 'alice' } });
      expect(result.errors).toBeUndefined();
      const page = result.data!.events;
      expect(page.totalCount).toBe(bkRepoBruteForce().filter((r) => r.userId === 'alice').length);
      expect(page.edges.every((edge) => edge.node.actor === 'alice')).toBe(true);
      const bk = page.sources.find((s) => s.source.name === 'bkrepo')!;
      expect(bk).toMatchObject({ status: 'OK', upstreamFilters: ['actor'], localFilters: [], streams: REPOS.length * 12 });
    });

    it('matches resource exactly, and a * in it is no wildcard', async () => {
      const exact = await stack.gql(EventsPageDocument, { first: 500, filter: { kinds: ['AUDIT'], resource: '/a/x.jar' } });
      expect(exact.data!.events.edges.map((edge) => edge.node.resource)).toEqual(
        bkRepoBruteForce()
          .filter((r) => r.resourceKey === '/a/x.jar')
          .map((r) => r.resourceKey),
      );
      expect(exact.data!.events.sources.find((s) => s.source.name === 'bkrepo')!.localFilters).toEqual(['resource']);
      const literal = await stack.gql(EventsPageDocument, { first: 500, filter: { kinds: ['AUDIT'], resource: '/a/*.jar' } });
      expect(literal.errors).toBeUndefined();
      expect(literal.data!.events.edges).toEqual([]);
    });

    it('gives identical records distinct ids, and event(id) finds each again', async () => {
      const result = await stack.gql(EventsPageDocument, { first: 500, filter: { kinds: ['AUDIT'], resource: '/release/1.0.1/boot-example.jar', actor: 'demo-user' } });
      const edges = result.data!.events.edges;
      const twins = edges.filter((edge, i) => edges.findIndex((other) => JSON.stringify(other.node.raw) === JSON.stringify(edge.node.raw)) !== i);
      expect(twins.length).toBeGreaterThan(0);
      expect(new Set(edges.map((edge) => edge.node.id)).size).toBe(edges.length);
      for (const edge of edges) {
        const found = await stack.gql(EventByIdDocument, { id: edge.node.id });
        expect(found.data!.event).toEqual(edge.node);
      }
    });

    // Newest first over every vendor's source; oldest first over ModelArts and bk-repo, which
    // keeps the suite short (each vendor's own file walks its source both ways).
    for (const [order, sources] of [
      ['DESC', ['modelarts', 'bkrepo', 'ccr', 'hss', 'csms']],
      ['ASC', ['modelarts', 'bkrepo']],
    ] as const) {
      it(`walks every page of ${sources.join(', ')} (${order}): each event once, in order, as many as brute force`, async () => {
        const services = (await stack.gql(DeploymentServicesDocument, {})).data!.deploymentServices.services;
        const ccr = stack.emulators.tencentCcr;
        const expected = [
          ...services.flatMap((s) => stack.emulators.modelarts.events(s.serviceId).map((e) => `modelarts|${s.serviceId}|${e.occur_time}|${e.event_info}`)),
          ...bkRepoBruteForce().map((r) => `bkrepo|${r.repoName}|${r.type}|${r.at}|${r.resourceKey}|${r.userId}`),
          ...ccr.repositories().flatMap((repo) => ccr.logs(repo).map((log) => `ccr|${JSON.stringify(log)}`)),
          ...stack.emulators.hss.events().map((e) => `hss|${e.event_id}`),
          ...stack.emulators.csms.served().map((r) => `csms|${JSON.stringify(r)}`),
        ].filter((key) => (sources as readonly string[]).includes(key.slice(0, key.indexOf('|'))));
        const seen: Node[] = [];
        let after: string | null | undefined;
        let totalCount: number | null | undefined;
        for (let pages = 0; pages < 500; pages += 1) {
          const result = await stack.gql(EventsPageDocument, { first: 499, after, order, filter: { sources: [...sources] } });
          expect(result.errors).toBeUndefined();
          const page = result.data!.events;
          totalCount ??= page.totalCount;
          expect(page.totalCount).toBe(totalCount);
          seen.push(...page.edges.map((edge) => edge.node));
          if (!page.pageInfo.hasNextPage) break;
          expect(page.edges).toHaveLength(499);
          after = page.pageInfo.endCursor;
        }
        expect(totalCount).toBe(expected.length);
        expect(seen).toHaveLength(expected.length);
        expect(new Set(seen.map((node) => node.id)).size).toBe(seen.length);
        const times = seen.map((node) => Date.parse(node.occurredAt));
        expect(times).toEqual([...times].sort((a, b) => (order === 'ASC' ? a - b : b - a)));
        const keyOf = (node: Node): string => {
          if (node.__typename === 'AuditEvent') return `bkrepo|${node.repoName}|${node.type}|${Date.parse(node.occurredAt)}|${node.resourceKey}|${node.userId}`;
          if (node.__typename === 'DeploymentEvent') return `modelarts|${node.serviceId}|${Date.parse(node.occurredAt)}|${node.eventInfo}`;
          if (node.__typename === 'TriggerEvent') return `ccr|${JSON.stringify(node.raw)}`;
          if (node.__typename === 'ImageEvent') return `hss|${node.eventId}`;
          if (node.__typename === 'SecretNotificationEvent') return `csms|${JSON.stringify(node.raw)}`;
          return `unknown|${(node as { id: string }).id}`;
        };
        expect(seen.map(keyOf).sort()).toEqual(expected.sort());
        expect(seen.some((node) => node.occurredAt === SEED_AT)).toBe(true);
        if (sources.length === 5) {
          expect(new Set(seen.map((node) => node.kind))).toEqual(new Set(['DEPLOYMENT', 'AUDIT', 'TRIGGER', 'IMAGE', 'SECRET_NOTIFICATION']));
        }
      });
    }
  });

  describe('wire semantics of the emulator behind the stack', () => {
    const post = (body: unknown, raw?: string) =>
      fetch(`${stack.emulators.bkrepo.url}/repository/api/log/list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('demo-user:Demo#Bkrepo1').toString('base64')}` },
        body: raw ?? JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as { code: number; data: unknown } }));
    const full = { projectId: 'test', repoName: 'generic-local', resourceKey: '/', eventType: 'NODE_CREATED' };

    for (const field of Object.keys(full)) {
      it(`answers 400 250103 without ${field}`, async () => {
        const body: Record<string, string> = { ...full };
        delete body[field];
        expect(await post(body)).toMatchObject({ status: 400, json: { code: 250103, data: null } });
      });
    }

    it('answers 400 250106 to malformed JSON', async () => {
      expect(await post(undefined, '{"projectId":')).toMatchObject({ status: 400, json: { code: 250106, data: null } });
    });
  });
});

describe('bk-repo auth modes through the server', () => {
  let stack: Stack;
  beforeAll(async () => {
    const demo = DEMO_CREDENTIALS.bkrepo;
    const narrow = { repositories: ['generic-local'], eventTypes: ['NODE_DOWNLOADED'] };
    stack = await startStack({
      sources: (emulators) => [
        bkRepoSource(emulators, { name: 'bk-basic' }, narrow),
        bkRepoSource(emulators, { name: 'bk-token', credentials: { type: 'basic', username: demo.user, password: demo.token } }, narrow),
        bkRepoSource(
          emulators,
          { name: 'bk-platform', credentials: { type: 'platform', accessKey: demo.accessKey, secretKey: demo.secretKey, userId: demo.user } },
          narrow,
        ),
        bkRepoSource(emulators, { name: 'bk-wrong', credentials: { type: 'basic', username: demo.user, password: 'wrong' } }, narrow),
        bkRepoSource(emulators, { name: 'bk-forbidden' }, { ...narrow, projectId: 'bkdevops' }),
      ],
    });
  });
  afterAll(() => stack.close());

  it('reads with Basic (password and token) and Platform; reports a wrong password and a forbidden project', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 5, filter: { ...seedWindow } });
    const status = Object.fromEntries(result.data!.events.sources.map((s) => [s.source.name, s]));
    for (const name of ['bk-basic', 'bk-token', 'bk-platform']) expect(status[name], name).toMatchObject({ status: 'OK', events: expect.any(Number) });
    expect(result.data!.events.edges.map((edge) => edge.node.occurredAt)).toEqual([SEED_AT, SEED_AT, SEED_AT]);
    expect(status['bk-wrong']).toMatchObject({
      status: 'FAILED',
      error: { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 401, upstreamCode: '250114' },
    });
    expect(status['bk-forbidden']).toMatchObject({
      status: 'FAILED',
      error: { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 403, upstreamCode: '250113' },
    });
    const failed = result.errors!.map((e) => e.extensions!['source']).sort();
    expect(failed).toEqual(['bk-forbidden', 'bk-wrong']);
    const native = await stack.gql(AuditLogsDocument, { source: 'bk-forbidden', repoName: 'generic-local', eventType: 'NODE_DOWNLOADED' });
    expect(native.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'bk-forbidden', upstreamCode: '250113' });
    const ambiguous = await stack.gql(AuditLogsDocument, { repoName: 'generic-local', eventType: 'NODE_DOWNLOADED' });
    expect(code(ambiguous)).toBe('BAD_USER_INPUT');
  });
});
