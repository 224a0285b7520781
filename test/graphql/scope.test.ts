import { graphql, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { RequestContext } from '../../src/graphql/context.js';
import { formatError } from '../../src/graphql/errors.js';
import { ANONYMOUS, type Principal } from '../../src/graphql/principal.js';
import { withoutUserinfo } from '../../src/graphql/resolvers/source-fields.resolver.js';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import type { EventSource } from '../../src/timeline/event-source.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { UpstreamRequestScope } from '../../src/upstream/upstream.scope.js';
import { builtInVendors } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR } from '../helpers/stack.js';
import { fiveSources, type Scope } from '../helpers/timeline-oracle.js';

/*
 * Per-client scope (docs/scopes.md): every entry point keeps to the principal's sources and
 * kinds. The schema is executed directly, with a hand-made principal in the request context,
 * over real sources against the real emulators on loopback HTTP.
 */

const vendors = builtInVendors();

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

interface Scoped {
  emulators: RunningEmulators;
  sources: readonly EventSource[];
  run(principal: Principal, query: string, variables?: Record<string, unknown>): Promise<Answer>;
  /** API requests every emulator has received. */
  upstreamRequests(): number;
}

/** The schema over some sources, run as Apollo would run it: one request scope, errors formatted. */
async function scopedSchema(emulators: RunningEmulators, documents: unknown[]): Promise<Omit<Scoped, 'emulators'>> {
  const config = parseConfig(
    { sources: documents.map((source) => ({ cacheTtlSeconds: 0, ...(source as object) })) },
    'scope test configuration',
    vendors.configSchema,
  );
  const sources = vendors.createSources(config);
  const schema: GraphQLSchema = await buildEventgraphSchema(vendors);
  const timeline = new Timeline(new CursorCodec('scope-test-cursor-secret'));
  return {
    sources,
    async run(principal, query, variables) {
      const contextValue = new RequestContext({ sources, timeline, snapshotStepMs: 0, principal });
      const result = await new UpstreamRequestScope().run(() => graphql({ schema, source: query, contextValue, variableValues: variables }));
      const errors = [...(result.errors ?? []), ...contextValue.partialErrors].map((error) => formatError(error.toJSON(), error));
      return { data: result.data as Answer['data'], ...(errors.length > 0 ? { errors } : {}) };
    },
    upstreamRequests: () => emulators.list().reduce((n, emulator) => n + ('requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0), 0),
  };
}

const HUAWEI: Principal = { name: 'huawei-team', sources: ['hss', 'csms', 'model*'] };
const AUDITOR: Principal = { name: 'auditor', sources: ['*'], kinds: ['AUDIT'] };
const BK: Principal = { name: 'bk-reader', sources: ['bk*'] };
const NOBODY: Principal = { name: 'nobody', sources: ['no-such-*'] };

const EVENTS = `query($filter: EventFilter, $after: String, $first: Int) {
  events(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id kind source { name } } }
    pageInfo { endCursor }
    sources { source { name } status }
  }
}`;

describe('per-client scope, at every entry point', () => {
  let emulators: RunningEmulators;
  let scoped: Omit<Scoped, 'emulators'>;
  let scope: Scope;

  beforeAll(async () => {
    emulators = await startEmulators({ now: ANCHOR });
    scope = {
      services: emulators.modelarts.services().slice(0, 2).map((s) => s.service_id),
      repositories: emulators.tencentCcr.repositories().slice(0, 2),
      bkrepoRepositories: ['generic-local'],
    };
    scoped = await scopedSchema(emulators, fiveSources(emulators, scope, { csmsCacheTtlSeconds: 0 }));
  });
  afterAll(() => emulators?.close());
  beforeEach(() => {
    for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
  });

  const names = (answer: Answer, field: string) => (answer.data![field] as { name: string }[]).map((source) => source.name);

  describe('sources and viewer', () => {
    it('list only what the client may read, by glob and by kind', async () => {
      const cases: Array<[Principal, string[], string[]]> = [
        [ANONYMOUS, ['ccr', 'hss', 'csms', 'modelarts', 'bkrepo'], ['TRIGGER', 'IMAGE', 'SECRET_NOTIFICATION', 'DEPLOYMENT', 'AUDIT']],
        [HUAWEI, ['hss', 'csms', 'modelarts'], ['IMAGE', 'SECRET_NOTIFICATION', 'DEPLOYMENT']],
        [AUDITOR, ['bkrepo'], ['AUDIT']],
        [BK, ['bkrepo'], ['AUDIT']],
        [NOBODY, [], []],
      ];
      for (const [principal, sources, kinds] of cases) {
        const answer = await scoped.run(principal, '{ sources { name } viewer { name sources { name } kinds } }');
        expect(answer.errors, principal.name).toBeUndefined();
        expect(names(answer, 'sources'), principal.name).toEqual(sources);
        expect(answer.data!['viewer'], principal.name).toEqual({ name: principal.name, sources: sources.map((name) => ({ name })), kinds });
      }
      expect(scoped.upstreamRequests()).toBe(0);
    });

    it('a glob matches whole names only', async () => {
      const answer = await scoped.run({ name: 'partial', sources: ['mod', 'odelarts', 'c*s', 'h?s'] }, '{ sources { name } }');
      expect(names(answer, 'sources')).toEqual(['csms']);
    });
  });

  describe('events', () => {
    it('reads only the sources the client may read: the others make no upstream call and are not reported', async () => {
      const answer = await scoped.run(HUAWEI, EVENTS, { first: 50 });
      expect(answer.errors).toBeUndefined();
      const page = answer.data!['events'] as { edges: { node: { source: { name: string } } }[]; sources: { source: { name: string } }[] };
      expect(page.sources.map((report) => report.source.name)).toEqual(['hss', 'csms', 'modelarts']);
      expect(new Set(page.edges.map((edge) => edge.node.source.name))).toEqual(new Set(['hss', 'csms', 'modelarts']));
      expect(emulators.tencentCcr.requests().total).toBe(0);
      expect(emulators.bkrepo.requests().total).toBe(0);
      expect(emulators.hss.requests().total).toBeGreaterThan(0);
    });

    it('is FORBIDDEN when the filter names a source out of scope, before any call; an unknown name lists only visible sources', async () => {
      const forbidden = await scoped.run(HUAWEI, EVENTS, { filter: { sources: ['hss', 'ccr'] } });
      expect(forbidden.data).toBeNull();
      expect(forbidden.errors).toEqual([
        expect.objectContaining({
          message: 'filter.sources: source "ccr" is not in the scope of "huawei-team"',
          extensions: { code: 'FORBIDDEN', argument: 'filter' },
        }),
      ]);
      const unknown = await scoped.run(HUAWEI, EVENTS, { filter: { sources: ['nope'] } });
      expect(unknown.errors![0]).toMatchObject({
        message: 'filter.sources: unknown source "nope"; configured: hss, csms, modelarts',
        extensions: { code: 'BAD_USER_INPUT', argument: 'filter' },
      });
      expect(scoped.upstreamRequests()).toBe(0);
    });

    it('prunes kinds outside the scope, and is FORBIDDEN when the filter asks for such kinds only', async () => {
      const mixed = await scoped.run(AUDITOR, EVENTS, { first: 5, filter: { kinds: ['AUDIT', 'IMAGE'] } });
      expect(mixed.errors).toBeUndefined();
      const page = mixed.data!['events'] as { edges: { node: { kind: string } }[]; sources: { source: { name: string } }[] };
      expect(page.sources.map((report) => report.source.name)).toEqual(['bkrepo']);
      expect(page.edges.length).toBeGreaterThan(0);
      expect(page.edges.every((edge) => edge.node.kind === 'AUDIT')).toBe(true);
      expect(emulators.hss.requests().total).toBe(0);

      const only = await scoped.run(AUDITOR, EVENTS, { filter: { kinds: ['IMAGE', 'TRIGGER'] } });
      expect(only.errors![0]).toMatchObject({
        message: 'filter.kinds: IMAGE, TRIGGER are not in the scope of "auditor"',
        extensions: { code: 'FORBIDDEN', argument: 'filter' },
      });
      // A source of a forbidden kind is out of scope even when its name matches the globs.
      const byName = await scoped.run(AUDITOR, EVENTS, { filter: { sources: ['hss'] } });
      expect(byName.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN', argument: 'filter' });
    });

    it('gives a client with no readable source an empty page, reading nothing', async () => {
      const answer = await scoped.run(NOBODY, EVENTS, {});
      expect(answer.errors).toBeUndefined();
      expect(answer.data!['events']).toMatchObject({ edges: [], sources: [] });
      expect(scoped.upstreamRequests()).toBe(0);
    });
  });

  describe('cursors', () => {
    it('serve the client they were issued to, and are refused for any other, even of the same scope', async () => {
      const first = await scoped.run(HUAWEI, EVENTS, { first: 3 });
      const cursor = (first.data!['events'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
      const again = await scoped.run({ ...HUAWEI }, EVENTS, { first: 3, after: cursor });
      expect(again.errors).toBeUndefined();
      for (const other of [ANONYMOUS, { ...HUAWEI, name: 'someone-else' }, { ...HUAWEI, sources: ['hss', 'csms', 'modelarts'] }]) {
        const refused = await scoped.run(other, EVENTS, { first: 3, after: cursor });
        expect(refused.errors, other.name).toEqual([
          expect.objectContaining({
            message: 'after: the cursor was issued to another client; start again without it',
            extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
          }),
        ]);
      }
    });
  });

  describe('event(id)', () => {
    it('is null for an event of a source out of scope, with no upstream call', async () => {
      const all = await scoped.run(ANONYMOUS, EVENTS, { first: 1, filter: { kinds: ['TRIGGER'] } });
      const node = (all.data!['events'] as { edges: { node: { id: string } }[] }).edges[0]!.node;
      const found = await scoped.run(ANONYMOUS, 'query($id: ID!) { event(id: $id) { id } }', { id: node.id });
      expect(found.data!['event']).toEqual({ id: node.id });
      for (const emulator of emulators.list()) (emulator as { resetRequests?(): void }).resetRequests?.();
      for (const principal of [HUAWEI, AUDITOR, NOBODY]) {
        const hidden = await scoped.run(principal, 'query($id: ID!) { event(id: $id) { id } }', { id: node.id });
        expect(hidden, principal.name).toEqual({ data: { event: null } });
      }
      expect(scoped.upstreamRequests()).toBe(0);
    });
  });

  describe('native queries', () => {
    const NATIVE: Array<[string, string, string]> = [
      ['triggerLogs', '{ triggerLogs(source: "ccr") { count } }', 'TRIGGER'],
      ['imageEvents', '{ imageEvents(source: "hss") { count } }', 'IMAGE'],
      ['secretNotifications', '{ secretNotifications(source: "csms") { count } }', 'SECRET_NOTIFICATION'],
      ['deploymentServices', '{ deploymentServices(source: "modelarts") { count } }', 'DEPLOYMENT'],
      ['deploymentEvents', '{ deploymentEvents(source: "modelarts", serviceId: "x") { count } }', 'DEPLOYMENT'],
      ['auditLogs', '{ auditLogs(source: "bkrepo", repoName: "generic-local", eventType: "NODE_CREATED") { count } }', 'AUDIT'],
    ];

    it.each(NATIVE)('%s is FORBIDDEN for a source out of scope, named or left out, with no upstream call', async (field, query, kind) => {
      const sourceName = /source: "([^"]+)"/.exec(query)![1]!;
      const outsider: Principal = { name: 'outsider', sources: ['*'], kinds: kind === 'AUDIT' ? ['IMAGE'] : ['AUDIT'] };
      const named = await scoped.run(outsider, query);
      expect(named.errors).toEqual([
        expect.objectContaining({
          message: `source "${sourceName}" is not in the scope of "outsider"`,
          extensions: { code: 'FORBIDDEN', argument: 'source' },
          path: [field],
        }),
      ]);
      const leftOut = await scoped.run(outsider, query.replace(/source: "[^"]+",? ?/, '').replace('()', ''));
      expect(leftOut.errors![0]).toMatchObject({ message: `no ${kind} source is in the scope of "outsider"`, extensions: { code: 'FORBIDDEN', argument: 'source' } });
      expect(scoped.upstreamRequests()).toBe(0);
    });

    it('answers a client whose scope holds the source', async () => {
      const answer = await scoped.run(BK, '{ auditLogs(repoName: "generic-local", eventType: "NODE_CREATED", pageSize: 1) { count } }');
      expect(answer).toEqual({ data: { auditLogs: { count: 1 } } });
      const image = await scoped.run(HUAWEI, '{ imageEvents(limit: 1) { count } }');
      expect(image).toEqual({ data: { imageEvents: { count: 1 } } });
    });

    it('an unknown source is still BAD_USER_INPUT, and names no source out of scope', async () => {
      const answer = await scoped.run(BK, '{ auditLogs(source: "nope", repoName: "generic-local", eventType: "NODE_CREATED") { count } }');
      expect(answer.errors![0]).toMatchObject({ message: 'unknown source "nope"; configured: bkrepo', extensions: { code: 'BAD_USER_INPUT', argument: 'source' } });
    });
  });
});

describe('Source.endpoint', () => {
  let emulators: RunningEmulators;
  beforeAll(async () => {
    emulators = await startEmulators({ now: ANCHOR });
  });
  afterAll(() => emulators?.close());

  it('never gives the credentials an endpoint URL embeds', async () => {
    const huawei = DEMO_CREDENTIALS.huawei;
    const url = new URL(emulators.csms.url);
    const csms = (name: string, endpoint: string) => ({
      name,
      kind: 'huawei-csms',
      endpoint,
      credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
      scope: { projectId: huawei.projectId },
    });
    const scoped = await scopedSchema(emulators, [
      csms('plain', emulators.csms.url),
      csms('with-password', `http://svc-user:s3cr3t-Pa55@${url.host}/base`),
      csms('with-user', `http://only-user@${url.host}`),
    ]);
    const answer = await scoped.run(ANONYMOUS, '{ sources { name endpoint } viewer { sources { endpoint } } }');
    expect(answer.data!['sources']).toEqual([
      { name: 'plain', endpoint: emulators.csms.url },
      { name: 'with-password', endpoint: `http://${url.host}/base` },
      { name: 'with-user', endpoint: `http://${url.host}` },
    ]);
    const text = JSON.stringify(answer);
    for (const secret of ['s3cr3t', 'svc-user', 'only-user']) expect(text).not.toContain(secret);
  });

  it.each([
    ['https://host.example', 'https://host.example'],
    ['https://host.example/', 'https://host.example/'],
    ['https://u:p@host.example', 'https://host.example'],
    ['https://u:p@host.example/', 'https://host.example/'],
    ['https://u:p@host.example:8443/api/v1?x=1#f', 'https://host.example:8443/api/v1?x=1#f'],
    ['https://a%40b:p%3Aq@host.example/x', 'https://host.example/x'],
    ['https://:only-password@host.example', 'https://host.example'],
    ['not a url user:pass@host', 'not a url user:pass@host'],
  ])('withoutUserinfo(%s) = %s', (endpoint, expected) => {
    expect(withoutUserinfo(endpoint)).toBe(expected);
  });
});
