import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import {
  appendOracleEvent,
  diffAgainstOracle,
  fiveSources,
  oracleEvents,
  oracleKey,
  walk,
  walkedKey,
  type OracleEvent,
  type Order,
  type Scope,
  type WalkPage,
} from '../helpers/timeline-oracle.js';

/*
 * Snapshot consistency (docs/api.md, "Snapshots"): the first page pins `asOf`, and a walk reads the
 * timeline as it was then, while every upstream keeps receiving events between the page
 * requests. Appended are, after every page and in every emulator:
 * - events newer than `asOf`: never in the walk, and they must not shift it;
 * - late arrivals, stamped before `asOf` but appended after it: just behind the walk's
 *   position, exactly at it, and just ahead of it. They land in the middle of the history, so
 *   they move the offsets of Tencent CCR (offset over invoke_time), HSS (offset, newest first)
 *   and bk-repo (page numbers) and the page indices of ModelArts. The docs guarantee that
 *   they never shift, drop or repeat another event, and that each appears at most once, in
 *   its place in the order; whether one appears is unspecified.
 */

const PAGE_SIZE = 13;
const SCOPE_REPOS = ['generic-local', 'maven-local', 'docker-local'];


const KINDS = VENDORS.map((module) => module.configKind);

/** Appends one event at `at` to every emulator in scope (or to those named), each recognisable by `tag`. */
function appendEverywhere(emulators: RunningEmulators, scope: Scope, tag: string, at: number, only: readonly string[] = KINDS): void {
  for (const kind of only) appendOracleEvent(emulators, scope, kind, tag, at);
}

describe('events: a walk reads the snapshot of its first page while events arrive', () => {
  let stack: Stack;
  let scope: Scope;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 11, now: ANCHOR, scale: 0.03 },
      // CSMS read afresh for every page, so that its appended records reach the walk.
      sources: (emulators) => fiveSources(emulators, scopeOf(emulators), { csmsCacheTtlSeconds: 0 }),
    });
    scope = scopeOf(stack.emulators);
  });
  afterAll(() => stack.close());
  afterEach(() => {
    const { modelarts, tencentCcr, hss, csms, bkrepo } = stack.emulators;
    for (const emulator of [modelarts, tencentCcr, hss, csms, bkrepo]) emulator.reset();
  });

  const cases: { order: Order; direction: 'forward' | 'backward' }[] = [
    { order: 'DESC', direction: 'forward' },
    { order: 'ASC', direction: 'forward' },
    { order: 'DESC', direction: 'backward' },
  ];

  for (const { order, direction } of cases) {
    it(`${order}, ${direction === 'forward' ? 'first/after' : 'last/before'}: exactly the events of asOf, each once, in order`, async () => {
      const snapshot = oracleEvents(stack.emulators, scope);
      expect(snapshot.length).toBeGreaterThan(100);
      // The walk reads ascending in time when the order and the direction agree.
      const readsAscending = (order === 'ASC') === (direction === 'forward');
      let asOf = 0;
      let round = 0;
      const between = (page: WalkPage) => {
        asOf ||= Date.parse(page.asOf);
        const edge = direction === 'forward' ? page.edges.at(-1)! : page.edges[0]!;
        const at = Date.parse(edge.node.occurredAt);
        const step = readsAscending ? 1 : -1;
        round += 1;
        appendEverywhere(stack.emulators, scope, `future-${round}`, asOf + 3600_000 + round * 1000);
        // Just after asOf, on a whole second: CCR's resolution still tells it from asOf.
        appendEverywhere(stack.emulators, scope, `just-after-${round}`, Math.floor(asOf / 1000) * 1000 + 1000 + round);
        // Late arrivals into one upstream per page, in turn: into all of them, they would
        // outrun a walk that picks them up ahead of its position.
        const one = [KINDS[round % KINDS.length]!];
        appendEverywhere(stack.emulators, scope, `late-behind-${round}`, at - step * 1000, one);
        appendEverywhere(stack.emulators, scope, `late-at-${round}`, at, one);
        appendEverywhere(stack.emulators, scope, `late-ahead-${round}`, at + step * 1000, one);
      };

      const result = await walk(stack, { order, pageSize: PAGE_SIZE, direction, between });
      expect(round).toBeGreaterThan(15);
      expect(result.pages.every((page) => page.sources.every((s) => s.status === 'OK'))).toBe(true);
      expect(Date.parse(result.pages[0]!.asOf)).toBe(asOf);

      const now = oracleEvents(stack.emulators, scope);
      const before = new Set(snapshot.map(oracleKey));
      const appended = new Map(now.filter((e) => !before.has(oracleKey(e))).map((e) => [oracleKey(e), e]));
      expect(appended.size).toBe(round * (2 * 5 + 3));
      const late = new Map([...appended].filter(([, e]) => e.occurredAt <= asOf));
      expect(late.size).toBe(round * 3);

      // Nothing stamped after asOf, appended or not.
      expect(result.events.filter((e) => Date.parse(e.occurredAt) > asOf)).toEqual([]);
      // The snapshot exactly: every event once, in order, none shifted, dropped or repeated.
      const kept = result.events.filter((e) => !late.has(walkedKey(e)));
      expect(diffAgainstOracle(kept, snapshot, order)).toEqual([]);
      expect(result.pages[0]!.totalCount).toBe(snapshot.length);
      // Late arrivals: at most once each, in their place in the order.
      expect(new Set(result.events.map((e) => e.id)).size).toBe(result.events.length);
      const lateSeen = result.events.filter((e) => late.has(walkedKey(e)));
      expect(new Set(lateSeen.map(walkedKey)).size).toBe(lateSeen.length);
      const times = result.events.map((e) => Date.parse(e.occurredAt));
      expect(times.every((t, i) => i === 0 || (order === 'ASC' ? t >= times[i - 1]! : t <= times[i - 1]!))).toBe(true);
      // None of those stamped behind the walk's position can be in it.
      const behindTags = lateSeen.filter((e) => JSON.stringify(e.raw).includes('late-behind-'));
      expect(behindTags).toEqual([]);
    });
  }

  it('a fresh walk after the appends sees the late arrivals and not the future events', async () => {
    const first = await stack.gql<{ events: WalkPage }, unknown>(
      /* GraphQL */ `{ events(first: 1) { asOf totalCount edges { node { id occurredAt } } } }`,
    );
    const asOf = Date.parse(first.data!.events.asOf);
    appendEverywhere(stack.emulators, scope, 'future-fresh', asOf + 3600_000);
    appendEverywhere(stack.emulators, scope, 'late-fresh', asOf - 3600_000);
    const expected = oracleEvents(stack.emulators, scope).filter((e: OracleEvent) => e.occurredAt <= Date.now());
    const result = await walk(stack, { order: 'DESC', pageSize: 200, direction: 'forward' });
    expect(diffAgainstOracle(result.events, expected, 'DESC')).toEqual([]);
    expect(result.pages[0]!.totalCount).toBe(expected.length);
  });
});

function scopeOf(emulators: RunningEmulators): Scope {
  const services = emulators.modelarts
    .services()
    .map((s) => s.service_id)
    .filter((id) => emulators.modelarts.events(id).length <= 300);
  return { services, repositories: emulators.tencentCcr.repositories(), bkrepoRepositories: SCOPE_REPOS };
}
