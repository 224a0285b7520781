import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import type { ArrivingRequest, RequestListener } from '../../src/emulators/common/emulator.app.js';
import { ANCHOR, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';
import { oracleEvents, oracleKey, walkedKey, WALK_QUERY, type Order, type Scope, type WalkPage } from '../helpers/timeline-oracle.js';

/*
 * Snapshot consistency inside ONE page request (docs/api.md, "Snapshots"; the issue: "Events that
 * arrive upstream while a client pages are neither duplicated nor skipped, nor do they shift
 * the pages of offset-based upstreams"). snapshot.integration.test.ts appends between page
 * requests; here records land between two upstream calls of the same stream, while the
 * server is building one page, through the emulators' `onRequest` hook:
 *
 * - ModelArts pages by page index, bk-repo by page number, HSS by record offset with no sort
 *   parameter (newest first; oldest first is read from the end with `total_num`), Tencent
 *   CCR by offset with no time filter. A record landing in the part of the window a stream
 *   has not read yet, or in the part it has, moves every later offset or page by one.
 * - A local-only filter (`search`, which no upstream applies) that one record in three
 *   passes makes one page of 6 read several upstream pages of 7 from the same stream.
 * - On the stream's 2nd call, before it is answered, the test appends, in pairs: records
 *   newer than `asOf` (one second after it, and an hour after now), and late arrivals
 *   stamped inside the window, behind the read position (already read), at it (its last
 *   millisecond), and ahead of it (about to be read, and further on). Each of these kinds
 *   alone, and all together: a stream that assumes where records land (all newer, say) is
 *   right for some mixes and skips or repeats for others. And each with the marked records
 *   (the ones the filter keeps, so the ones a skip or a repeat can show on) in each of
 *   three phases, so that the records at the edges of the first upstream page are visible
 *   in one of them.
 *
 * The page must hold no id or record twice and nothing newer than `asOf`; without the late
 * arrivals (whether one appears is unspecified, docs/api.md, "Snapshots"), it must be exactly the
 * brute-force answer from the data as it was when the page began, from its first event on,
 * none skipped, and the very events (same ids, same order) that the same request gives
 * when nothing arrives; and the whole page must be in the total order (occurredAt, id: one
 * stream).
 */

const MARK = 'zqxmark';
const PAGE = 6;
/** What the merge asks of a stream for a page of PAGE: the upstream page size. */
const UPSTREAM_PAGE = PAGE + 2;
const BLOCK = 90;
const SERVICE_INFO = 'during-page test';
const TENCENT_REPO = 'kubetest/kubetest';
const BKREPO_REPO = 'generic-local';
const BKREPO_TYPE = 'NODE_DOWNLOADED';

/** `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai, as CCR writes invokeTime. */
const shanghaiText = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

interface Upstream {
  /** The configured source's name. */
  source: string;
  /** Listens on the emulator that serves the stream. */
  onRequest(emulators: RunningEmulators, listener: RequestListener): () => void;
  /** Whether a request is a read of the stream under test. */
  isStreamRead(request: ArrivingRequest): boolean;
  /** Appends records at `at` (whole seconds: CCR's resolution), marked for the `search` filter or not. */
  append(emulators: RunningEmulators, records: { at: number; tag: string; marked: boolean }[]): void;
  /** The times of every record of the stream, as the emulator holds them now. */
  times(emulators: RunningEmulators): number[];
}

let serviceId = '';

const UPSTREAMS: Record<string, Upstream> = {
  'ModelArts (page index)': {
    source: 'modelarts',
    onRequest: (e, listener) => e.modelarts.onRequest(listener),
    isStreamRead: (r) => r.path.endsWith(`/services/${serviceId}/events`),
    append: (e, records) =>
      e.modelarts.appendEvents(
        serviceId,
        records.map(({ at, tag, marked }) => ({
          occur_time: at,
          event_type: marked ? 'abnormal' : 'normal',
          event_info: `${marked ? MARK : 'filler'} ${SERVICE_INFO} ${tag}`,
        })),
      ),
    times: (e) => e.modelarts.events(serviceId).map((event) => event.occur_time),
  },
  'bk-repo (page number)': {
    source: 'bkrepo',
    onRequest: (e, listener) => e.bkrepo.onRequest(listener),
    isStreamRead: (r) => r.path === '/repository/api/log/list',
    append: (e, records) =>
      e.bkrepo.appendRecords(
        records.map(({ at, tag, marked }) => ({
          at,
          type: BKREPO_TYPE,
          projectId: 'test',
          repoName: BKREPO_REPO,
          resourceKey: `/${marked ? MARK : 'filler'}/${tag}.bin`,
          userId: 'during-page',
          clientAddress: '192.0.2.9',
          description: { tag },
        })),
      ),
    times: (e) =>
      e.bkrepo
        .records()
        .filter((r) => r.projectId === 'test' && r.repoName === BKREPO_REPO && r.type === BKREPO_TYPE)
        .map((r) => r.at),
  },
  'HSS (offset, no sort)': {
    source: 'hss',
    onRequest: (e, listener) => e.hss.onRequest(listener),
    isStreamRead: (r) => r.path.endsWith('/container/image/events'),
    append: (e, records) =>
      e.hss.appendEvents(
        records.map(({ at, tag, marked }) => ({
          resource_name: `${marked ? MARK : 'filler'}/${tag}`,
          resource_type: 'image',
          event_name: 'push',
          event_id: `during-page-${tag}`,
          event_type: 'image_push',
          source_ip: '192.0.2.9',
          user_name: 'during-page',
          time: at,
          content: tag,
        })),
      ),
    times: (e) => e.hss.events().map((event) => event.time),
  },
  'Tencent CCR (offset, no time filter)': {
    source: 'ccr',
    onRequest: (e, listener) => e.tencentCcr.onRequest(listener),
    isStreamRead: (r) => r.path === '/v2/index.php',
    append: (e, records) => {
      for (const { at, tag, marked } of records) {
        e.tencentCcr.appendLogs(TENCENT_REPO, [
          {
            repoName: TENCENT_REPO,
            tagName: `${marked ? MARK : 'filler'}-${tag}`,
            triggerName: 'during-page',
            invokeSource: 'IMAGE_PUSH',
            invokeAction: 'SERVICE_UPDATE',
            invokeTime: shanghaiText(at),
            invokeCondition: { invokeMethod: 'all', invokeExpr: '' },
            invokePara: {
              appId: '1254119589',
              clusterId: 'cls-during',
              namespace: 'default',
              serviceName: 'during',
              containerName: 'app',
              clusterRegion: 1,
            },
            invokeResult: { returnCode: 0, returnMsg: 'ok' },
          },
        ]);
      }
    },
    times: (e) => e.tencentCcr.logs(TENCENT_REPO).map((log) => Date.parse(`${log.invokeTime.replace(' ', 'T')}+08:00`)),
  },
};

/**
 * Two blocks of BLOCK records, one older and one newer than the whole seeded history, so
 * that a first page reads in a part whose layout the test knows whatever the order: one
 * record in three marked (never two marked in one second), and every fourth record in the
 * second of the one before it (ties that straddle upstream pages).
 */
function seedBlocks(emulators: RunningEmulators, upstream: Upstream, phase: number): void {
  const blocks = [
    { name: 'old', base: Date.UTC(2018, 0, 1, 0, 0, 0) },
    { name: 'new', base: ANCHOR + 60_000 },
  ];
  for (const { name, base } of blocks) {
    const records = Array.from({ length: BLOCK }, (_, j) => ({
      at: base + 37_000 * (j - Math.floor(j / 4)),
      tag: `base-${name}-${j}`,
      marked: j % 3 === phase,
    }));
    upstream.append(emulators, records);
  }
}

interface Appended {
  tag: string;
  at: number;
}

type Kind = 'behind' | 'ahead' | 'future';
const MIXES: readonly (readonly Kind[])[] = [['behind'], ['ahead'], ['future'], ['behind', 'ahead', 'future']];

/**
 * Appends, in pairs, the records of the given kinds that land during the page (see the
 * header). `read` is the stream's records in the page's window in read order (times), the
 * first UPSTREAM_PAGE of them what the first call read; `asOf` the snapshot time or, on a
 * first page, a time at or after it.
 */
function appendDuring(emulators: RunningEmulators, upstream: Upstream, kinds: readonly Kind[], read: number[], asOf: number): Appended[] {
  const p = UPSTREAM_PAGE;
  const positions: [Kind, string, number | undefined][] = [
    ['behind', 'late-behind-far', read[0]],
    ['behind', 'late-behind-near', read[p - 2]],
    ['behind', 'late-at', read[p - 1]],
    ['ahead', 'late-ahead-near', read[p]],
    ['ahead', 'late-ahead-next', read[p + 1]],
    ['ahead', 'late-ahead-far', read[p + 8]],
    ['future', 'future-just-after', Math.floor(asOf / 1000) * 1000 + 1000],
    ['future', 'future-far', Math.floor(Date.now() / 1000) * 1000 + 3600_000],
  ];
  const appended: Appended[] = [];
  for (const [kind, name, at] of positions) {
    if (at === undefined || !kinds.includes(kind)) continue;
    for (const i of [0, 1]) appended.push({ tag: `${name}-${i}`, at });
  }
  upstream.append(
    emulators,
    appended.map(({ tag, at }) => ({ tag, at, marked: true })),
  );
  return appended;
}

/** Whether a record is one of those appended during the page. */
const isAppended = (raw: Record<string, unknown>) => /(late|future)-[a-z-]+-\d/.test(JSON.stringify(raw));
/** A short name of a record, for messages. */
const tagOf = (raw: Record<string, unknown>) => JSON.stringify(raw).match(/(base|late|future)-[a-z-]+-?\d+/)?.[0] ?? '?';

const PAGE_QUERY = WALK_QUERY.replace('sources { source { name } status', 'sources { source { name } status upstreamCalls');

interface Page extends WalkPage {
  sources: (WalkPage['sources'][number] & { upstreamCalls: number })[];
}

describe('events: records that land upstream between two calls of one page request', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 5, now: ANCHOR, scale: 0.03 },
      sources: (emulators) => {
        serviceId = [...emulators.modelarts.summaries()].sort((a, b) => a.event_count - b.event_count)[0]!.service_id;
        const huawei = DEMO_CREDENTIALS.huawei;
        const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };
        return [
          modelArtsSource(emulators, { name: 'modelarts', scope: { projectId: huawei.projectId, services: [serviceId] } }),
          tencentSource(emulators, { name: 'ccr', scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: [TENCENT_REPO] } }),
          {
            name: 'hss',
            kind: 'huawei-hss',
            endpoint: emulators.hss.url,
            credentials: aksk,
            scope: { projectId: huawei.projectId },
            http: { retries: 0 },
          },
          {
            name: 'bkrepo',
            kind: 'bkrepo',
            endpoint: emulators.bkrepo.url,
            credentials: { type: 'basic', username: DEMO_CREDENTIALS.bkrepo.user, password: DEMO_CREDENTIALS.bkrepo.password },
            scope: { projectId: 'test', repositories: [BKREPO_REPO], eventTypes: [BKREPO_TYPE], resourceKeyPrefix: '*' },
            http: { retries: 0 },
          },
        ];
      },
    });
  });
  afterAll(() => stack.close());

  const scope = (): Scope => ({ services: [serviceId], repositories: [TENCENT_REPO], bkrepoRepositories: [BKREPO_REPO] });

  async function page(order: Order, source: string, after?: string): Promise<Page> {
    const variables = { first: PAGE, after, order, filter: { sources: [source], search: MARK } };
    const result = await stack.gql<{ events: Page }, typeof variables>(PAGE_QUERY, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!.events;
  }

  /**
   * One page request with records landing on the stream's 2nd call, against the brute-force
   * answer and the same request with nothing landing. Returns what is wrong, as text.
   */
  async function scenario(upstream: Upstream, order: Order, afterCursor: boolean, phase: number, kinds: readonly Kind[]): Promise<string[]> {
    const { emulators } = stack;
    for (const emulator of [emulators.modelarts, emulators.tencentCcr, emulators.hss, emulators.csms, emulators.bkrepo]) emulator.reset();
    seedBlocks(emulators, upstream, phase);
    const ascending = order === 'ASC';

    let after: string | undefined;
    let from: number | undefined;
    let asOf: number | undefined;
    if (afterCursor) {
      const first = await page(order, upstream.source);
      if (first.edges.length !== PAGE) return [`the page before the cursor has ${first.edges.length} events`];
      after = first.pageInfo.endCursor!;
      from = Date.parse(first.edges.at(-1)!.node.occurredAt);
      asOf = Date.parse(first.asOf);
    }

    // The brute-force answer, from the data as it is when the page begins (marked records
    // never share a millisecond, so the cursor's own is done with).
    const expected = oracleEvents(emulators, scope())
      .filter((e) => e.source === upstream.source && JSON.stringify(e.raw).includes(MARK))
      .filter((e) => from === undefined || (ascending ? e.occurredAt > from : e.occurredAt < from))
      .sort((a, b) => (ascending ? a.occurredAt - b.occurredAt : b.occurredAt - a.occurredAt));
    if (expected.length <= PAGE) return [`only ${expected.length} events expected`];
    // The same request with nothing landing: the events and ids the page must keep.
    const control = await page(order, upstream.source, after);
    const controlProblems = sameRecords(
      control.edges.map((edge) => walkedKey(edge.node)),
      expected.slice(0, PAGE).map(oracleKey),
    );
    if (controlProblems) return [`with nothing landing: ${controlProblems}`];

    const read = upstream
      .times(emulators)
      .filter((at) => from === undefined || (ascending ? at >= from : at <= from))
      .sort((a, b) => (ascending ? a - b : b - a));
    let reads = 0;
    let appended: Appended[] = [];
    const off = upstream.onRequest(emulators, (request) => {
      if (!upstream.isStreamRead(request)) return;
      reads += 1;
      if (reads === 2) appended = appendDuring(emulators, upstream, kinds, read, asOf ?? Date.now());
    });
    let result: Page;
    try {
      result = await page(order, upstream.source, after);
    } finally {
      off();
    }

    const problems: string[] = [];
    const report = result.sources.find((s) => s.source.name === upstream.source)!;
    // At least two reads of the stream, with the records landing in between.
    if (reads < 2 || report.upstreamCalls < 2 || appended.length === 0) {
      problems.push(`${reads} reads (${report.upstreamCalls} upstream calls), ${appended.length} records appended`);
    }
    if (report.status !== 'OK') problems.push(`source ${report.status}: ${report.error?.message}`);
    if (asOf !== undefined && Date.parse(result.asOf) !== asOf) problems.push(`asOf moved to ${result.asOf}`);
    const pinned = Date.parse(result.asOf);

    const events = result.edges.map((edge) => edge.node);
    const named = (e: (typeof events)[number]) => `${e.occurredAt} ${tagOf(e.raw)}`;
    // Nothing twice: neither an id nor a record under two ids.
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const e of events) {
      if (ids.has(e.id)) problems.push(`id twice: ${named(e)}`);
      if (keys.has(walkedKey(e))) problems.push(`record twice, under two ids: ${named(e)}`);
      ids.add(e.id);
      keys.add(walkedKey(e));
    }
    // Nothing newer than the snapshot.
    for (const e of events) if (Date.parse(e.occurredAt) > pinned) problems.push(`after asOf: ${named(e)}`);
    // The total order: occurredAt, then id (one stream).
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!, events[i]!];
      const byTime = Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
      const step = byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      if ((ascending ? step : -step) >= 0) problems.push(`out of order at ${i}: ${named(a)}, then ${named(b)}`);
    }
    // Without the records that landed: exactly the snapshot from its first event on, the
    // same ids as with nothing landing, and a full page but for the landed ones it holds.
    const kept = events.filter((e) => !isAppended(e.raw));
    const keptProblems = sameRecords(kept.map(walkedKey), expected.slice(0, kept.length).map(oracleKey));
    if (keptProblems) problems.push(`not the snapshot: ${keptProblems}`);
    const controlIds = control.edges.slice(0, kept.length).map((edge) => edge.node.id);
    if (kept.some((e, i) => e.id !== controlIds[i])) problems.push('other ids than with nothing landing');
    if (events.length !== PAGE) problems.push(`${events.length} events on a page of ${PAGE}`);
    return problems;
  }

  for (const [label, upstream] of Object.entries(UPSTREAMS)) {
    for (const order of ['ASC', 'DESC'] as const) {
      for (const where of ['first page', 'page after a cursor'] as const) {
        it(`${label}, ${order}, ${where}: no record twice, none skipped, nothing after asOf, in total order`, async () => {
          const failures: string[] = [];
          for (const kinds of MIXES) {
            for (const phase of [0, 1, 2]) {
              const problems = await scenario(upstream, order, where === 'page after a cursor', phase, kinds).catch((error: Error) => [
                error.message,
              ]);
              for (const problem of problems) failures.push(`[${kinds.join('+')} landing, marked phase ${phase}] ${problem}`);
            }
          }
          expect(failures).toEqual([]);
        });
      }
    }
  }
});

/** Undefined when the two lists of record keys are the same; else where they part. */
function sameRecords(got: string[], want: string[]): string | undefined {
  const short = (key: string | undefined) =>
    key === undefined ? 'nothing' : `${new Date(Number(key.split('|')[0])).toISOString()} ${key.match(/(base|late|future)-[a-z-]+-?\d+/)?.[0] ?? key}`;
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) return `at ${i}: ${short(got[i])}, expected ${short(want[i])}`;
  }
  return undefined;
}
