import { describe, expect, it } from 'vitest';
import { SortDirection, type EventRecord } from '../../src/model/event.model.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { compareEvents } from '../../src/timeline/event-order.js';
import { Lane } from '../../src/timeline/lane.js';
import { pageWant, readOnWant } from '../../src/timeline/read-contract.js';
import type { Stream, StreamChunk } from '../../src/timeline/stream.js';
import { SourceState, Timeline, type TimelinePage } from '../../src/timeline/timeline.js';
import { UpstreamCallCounts } from '../../src/upstream/upstream.calls.js';
import { HistoryStream, MemorySource, record, ScriptedStream, unavailable } from './memory-stream.js';

/*
 * The lane and the merge over in-memory streams: each contract between the timeline and its
 * streams, checked without HTTP.
 */

const UNTIL = 1_000_000;

function laneOver(stream: Stream, order = SortDirection.ASC, want = 10): Lane {
  return new Lane({
    stream,
    plan: stream.plan({}),
    query: { order, since: undefined, until: UNTIL, filter: {}, calls: new UpstreamCallCounts() },
    window: { until: UNTIL },
    start: undefined,
    startedBehind: false,
    resume: undefined,
    want,
    planned: false,
    localOnly: false,
  });
}

/** Everything the lane gives, as the merge would take it. */
async function drain(lane: Lane): Promise<EventRecord[]> {
  const taken: EventRecord[] = [];
  for (;;) {
    await lane.fill(readOnWant(100, taken.length));
    if (!lane.head()) return taken;
    taken.push(lane.take());
  }
}

const chunk = (events: EventRecord[], done = false): StreamChunk => ({ events, done });
const at = (stream: string, time: number, id: string) => record('mem', stream, time, id);
const ids = (events: readonly EventRecord[]) => events.map((event) => event.id);

function inOrder(events: readonly EventRecord[], order: SortDirection): EventRecord[] {
  return [...events].sort((a, b) => compareEvents(a, b, order));
}

function edgesOf(page: TimelinePage): string[] {
  return page.edges.map((edge) => `${edge.node.streamKey} ${edge.node.id}`);
}

describe('Lane', () => {
  it('drops events a later chunk repeats, behind the latest millisecond or by id within it', async () => {
    const stream = new ScriptedStream('mem', 's', [
      chunk([at('s', 1, 'a'), at('s', 2, 'b'), at('s', 3, 'c')]),
      // The offsets shifted by two: b and c come again, b behind the millisecond read, c in it.
      chunk([at('s', 2, 'b'), at('s', 3, 'c'), at('s', 3, 'd'), at('s', 4, 'e')]),
      chunk([at('s', 4, 'e'), at('s', 5, 'f')], true),
    ]);
    expect(ids(await drain(laneOver(stream)))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  for (const order of [SortDirection.ASC, SortDirection.DESC]) {
    it(`gives the ties of a millisecond that straddles two chunks in total order (${order})`, async () => {
      const t = (time: number) => (order === SortDirection.ASC ? time : 100 - time);
      // The upstream orders by time only: the ties of t(5) come c, a | b, across two calls.
      const stream = new ScriptedStream('mem', 's', [
        chunk([at('s', t(1), 'x'), at('s', t(5), 'c'), at('s', t(5), 'a')]),
        chunk([at('s', t(5), 'b'), at('s', t(6), 'y')], true),
      ]);
      const taken = await drain(laneOver(stream, order));
      expect(ids(taken)).toEqual(ids(inOrder(taken, order)));
      expect(ids(taken)).toEqual(order === SortDirection.ASC ? ['x', 'a', 'b', 'c', 'y'] : ['x', 'c', 'b', 'a', 'y']);
    });
  }

  it('holds nothing back once the stream is done', async () => {
    const stream = new ScriptedStream('mem', 's', [chunk([at('s', 1, 'a'), at('s', 2, 'b'), at('s', 2, 'c')], true)]);
    const lane = laneOver(stream);
    await lane.fill(10);
    expect(lane.head()?.id).toBe('a');
    lane.take();
    expect(ids([lane.take(), lane.take()])).toEqual(['b', 'c']);
    expect(lane.finished).toBe(true);
    expect(stream.calls).toBe(1);
  });

  it('ends on a failed read with the error, without throwing', async () => {
    const stream = new ScriptedStream('mem', 's', [chunk([at('s', 1, 'a'), at('s', 2, 'b')]), unavailable('mem')]);
    const lane = laneOver(stream);
    const taken = await drain(lane);
    expect(ids(taken)).toEqual(['a']);
    expect(lane.failed).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'mem' });
  });

  it('asks the stream for no more than its largest page', () => {
    const small = new ScriptedStream('mem', 'small', [], 3);
    const large = new ScriptedStream('mem', 'large', [], 1000);
    laneOver(small, SortDirection.ASC, 12);
    laneOver(large, SortDirection.ASC, 12);
    expect(small.opens.map((query) => query.want)).toEqual([3]);
    expect(large.opens.map((query) => query.want)).toEqual([12]);
  });
});

describe('Timeline over in-memory streams', () => {
  const cursors = new CursorCodec('a-test-secret-of-enough-length');
  const NOW = 10_000;

  it('drops the repeats an upstream gives when records arrive between two calls of one read', async () => {
    const stream = new HistoryStream('mem', 's', { maxPageSize: 3, times: [10, 20, 30, 40, 50, 60, 70, 80] });
    const before = [...stream.events];
    // Between the first and second call, a record lands behind the read position: the
    // offsets shift and the second call starts with a record the first one gave.
    stream.beforeCall = (call) => {
      if (call === 2) stream.add(5, 'late');
    };
    const page = await new Timeline(cursors).page({ first: 6, filter: {}, order: SortDirection.ASC }, [new MemorySource('mem', [stream]).openSession()], NOW);
    expect(stream.calls).toBeGreaterThan(2);
    expect(page.edges.map((edge) => edge.node.id)).toEqual(ids(before.slice(0, 6)));
  });

  it('reads on a planned read that fell short, and gives the page a full read gives', async () => {
    // Two streams; on the first page `quiet` gives nothing, so the read plan asks it for
    // little the next time, when it is the busy one, with ties in most milliseconds.
    const world = (quietIsBusy: boolean) => {
      const busy = new HistoryStream('mem', 'busy', { times: [100, 99, 98, 97, 96, 95, 94, 93, 92, 91] });
      const quiet = new HistoryStream('mem', 'quiet', { times: quietIsBusy ? [500, 500, 400, 400, 300, 300, 200, 200, 150, 150, 120] : [1] });
      return { busy, quiet, sessions: () => [new MemorySource('mem', [busy, quiet]).openSession()] };
    };
    const request = { first: 7, filter: {}, order: SortDirection.DESC };
    const adaptive = new Timeline(cursors);
    await adaptive.page(request, world(false).sessions(), NOW);

    const planned = world(true);
    const page = await adaptive.page(request, planned.sessions(), NOW);
    const full = await new Timeline(cursors, { adaptiveReads: false }).page(request, world(true).sessions(), NOW);

    // The quiet stream was asked for less than a whole page, then read on from the last
    // event the page took from it.
    const [first, readOn] = planned.quiet.opens;
    expect(planned.quiet.opens).toHaveLength(2);
    expect(first!.want).toBeLessThan(pageWant(request.first, 0));
    expect(readOn!.after).toBeDefined();
    expect(readOn!.want).toBeGreaterThan(first!.want);
    expect(edgesOf(page)).toEqual(edgesOf(full));
    expect(page.edges.map((edge) => edge.cursor)).toEqual(full.edges.map((edge) => edge.cursor));
    expect(page.pageInfo).toEqual(full.pageInfo);
    expect(page.totalCount).toBe(full.totalCount);
  });

  it('reports a failing stream and a failing source, and the others still answer', async () => {
    const ok = new HistoryStream('alpha', 'ok', { times: [1, 3, 5, 7] });
    const failing = new HistoryStream('alpha', 'failing', { times: [2, 4, 6] });
    failing.failOn = new Set([1]);
    const other = new HistoryStream('beta', 'other', { times: [2, 6, 8] });
    const down = new MemorySource('gamma', [new HistoryStream('gamma', 'never', { times: [1] })]);
    down.failListing = true;
    const sources = [new MemorySource('alpha', [ok, failing]), new MemorySource('beta', [other]), down];

    const page = await new Timeline(cursors).page({ first: 20, filter: {}, order: SortDirection.ASC }, sources.map((s) => s.openSession()), NOW);

    expect(page.edges.map((edge) => edge.node)).toEqual(inOrder([...ok.events, ...other.events], SortDirection.ASC));
    const report = (name: string) => page.sources.find((source) => source.source.name === name);
    expect(report('alpha')).toMatchObject({ status: SourceState.PARTIAL, streams: 2, failedStreams: 1, events: 4 });
    expect(report('beta')).toMatchObject({ status: SourceState.OK, streams: 1, failedStreams: 0, events: 3, error: null });
    expect(report('gamma')).toMatchObject({ status: SourceState.FAILED, streams: 0, events: 0 });
    expect(page.errors.map((error) => error.source)).toEqual(['alpha', 'gamma']);
    expect(page.totalCount).toBeNull();
    // The failed stream and source are behind: the walk goes on, to bring them later.
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('clamps what it asks each stream for to the stream\'s largest page, and still fills the page', async () => {
    const small = new HistoryStream('mem', 'small', { maxPageSize: 3, times: Array.from({ length: 20 }, (_, i) => i * 2) });
    const large = new HistoryStream('mem', 'large', { maxPageSize: 1000, times: Array.from({ length: 20 }, (_, i) => i * 2 + 1) });
    const timeline = new Timeline(cursors);
    const request = { first: 10, filter: {}, order: SortDirection.ASC };
    // Twice: the second page is planned, so it may read on; every read stays clamped.
    for (let i = 0; i < 2; i += 1) {
      const page = await timeline.page(request, [new MemorySource('mem', [small, large]).openSession()], NOW);
      expect(page.edges.map((edge) => edge.node)).toEqual(inOrder([...small.events, ...large.events], SortDirection.ASC).slice(0, 10));
    }
    expect(small.opens.map((query) => query.want).every((want) => want >= 1 && want <= 3)).toBe(true);
    expect(large.opens[0]!.want).toBe(pageWant(request.first, 0));
  });
});
