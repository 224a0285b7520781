import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseInvokeTime, SEED_EXAMPLE_LOG, type TriggerLog } from '../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { DeploymentServicesDocument, EventByIdDocument, EventsPageDocument, TriggerLogsDocument, type EventsPageQuery } from '../generated/graphql.js';
import { modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { signedCall, tencentSource } from '../helpers/tencent.js';

type Node = EventsPageQuery['events']['edges'][number]['node'];
const SEED_REPO = 'kubetest/kubetest';
const code = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

describe('Tencent CCR trigger logs, end to end over loopback HTTP', () => {
  let stack: Stack;
  let repos: string[];
  let modelArtsServices: string[];

  beforeAll(async () => {
    stack = await startStack({
      sources: (emulators) => [
        modelArtsSource(emulators),
        tencentSource(emulators),
        tencentSource(emulators, { name: 'ccr-sha1', signatureMethod: 'HmacSHA1', httpMethod: 'POST', scope: { region: 'ap-shanghai', repositories: [SEED_REPO] } }),
        tencentSource(emulators, {
          name: 'ccr-wrong-key',
          credentials: { secretId: emulators.tencentCcr.keys[0]!.secretId, secretKey: 'not-the-secret-key' },
          scope: { region: 'ap-guangzhou', repositories: [SEED_REPO] },
        }),
      ],
    });
    repos = stack.emulators.tencentCcr.repositories();
    const services = await stack.gql(DeploymentServicesDocument, {});
    modelArtsServices = services.data!.deploymentServices.services.map((s) => s.serviceId);
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.emulators.tencentCcr.resetRequests());
  afterEach(() => stack.emulators.tencentCcr.resetKnobs());

  const tencentLogs = (): TriggerLog[] => repos.flatMap((repo) => stack.emulators.tencentCcr.logs(repo));
  const tencentAt = (log: TriggerLog) => parseInvokeTime(log.invokeTime) * 1000;

  describe('signing', () => {
    it('works with HmacSHA256 by GET and HmacSHA1 by POST', async () => {
      for (const source of ['ccr', 'ccr-sha1']) {
        const result = await stack.gql(TriggerLogsDocument, { source, repoName: SEED_REPO, limit: 3 });
        expect(result.errors, source).toBeUndefined();
        expect(result.data!.triggerLogs).toMatchObject({ repoName: SEED_REPO, totalCount: stack.emulators.tencentCcr.logs(SEED_REPO).length, count: 3 });
      }
      const [sha256, sha1] = stack.emulators.tencentCcr.requests().recent;
      expect(sha256).toMatchObject({ method: 'GET' });
      expect(new URLSearchParams(sha256!.query).get('SignatureMethod')).toBe('HmacSHA256');
      expect(sha1).toMatchObject({ method: 'POST', query: '' });
    });

    it('reports a wrong key as UPSTREAM_AUTH_FAILED with code 4100, natively and in the timeline', async () => {
      const native = await stack.gql(TriggerLogsDocument, { source: 'ccr-wrong-key' });
      expect(native.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'ccr-wrong-key', upstreamCode: '4100', upstreamStatus: 200 });
      const timeline = await stack.gql(EventsPageDocument, { first: 10, filter: { sources: ['ccr', 'ccr-wrong-key'] } });
      expect(timeline.data!.events.edges).toHaveLength(10);
      const wrong = timeline.data!.events.sources.find((s) => s.source.name === 'ccr-wrong-key')!;
      expect(wrong).toMatchObject({ status: 'FAILED', error: { code: 'UPSTREAM_AUTH_FAILED', upstreamCode: '4100' } });
      expect(timeline.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'ccr-wrong-key' });
    });

    it('the emulator refuses the server\'s own signed request when it is replayed', async () => {
      expect((await stack.gql(TriggerLogsDocument, { source: 'ccr', repoName: SEED_REPO, limit: 1 })).errors).toBeUndefined();
      const sent = stack.emulators.tencentCcr.requests().recent.at(-1)!;
      const replay = await fetch(`${stack.emulators.tencentCcr.url}${sent.path}?${sent.query}`);
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ code: 4500, codeDesc: 'AuthFailure.ReplayAttack' });
      const call = signedCall(stack.emulators.tencentCcr.url, { reponame: SEED_REPO });
      expect((await call.send()).json.code).toBe(0);
      expect((await call.send()).json.code).toBe(4500);
    });
  });

  it('maps the API page example field by field, and event(id) finds it again', async () => {
    const result = await stack.gql(EventsPageDocument, { first: 1, order: 'ASC', filter: { sources: ['ccr'], resource: 'kubetest/kubetest:latest' } });
    expect(result.errors).toBeUndefined();
    const node = result.data!.events.edges[0]!.node;
    expect(node).toEqual({
      __typename: 'TriggerEvent',
      id: node.id,
      kind: 'TRIGGER',
      vendor: 'TENCENT_CLOUD',
      source: { name: 'ccr' },
      occurredAt: '2018-07-23T15:13:27.000Z',
      outcome: 'SUCCESS',
      actor: null,
      resource: 'kubetest/kubetest:latest',
      summary: 'trigger_test on kubetest/kubetest:latest: SERVICE_UPDATE nginx-test (cls-666666/default) → ok',
      raw: SEED_EXAMPLE_LOG,
      triggerName: 'trigger_test',
      repoName: 'kubetest/kubetest',
      tagName: 'latest',
      invokeSource: 'IMAGE_PUSH',
      invokeAction: 'SERVICE_UPDATE',
      invokeTime: '2018-07-23 23:13:27',
      invokeCondition: { invokeMethod: 'regex', invokeExpr: 'test*', tagList: null },
      invokePara: {
        appId: '1254119589',
        serviceName: 'nginx-test',
        clusterId: 'cls-666666',
        namespace: 'default',
        containerName: 'nginx-test',
        clusterRegion: 1,
        clusterRegionName: 'Guangzhou',
      },
      invokeResult: { returnCode: 0, returnMsg: 'ok' },
    });
    expect((await stack.gql(EventByIdDocument, { id: node.id })).data!.event).toEqual(node);
  });

  it('gives identical records distinct ids, and event(id) finds each again', async () => {
    const logs = stack.emulators.tencentCcr.logs(SEED_REPO);
    const twin = logs.find((log, i) => logs.findIndex((other) => JSON.stringify(other) === JSON.stringify(log)) !== i)!;
    const at = new Date(tencentAt(twin)).toISOString();
    const result = await stack.gql(EventsPageDocument, { first: 50, filter: { sources: ['ccr'], since: at, until: at } });
    const twins = result.data!.events.edges.filter((e) => JSON.stringify(e.node.raw) === JSON.stringify(twin));
    expect(twins).toHaveLength(2);
    expect(twins[0]!.node.id).not.toBe(twins[1]!.node.id);
    for (const { node } of twins) expect((await stack.gql(EventByIdDocument, { id: node.id })).data!.event).toEqual(node);
  });

  for (const order of ['ASC', 'DESC'] as const) {
    it(`walks every page of ModelArts and Tencent together (${order}): each event once, in order, as many as both emulators hold`, async () => {
      const seen: Node[] = [];
      let after: string | null | undefined;
      let totalCount: number | null | undefined;
      for (let pages = 0; pages < 300; pages += 1) {
        const result = await stack.gql(EventsPageDocument, { first: 199, after, order, filter: { sources: ['modelarts', 'ccr'] } });
        expect(result.errors).toBeUndefined();
        const page = result.data!.events;
        totalCount ??= page.totalCount;
        seen.push(...page.edges.map((edge) => edge.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const modelArtsCount = modelArtsServices.reduce((n, id) => n + stack.emulators.modelarts.events(id).length, 0);
      const tencent = tencentLogs();
      expect(totalCount).toBe(modelArtsCount + tencent.length);
      expect(seen).toHaveLength(modelArtsCount + tencent.length);
      expect(new Set(seen.map((node) => node.id)).size).toBe(seen.length);
      const times = seen.map((node) => Date.parse(node.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => (order === 'ASC' ? a - b : b - a)));
      const triggers = seen.filter((node) => node.kind === 'TRIGGER').map((node) => JSON.stringify(node.raw)).sort();
      expect(triggers).toEqual(tencent.map((log) => JSON.stringify(log)).sort());
      expect(seen.some((node) => node.kind === 'DEPLOYMENT')).toBe(true);
    });
  }

  it('applies since/until itself, without reading the whole history, and then cannot count', async () => {
    const all = tencentLogs().map(tencentAt).sort((a, b) => a - b);
    const since = all[Math.floor(all.length * 0.6)]!;
    const until = since + 3 * 86_400_000;
    const result = await stack.gql(EventsPageDocument, {
      first: 500,
      order: 'ASC',
      filter: { sources: ['ccr'], since: new Date(since).toISOString(), until: new Date(until).toISOString() },
    });
    expect(result.errors).toBeUndefined();
    const page = result.data!.events;
    expect(page.totalCount).toBeNull();
    expect(page.sources.find((s) => s.source.name === 'ccr')).toMatchObject({ status: 'OK', upstreamFilters: [], localFilters: ['since', 'until'] });
    expect(page.edges.map((e) => Date.parse(e.node.occurredAt))).toEqual(all.filter((t) => t >= since && t <= until));
    // a binary search per repository and a page or two, far from the whole history
    const calls = stack.emulators.tencentCcr.requests().total;
    const wholeHistory = repos.reduce((n, repo) => n + Math.ceil(stack.emulators.tencentCcr.logs(repo).length / 100), 0);
    expect(calls).toBeLessThan(repos.length * 12);
    expect(page.sources.find((s) => s.source.name === 'ccr')!.upstreamCalls).toBe(calls);
    expect(wholeHistory).toBeGreaterThan(0);
  });

  it('filters outcomes and resource locally, and prunes streams that cannot match', async () => {
    const failures = await stack.gql(EventsPageDocument, { first: 500, filter: { sources: ['ccr'], outcomes: ['FAILURE'] } });
    const expected = tencentLogs().filter((log) => log.invokeResult.returnCode !== 0).length;
    expect(failures.data!.events.edges.every((e) => e.node.outcome === 'FAILURE')).toBe(true);
    expect(failures.data!.events.edges).toHaveLength(Math.min(500, expected));
    const oneTag = await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['ccr'], resource: 'kubetest/kubetest:latest' } });
    expect(oneTag.data!.events.sources.find((s) => s.source.name === 'ccr')!.streams).toBe(1);
    const actor = await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['ccr'], actor: 'someone' } });
    expect(actor.data!.events.sources.find((s) => s.source.name === 'ccr')!.status).toBe('SKIPPED');
  });

  it('keeps ModelArts events coming while the Tencent emulator fails', async () => {
    stack.emulators.tencentCcr.setKnobs({ forceStatus: 500 });
    const result = await stack.gql(EventsPageDocument, { first: 25, filter: { sources: ['modelarts', 'ccr'] } });
    expect(result.status).toBe(200);
    const page = result.data!.events;
    expect(page.edges).toHaveLength(25);
    expect(page.edges.every((e) => e.node.source.name === 'modelarts')).toBe(true);
    expect(page.totalCount).toBeNull();
    expect(page.sources.find((s) => s.source.name === 'ccr')).toMatchObject({ status: 'FAILED', events: 0, error: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500 } });
    expect(page.sources.find((s) => s.source.name === 'modelarts')).toMatchObject({ status: 'OK', events: 25 });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'ccr' });

    stack.emulators.tencentCcr.setKnobs({ forceStatus: null, malformedBody: 'wrong-shape' });
    const garbage = await stack.gql(EventsPageDocument, { first: 5, filter: { sources: ['modelarts', 'ccr'] } });
    expect(garbage.data!.events.edges).toHaveLength(5);
    expect(garbage.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'ccr' });
  });

  describe('the native triggerLogs query', () => {
    it('passes offset, limit, order and orderBy through, with the upstream totalCount', async () => {
      const logs = stack.emulators.tencentCcr.logs(SEED_REPO);
      const asc = await stack.gql(TriggerLogsDocument, { source: 'ccr', repoName: SEED_REPO, offset: 10, limit: 7, order: 'ASC', orderBy: 'INVOKE_TIME' });
      expect(asc.errors).toBeUndefined();
      expect(asc.data!.triggerLogs).toMatchObject({ repoName: SEED_REPO, totalCount: logs.length, count: 7 });
      expect(asc.data!.triggerLogs.events.map((e) => e.raw)).toEqual(logs.slice(10, 17));
      const desc = await stack.gql(TriggerLogsDocument, { source: 'ccr', repoName: SEED_REPO, limit: 5, order: 'DESC' });
      expect(desc.data!.triggerLogs.events.map((e) => e.raw)).toEqual(logs.slice(-5).reverse());
      const byTrigger = await stack.gql(TriggerLogsDocument, { source: 'ccr', repoName: SEED_REPO, limit: 1000, order: 'ASC', orderBy: 'TRIGGER_NAME' });
      const names = byTrigger.data!.triggerLogs.events.map((e) => (e.__typename === 'TriggerEvent' ? e.triggerName : ''));
      expect(names).toEqual([...names].sort());
      const byDefault = await stack.gql(TriggerLogsDocument, { source: 'ccr-sha1' });
      expect(byDefault.data!.triggerLogs.count).toBe(20);
      const node = desc.data!.triggerLogs.events[0]!;
      expect((await stack.gql(EventByIdDocument, { id: node.id })).data!.event).toEqual(node);
    });

    it('answers bad arguments with BAD_USER_INPUT, before calling upstream', async () => {
      for (const variables of [
        { source: 'ccr', repoName: SEED_REPO, limit: 0 },
        { source: 'ccr', repoName: SEED_REPO, limit: 1001 },
        { source: 'ccr', repoName: SEED_REPO, offset: -1 },
        { source: 'ccr' },
        { repoName: SEED_REPO },
        { source: 'modelarts', repoName: SEED_REPO },
      ]) {
        const result = await stack.gql(TriggerLogsDocument, variables);
        expect(code(result), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      }
      // A repository outside the source's scope is refused as FORBIDDEN, with the same message
      // and no call either (docs/scopes.md).
      const outside = await stack.gql(TriggerLogsDocument, { source: 'ccr', repoName: 'other/repo' });
      expect(outside.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', argument: 'repoName' } });
      expect(outside.errors![0]!.message).toMatch(/^repository "other\/repo" is not in the scope of source "ccr" \(/);
      expect(stack.emulators.tencentCcr.requests().total).toBe(0);
    });
  });
});
