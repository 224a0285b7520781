import { graphql, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { RequestContext } from '../../src/graphql/context.js';
import { formatError } from '../../src/graphql/errors.js';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { decodeEventId, encodeEventId } from '../../src/timeline/event-id.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { UpstreamRequestScope } from '../../src/upstream/upstream.scope.js';
import { resourcePatternWithin } from '../../src/vendors/bkrepo/bkrepo.scope.js';
import { builtInVendors } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR, modelArtsSource } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

/*
 * Native queries stay inside the source's own configured scope, whoever asks (docs/scopes.md):
 * a bk-repo project, repository or resource key, a ModelArts service, a Tencent CCR repository
 * outside it is FORBIDDEN before any upstream call, and an event id forged to name one is
 * null, with no call. Each vendor with a scope finer than its account has a narrow source
 * and a wide one over the same emulator: the wide one gives the ids to forge.
 */

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

const vendors = builtInVendors();

describe('native queries and event(id) stay inside the source\'s own scope', () => {
  let emulators: RunningEmulators;
  let run: (query: string, variables?: Record<string, unknown>) => Promise<Answer>;
  let services: string[];
  let repositories: string[];
  const upstreamRequests = () =>
    emulators.list().reduce((n, emulator) => n + ('requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0), 0);

  beforeAll(async () => {
    emulators = await startEmulators({ now: ANCHOR });
    services = emulators.modelarts.services().map((service) => service.service_id);
    repositories = emulators.tencentCcr.repositories();
    const demo = DEMO_CREDENTIALS.bkrepo;
    const bkrepo = (name: string, scope: Record<string, unknown>) => ({
      name,
      kind: 'bkrepo',
      endpoint: emulators.bkrepo.url,
      credentials: { type: 'basic', username: demo.user, password: demo.password },
      scope: { projectId: 'test', ...scope },
      http: { retries: 0 },
    });
    const config = parseConfig(
      {
        sources: [
          bkrepo('bk-narrow', { repositories: ['generic-local'], resourceKeyPrefix: '/release/' }),
          bkrepo('bk-wide', { repositories: ['generic-local', 'maven-local'], resourceKeyPrefix: '*' }),
          modelArtsSource(emulators, { name: 'ma-narrow', scope: { projectId: DEMO_CREDENTIALS.huawei.projectId, services: [services[0]] } }),
          modelArtsSource(emulators, { name: 'ma-wide' }),
          tencentSource(emulators, { name: 'ccr-narrow', scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: [repositories[0]] } }),
          tencentSource(emulators, { name: 'ccr-wide' }),
        ].map((source) => ({ cacheTtlSeconds: 0, ...source, ...(source.kind === 'huawei-modelarts' ? { serviceListTtlSeconds: 0 } : {}) })),
      },
      'native scope test configuration',
      vendors.configSchema,
    );
    const sources = vendors.createSources(config);
    const schema = await buildEventgraphSchema(vendors);
    const timeline = new Timeline(new CursorCodec('native-scope-test-secret'));
    run = async (query, variables) => {
      const contextValue = new RequestContext({ sources, timeline, snapshotStepMs: 0 });
      const result = await new UpstreamRequestScope().run(() => graphql({ schema, source: query, contextValue, variableValues: variables }));
      const errors = [...(result.errors ?? []), ...contextValue.partialErrors].map((error) => formatError(error.toJSON(), error));
      return { data: result.data as Answer['data'], ...(errors.length > 0 ? { errors } : {}) };
    };
  });
  afterAll(() => emulators?.close());
  beforeEach(() => {
    for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
  });

  /** The one error of a refused query: FORBIDDEN, naming the argument, with no upstream call. */
  async function expectForbidden(query: string, variables: Record<string, unknown>, argument: string, message: string | RegExp) {
    const answer = await run(query, variables);
    expect(answer.errors, JSON.stringify(variables)).toHaveLength(1);
    expect(answer.errors![0]!.extensions, JSON.stringify(variables)).toEqual({ code: 'FORBIDDEN', argument });
    expect(answer.errors![0]!.message).toMatch(message);
    expect(upstreamRequests(), JSON.stringify(variables)).toBe(0);
  }

  describe('bk-repo: project, repositories, resourceKeyPrefix', () => {
    const AUDIT = `query($projectId: String, $repoName: String!, $resourceKey: String) {
      auditLogs(source: "bk-narrow", projectId: $projectId, repoName: $repoName, resourceKey: $resourceKey, eventType: "NODE_DOWNLOADED", pageSize: 1000) {
        count records { resourceKey }
      }
    }`;

    it('refuses another project and a repository outside scope.repositories', async () => {
      await expectForbidden(AUDIT, { projectId: 'bkdevops', repoName: 'generic-local' }, 'projectId', 'project "bkdevops" is not in the scope of source "bk-narrow" (test)');
      await expectForbidden(AUDIT, { repoName: 'maven-local' }, 'repoName', 'repository "maven-local" is not in the scope of source "bk-narrow" (generic-local)');
      // Project-level records (PROJECT_CREATED) belong to no repository of the scope.
      await expectForbidden(AUDIT, { repoName: '' }, 'repoName', /^repository "" is not in the scope/);
    });

    it.each(['*', '/', '/a/', '/rel*', '/release', '/release/|/a/', '/release/x?', '/release/(a|b)', '/release/[a-z]', '/release/\\w', '/releasf/'])(
      'refuses resourceKey %s, which may match keys outside /release/',
      async (resourceKey) => {
        await expectForbidden(AUDIT, { repoName: 'generic-local', resourceKey }, 'resourceKey', /reaches outside the scope of source "bk-narrow" \(resourceKeyPrefix "\/release\/"\)/);
      },
    );

    it.each(['/release/', '/release/*', '/release/1.0.0/boot-example.jar', '/release/*.jar', '/release/1.0.0/'])('reads resourceKey %s, within the prefix', async (resourceKey) => {
      const answer = await run(AUDIT, { repoName: 'generic-local', resourceKey });
      expect(answer.errors).toBeUndefined();
      const records = (answer.data!['auditLogs'] as { records: { resourceKey: string }[] }).records;
      expect(records.every((record) => record.resourceKey.startsWith('/release/'))).toBe(true);
    });

    it('reads the scope\'s prefix by default', async () => {
      const answer = await run(AUDIT, { repoName: 'generic-local' });
      const page = answer.data!['auditLogs'] as { count: number; records: { resourceKey: string }[] };
      expect(page.count).toBeGreaterThan(0);
      expect(page.records.every((record) => record.resourceKey.startsWith('/release/'))).toBe(true);
    });

    it('a forged event id naming another project or repository is null, with no call; one of the scope is found', async () => {
      const wide = await run('{ events(first: 500, filter: { sources: ["bk-wide"], kinds: [AUDIT] }) { edges { node { id resource ... on AuditEvent { repoName } } } } }');
      const nodes = (wide.data!['events'] as { edges: { node: { id: string; resource: string; repoName: string } }[] }).edges.map((edge) => edge.node);
      const forge = (id: string, change: (natural: unknown[]) => unknown[] = (natural) => natural) => encodeEventId('bk-narrow', change(decodeEventId(id)!.naturalId));
      const inScope = nodes.find((node) => node.repoName === 'generic-local' && node.resource.startsWith('/release/'))!;
      const otherRepo = nodes.find((node) => node.repoName === 'maven-local')!;
      const otherKey = nodes.find((node) => node.repoName === 'generic-local' && !node.resource.startsWith('/release/'))!;
      expect([inScope, otherRepo, otherKey].every(Boolean)).toBe(true);

      const EVENT = 'query($id: ID!) { event(id: $id) { id resource } }';
      for (const [label, id] of [
        ['another repository', forge(otherRepo.id)],
        ['another project', forge(inScope.id, ([, ...rest]) => ['bkdevops', ...rest])],
      ] as const) {
        for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
        expect(await run(EVENT, { id }), label).toEqual({ data: { event: null } });
        expect(upstreamRequests(), label).toBe(0);
      }
      // A key outside the prefix is not read at all: the lookup asks for the scope's prefix only.
      expect(await run(EVENT, { id: forge(otherKey.id) })).toEqual({ data: { event: null } });
      const found = await run(EVENT, { id: forge(inScope.id) });
      expect(found).toEqual({ data: { event: { id: forge(inScope.id), resource: inScope.resource } } });
    });
  });

  describe('ModelArts: scope.services', () => {
    it('refuses a service outside the scope in deploymentEvents and deploymentServices', async () => {
      const other = services[1]!;
      const message = `service "${other}" is not in the scope of source "ma-narrow" (${services[0]})`;
      await expectForbidden('query($id: String!) { deploymentEvents(source: "ma-narrow", serviceId: $id) { count } }', { id: other }, 'serviceId', message);
      await expectForbidden('query($id: String) { deploymentServices(source: "ma-narrow", serviceId: $id) { count } }', { id: other }, 'serviceId', message);
      await expectForbidden('query($id: String!) { deploymentEvents(source: "ma-narrow", serviceId: $id) { count } }', { id: '../x' }, 'serviceId', /^service "\.\.\/x" is not/);
    });

    it('reads a service of the scope, and lists no other service', async () => {
      const events = await run('query($id: String!) { deploymentEvents(source: "ma-narrow", serviceId: $id) { serviceId } }', { id: services[0] });
      expect(events).toEqual({ data: { deploymentEvents: { serviceId: services[0] } } });
      const listed = await run('{ deploymentServices(source: "ma-narrow") { count services { serviceId } } }');
      expect(listed.data!['deploymentServices']).toEqual({ count: 1, services: [{ serviceId: services[0] }] });
      const wide = await run('{ deploymentServices(source: "ma-wide") { count } }');
      expect((wide.data!['deploymentServices'] as { count: number }).count).toBeGreaterThan(1);
    });

    it('a forged event id naming another service is null, with no call', async () => {
      const wide = await run(`{ events(first: 50, filter: { sources: ["ma-wide"] }) { edges { node { id ... on DeploymentEvent { serviceId } } } } }`);
      const nodes = (wide.data!['events'] as { edges: { node: { id: string; serviceId: string } }[] }).edges.map((edge) => edge.node);
      const other = nodes.find((node) => node.serviceId !== services[0])!;
      const forged = encodeEventId('ma-narrow', decodeEventId(other.id)!.naturalId);
      for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
      expect(await run('query($id: ID!) { event(id: $id) { id } }', { id: forged })).toEqual({ data: { event: null } });
      expect(upstreamRequests()).toBe(0);
    });
  });

  describe('Tencent CCR: scope.repositories', () => {
    it('refuses another repository, keeping the message, and finds no forged id of one', async () => {
      await expectForbidden(
        'query($repo: String) { triggerLogs(source: "ccr-narrow", repoName: $repo) { count } }',
        { repo: repositories[1] },
        'repoName',
        `repository "${repositories[1]}" is not in the scope of source "ccr-narrow" (${repositories[0]})`,
      );
      const wide = await run(`{ events(first: 50, filter: { sources: ["ccr-wide"] }) { edges { node { id resource } } } }`);
      const other = (wide.data!['events'] as { edges: { node: { id: string; resource: string } }[] }).edges
        .map((edge) => edge.node)
        .find((node) => !node.resource.startsWith(`${repositories[0]}:`))!;
      for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
      const forged = encodeEventId('ccr-narrow', decodeEventId(other.id)!.naturalId);
      expect(await run('query($id: ID!) { event(id: $id) { id } }', { id: forged })).toEqual({ data: { event: null } });
      expect(upstreamRequests()).toBe(0);
    });
  });
});

describe('resourcePatternWithin: whether a bk-repo pattern stays within a prefix', () => {
  it.each([
    ['/release/', '/release/', true],
    ['/release/*', '/release/', true],
    ['/release/a.jar', '/release/', true],
    ['/release/*/x', '/release/', true],
    ['/release/', '/release/*/lib/', false],
    ['/release/x/lib/a', '/release/*/lib/', true],
    ['anything|at all', '*', true],
    ['', '*', true],
    ['', '/', false],
    ['*', '/', false],
    ['/re*', '/release/', false],
    ['/release', '/release/', false],
    ['/release/a|/b', '/release/', false],
    ['/release/b?', '/release/b', false],
    ['/release/x+', '/release/', false],
    ['/release/$', '/release/', false],
    ['/aXb/', '/a.b/', false],
    ['/a.b/', '/a.b/', true],
    ['/a./secret', '/a/', false],
  ])('%s within %s: %s', (pattern, prefix, within) => {
    expect(resourcePatternWithin(pattern, prefix)).toBe(within);
  });
});
