import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatInvokeTime, parseInvokeTime, type TriggerLog } from '../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';
import { diffAgainstOracle, oracleEvents, walk, WALK_QUERY, type Order, type WalkPage } from '../helpers/timeline-oracle.js';

/*
 * ListTriggerLog cannot seek by time, so a page that resumes from a cursor would have to
 * binary-search the offsets of every repository again. The cursor carries each stream's
 * upstream offset instead: a deep page costs what a first page costs. The offset is a hint
 * the next page checks, so records that arrive between pages and move the offsets never
 * change what a walk returns.
 */

const PAGE = 20;
/** The stream's page size: what the merge may take from it, the look-ahead and the one after it included. */
const UPSTREAM_PAGE = PAGE + 2;
/** As `startStack` configures the server, to forge cursors with other positions. */
const CURSOR_SECRET = 'integration-test-cursor-secret';
const FILTER = { sources: ['ccr'] };

interface Case {
  order: Order;
  direction: 'forward' | 'backward';
}
const CASES: Case[] = [
  { order: 'ASC', direction: 'forward' },
  { order: 'DESC', direction: 'forward' },
  { order: 'DESC', direction: 'backward' },
];
const label = ({ order, direction }: Case) => `${order}, ${direction === 'forward' ? 'first/after' : 'last/before'}`;
/** A page reads upstream in time order when the order and the direction agree. */
const readsAscending = ({ order, direction }: Case) => (order === 'ASC') === (direction === 'forward');

interface Call {
  repo: string;
  offset: number;
  limit: number;
  order: string;
}

describe('Tencent CCR: the cursor carries each stream\'s upstream position', () => {
  let stack: Stack;
  let repos: string[];
  const codec = new CursorCodec(CURSOR_SECRET);

  beforeAll(async () => {
    // Every stream asked for a whole page, so that the calls of a page are the positions'
    // doing alone; the read plan's own calls are tested in read-plan.integration.test.ts.
    stack = await startStack({ sources: (emulators) => [tencentSource(emulators)], server: { adaptiveReads: false } });
    repos = stack.emulators.tencentCcr.repositories();
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.tencentCcr.reset());

  /** The ListTriggerLog calls since the last look, and forgets them. */
  const takeCalls = (): Call[] => {
    const calls = stack.emulators.tencentCcr.requests().recent.map((request) => {
      const params = new URLSearchParams(request.query);
      return { repo: params.get('reponame')!, offset: Number(params.get('offset')), limit: Number(params.get('limit')), order: params.get('order')! };
    });
    stack.emulators.tencentCcr.resetRequests();
    return calls;
  };
  const callsOf = (calls: Call[], repo: string) => calls.filter((call) => call.repo === repo);

  const page = async (c: Case, cursor: string | undefined): Promise<WalkPage> => {
    const variables = c.direction === 'forward' ? { first: PAGE, after: cursor, filter: FILTER, order: c.order } : { last: PAGE, before: cursor, filter: FILTER, order: c.order };
    const result = await stack.gql<{ events: WalkPage }, typeof variables>(WALK_QUERY, variables);
    expect(result.errors).toBeUndefined();
    return result.data!.events;
  };
  /** The cursor to the next page, and the instant it stands at. */
  const nextOf = (c: Case, p: WalkPage) => {
    const edge = c.direction === 'forward' ? p.edges.at(-1)! : p.edges[0]!;
    return { cursor: edge.cursor, at: Date.parse(edge.node.occurredAt) };
  };
  /** Brute force: the offset, in the read order, of the first record of a repository reached from `at`. */
  const landing = (repo: string, at: number, ascending: boolean): number => {
    const times = stack.emulators.tencentCcr.logs(repo).map((log) => parseInvokeTime(log.invokeTime) * 1000);
    return ascending ? times.filter((t) => t < at).length : times.filter((t) => t > at).length;
  };
  const withPositions = (cursor: string, argument: 'after' | 'before', positions: (position: readonly number[]) => readonly number[] | undefined) => {
    const state = codec.decode(cursor, argument);
    const changed: Record<string, readonly number[]> = {};
    for (const [stream, position] of Object.entries(state.positions)) {
      const next = positions(position);
      if (next !== undefined) changed[stream] = next;
    }
    return codec.encode({ ...state, positions: changed });
  };

  for (const c of CASES) {
    it(`a deep page costs one call per stream, where the cursor says each one starts (${label(c)})`, async () => {
      const ascending = readsAscending(c);
      let cursor: string | undefined;
      let at = 0;
      let deepCursor: string | undefined;
      let deepIds: string[] = [];
      let firstPageCalls: Call[] = [];
      for (let index = 0; index <= 30; index++) {
        takeCalls();
        const p = await page(c, cursor);
        const calls = takeCalls();
        expect(p.edges).toHaveLength(PAGE);
        if (index === 0) firstPageCalls = calls;
        else {
          // No search on any page of the walk: each stream reads on from just before its
          // start, page after page, and the first record read is the one before the start.
          for (const repo of repos) {
            const mine = callsOf(calls, repo);
            const start = landing(repo, at, ascending);
            expect(mine.length, `page ${index} ${repo}`).toBeGreaterThan(0);
            expect(mine.map((call) => call.offset), `page ${index} ${repo}`).toEqual(mine.map((_, i) => Math.max(0, start - 1) + i * UPSTREAM_PAGE));
            expect(mine.every((call) => call.limit === UPSTREAM_PAGE && call.order === (ascending ? 'asc' : 'desc'))).toBe(true);
          }
        }
        if (index === 30) {
          // Page 31 costs one call per stream, no more than the first page's reads (the
          // first page may also look at the newest record, for totalCount).
          expect(calls).toHaveLength(repos.length);
          for (const repo of repos) {
            const firstReads = callsOf(firstPageCalls, repo).filter((call) => call.limit === UPSTREAM_PAGE);
            expect(callsOf(calls, repo).length, repo).toBeLessThanOrEqual(firstReads.length);
          }
          deepIds = p.edges.map((edge) => edge.node.id);
          break;
        }
        ({ cursor, at } = nextOf(c, p));
        deepCursor = cursor;
      }

      // The same page from a cursor without positions: the search the positions save.
      const argument = c.direction === 'forward' ? 'after' : 'before';
      const blind = await page(c, withPositions(deepCursor!, argument, () => undefined));
      const searched = takeCalls();
      expect(blind.edges.map((edge) => edge.node.id)).toEqual(deepIds);
      for (const repo of repos) expect(callsOf(searched, repo).length, repo).toBeGreaterThanOrEqual(2);
      expect(searched.length).toBeGreaterThanOrEqual(3 * repos.length);
    });
  }

  for (const c of CASES) {
    it(`ignores positions of the other order, malformed ones and ones that do not hold (${label(c)})`, async () => {
      let cursor: string | undefined;
      for (let index = 0; index < 25; index++) cursor = nextOf(c, await page(c, cursor)).cursor;
      takeCalls();
      const honest = await page(c, cursor);
      const honestCalls = takeCalls();
      expect(honestCalls).toHaveLength(repos.length);
      const argument = c.direction === 'forward' ? 'after' : 'before';
      const forgeries: Array<(p: readonly number[]) => readonly number[]> = [
        ([order, offset, total]) => [1 - order!, offset!, total!],
        ([order, offset, total]) => [order!, offset! + 1, total!],
        ([order, offset, total]) => [order!, offset! + 2 * UPSTREAM_PAGE, total!],
        ([order, offset, total]) => [order!, Math.max(0, offset! - 2 * UPSTREAM_PAGE), total!],
        ([order, , total]) => [order!, total!, total!],
        ([order, , total]) => [order!, 0, total!],
        ([order, offset, total]) => [order!, offset!, total! + 50],
        ([order, offset, total]) => [order!, offset!, total! - 50],
        ([order, , total]) => [order!, -3, total!],
        ([order, offset, total]) => [order!, offset! + 0.5, total!],
        ([order, offset, total]) => [order!, offset!, total!, 7],
        ([order]) => [order!],
        () => [],
      ];
      for (const forge of forgeries) {
        const forged = await page(c, withPositions(cursor!, argument, forge));
        expect(forged.edges.map((edge) => edge.node.id), forge.toString()).toEqual(honest.edges.map((edge) => edge.node.id));
        expect(forged.sources.every((s) => s.status === 'OK')).toBe(true);
      }
    });
  }

  for (const c of CASES) {
    it(`gives exactly the events of asOf when records arriving between pages move every offset (${label(c)})`, async () => {
      const ascending = readsAscending(c);
      const reference = await walk(stack, { order: c.order, pageSize: PAGE, direction: c.direction, filter: FILTER });
      const expected = oracleEvents(stack.emulators, { services: [], repositories: repos, bkrepoRepositories: [] }).filter((e) => e.source === 'ccr');
      expect(diffAgainstOracle(reference.events, expected, c.order)).toEqual([]);

      let asOf = 0;
      const missed: number[] = [];
      const followed: number[] = [];
      const shiftBy = (index: number) => (index % 2 === 0 ? 3 : 2 * UPSTREAM_PAGE);
      const result = await walk(stack, {
        order: c.order,
        pageSize: PAGE,
        direction: c.direction,
        filter: FILTER,
        between: (p, index) => {
          asOf ||= Date.parse(p.asOf);
          const calls = takeCalls();
          if (index > 0) {
            // After a few arrivals the hinted page still holds each start; after many, the
            // search runs, within the bounds the missed page gives.
            const searched = repos.filter((repo) => callsOf(calls, repo).some((call, i, all) => i > 0 && call.offset !== all[i - 1]!.offset + UPSTREAM_PAGE));
            (shiftBy(index - 1) > UPSTREAM_PAGE ? missed : followed).push(searched.length);
          }
          // Behind the walk's position in its read order (never in the walk, but they move
          // every offset ahead of it when reading ascending, and arrive first when reading
          // descending), and after asOf (never in the walk either; first in desc order).
          const behind = ascending ? Date.UTC(2010, 0, 1) : ANCHOR + 86_400_000 + index * 1000;
          const future = asOf + 3600_000 + index * 1000;
          for (const repo of repos) {
            const arrivals = [...Array(shiftBy(index)).fill(behind), future].map((ms, i) => record(repo, `arrival-${index}-${i}`, ms));
            stack.emulators.tencentCcr.appendLogs(repo, arrivals);
          }
        },
      });
      expect(result.events.map((e) => e.id)).toEqual(reference.events.map((e) => e.id));
      // The test reaches both paths: hints that held through a few arrivals, and hints
      // that the arrivals defeated.
      expect(followed.length).toBeGreaterThan(10);
      expect(followed.every((n) => n === 0)).toBe(true);
      expect(missed.length).toBeGreaterThan(10);
      expect(missed.some((n) => n === repos.length)).toBe(true);
    });
  }
});

function record(repoName: string, tag: string, ms: number): TriggerLog {
  return {
    repoName,
    tagName: tag,
    triggerName: `positions-${tag}`,
    invokeSource: 'IMAGE_PUSH',
    invokeAction: 'SERVICE_UPDATE',
    invokeTime: formatInvokeTime(Math.floor(ms / 1000)),
    invokeCondition: { invokeMethod: 'all', invokeExpr: '' },
    invokePara: { appId: '1254119589', clusterId: 'cls-positions', namespace: 'default', serviceName: 'positions', containerName: 'app', clusterRegion: 1 },
    invokeResult: { returnCode: 0, returnMsg: 'ok' },
  };
}
