import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';

/*
 * Adaptive reads (src/timeline/read-plan.ts): a query read again asks each stream for about
 * the share of the page it gave last time, not for a whole page. A stream that gives more
 * than that is read on, within the same page, from the last event it gave. ModelArts has a
 * stream per service and says the page size in the query (`limit`), so the calls show it.
 */

const PAGE_QUERY = /* GraphQL */ `
  query ($first: Int!, $order: SortDirection, $filter: EventFilter) {
    events(first: $first, order: $order, filter: $filter) {
      edges { node { id occurredAt } }
      sources { upstreamCalls }
    }
  }
`;

interface Page {
  events: { edges: Array<{ node: { id: string; occurredAt: string } }>; sources: Array<{ upstreamCalls: number }> };
}

interface EventCall {
  service: string;
  limit: number;
}

describe('adaptive reads', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ emulators: { seed: 5 } });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.modelarts.reset());

  const page = async (first: number, order: 'ASC' | 'DESC' = 'DESC', filter: Record<string, unknown> = {}) => {
    stack.emulators.modelarts.resetRequests();
    const result = await stack.gql<Page, { first: number; order: string; filter: Record<string, unknown> }>(PAGE_QUERY, { first, order, filter });
    expect(result.errors).toBeUndefined();
    const calls: EventCall[] = stack.emulators.modelarts
      .requests()
      .recent.filter((request) => request.path.endsWith('/events'))
      .map((request) => ({ service: request.path.split('/').at(-2)!, limit: Number(new URLSearchParams(request.query).get('limit')) }));
    return { ids: result.data!.events.edges.map((edge) => edge.node.id), at: result.data!.events.edges.map((edge) => Date.parse(edge.node.occurredAt)), calls };
  };

  it('a query read again asks each stream for about what it gave, and gets the same page', async () => {
    for (const order of ['DESC', 'ASC'] as const) {
      const first = await page(20, order);
      const services = new Set(first.calls.map((call) => call.service)).size;
      expect(services).toBeGreaterThan(3);
      expect(first.calls).toHaveLength(services);
      expect(first.calls.every((call) => call.limit === 22)).toBe(true);

      const again = await page(20, order);
      expect(again.ids).toEqual(first.ids);
      // One call per stream still, each for less than a whole page where the stream gave
      // less: in all, far less than a whole page per stream.
      expect(again.calls).toHaveLength(services);
      expect(again.calls.every((call) => call.limit <= 22)).toBe(true);
      const asked = again.calls.reduce((sum, call) => sum + call.limit, 0);
      expect(asked).toBeLessThan((services * 22) / 2);
    }
  });

  it('a moving time window keeps the plan: a dashboard refreshing "the last hour" reads as planned', async () => {
    const until = (shift: number) => ({ until: new Date(ANCHOR - 3_600_000 + shift).toISOString() });
    await page(12, 'DESC', until(0));
    const learned = await page(12, 'DESC', until(0));
    const moved = await page(12, 'DESC', until(60_000));
    const limits = (calls: EventCall[]) => Object.fromEntries(calls.map((call) => [call.service, call.limit]));
    expect(limits(moved.calls)).toEqual(limits(learned.calls));
    expect(moved.calls.some((call) => call.limit < 14)).toBe(true);
  });

  it('a stream that gives more than planned is read on from the last event it gave, within the page', async () => {
    await page(15);
    const learned = await page(15);
    const smallest = learned.calls.reduce((a, b) => (b.limit < a.limit ? b : a));
    expect(smallest.limit).toBeLessThan(17);

    // Twenty events newer than any other land in the stream that was planned the least.
    const newest = Math.max(...learned.at);
    const landed = Array.from({ length: 20 }, (_, i) => newest + (i + 1) * 1000);
    expect(Math.max(...landed)).toBeLessThan(Date.now());
    expect(Math.max(...landed)).toBeGreaterThan(ANCHOR - 30 * 86_400_000);
    stack.emulators.modelarts.appendEvents(
      smallest.service,
      landed.map((at) => ({ occur_time: at, event_type: 'normal', event_info: `landed at ${at}` })),
    );

    const surprised = await page(15);
    // The page is the fifteen newest events: all of them from that stream.
    expect(surprised.at).toEqual(landed.slice(-15).reverse());
    // That stream was asked twice, the second time for all the page could still take; every
    // other stream once.
    const mine = surprised.calls.filter((call) => call.service === smallest.service);
    expect(mine.map((call) => call.limit)).toEqual([smallest.limit, expect.any(Number)]);
    expect(mine[1]!.limit).toBeGreaterThan(15 - smallest.limit);
    expect(surprised.calls).toHaveLength(learned.calls.length + 1);

    // Next time the plan asks that stream for a whole page, in one call.
    const planned = await page(15);
    expect(planned.ids).toEqual(surprised.ids);
    expect(planned.calls.filter((call) => call.service === smallest.service)).toEqual([{ service: smallest.service, limit: 17 }]);
    expect(planned.calls).toHaveLength(learned.calls.length);
  });
});
