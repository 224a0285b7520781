import { describe, expect, it } from 'vitest';
import { SortDirection, type EventRecord } from '../../src/model/event.model.js';
import { checkCursorQuery, checkCursorSources, CursorCodec, type CursorState } from '../../src/timeline/cursor.js';
import {
  clampWant,
  holdBackLastInstant,
  inTotalOrder,
  PAGE_READ_MARGIN,
  pageWant,
  READ_ON_MARGIN,
  readOnWant,
  RepeatFilter,
} from '../../src/timeline/read-contract.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { TimelineInputError } from '../../src/timeline/timeline.errors.js';
import { HistoryStream, MemorySource, record } from './memory-stream.js';

/* The named checks of read-contract.ts, and what the timeline hands a stream in `open`. */

const at = (time: number, id: string, stream = 's') => record('mem', stream, time, id);
const ids = (events: readonly EventRecord[]) => events.map((event) => event.id);

describe('read margins', () => {
  it('asks a stream for the page, the event that tells hasNextPage and the one after it', () => {
    expect(PAGE_READ_MARGIN).toBe(2);
    expect(pageWant(20, 0)).toBe(22);
    expect(pageWant(20, 15)).toBe(7);
    expect(readOnWant(20, 15)).toBe(7 + READ_ON_MARGIN);
  });

  it('clamps a want to one at least and to the stream\'s largest page at most', () => {
    expect(clampWant(22, { maxPageSize: 100 })).toBe(22);
    expect(clampWant(220, { maxPageSize: 100 })).toBe(100);
    expect(clampWant(0, { maxPageSize: 100 })).toBe(1);
    expect(clampWant(22, { maxPageSize: Number.POSITIVE_INFINITY })).toBe(22);
  });
});

describe('holdBackLastInstant', () => {
  it('holds the events of the last millisecond while the stream may bring more of them', () => {
    const events = [at(1, 'a'), at(2, 'b'), at(2, 'c')];
    expect(holdBackLastInstant(events, false)).toEqual({ ready: [events[0]], held: [events[1], events[2]] });
    expect(holdBackLastInstant(events, true)).toEqual({ ready: events, held: [] });
  });

  it('holds everything when a chunk is one millisecond', () => {
    const events = [at(2, 'b'), at(2, 'c')];
    expect(holdBackLastInstant(events, false)).toEqual({ ready: [], held: events });
  });
});

describe('inTotalOrder', () => {
  it('sorts ties by stream and id, in the read order', () => {
    const events = [at(1, 'a'), at(5, 'c'), at(5, 'a', 't'), at(5, 'b')];
    expect(inTotalOrder([...events], SortDirection.ASC).map((e) => `${e.streamKey} ${e.id}`)).toEqual([
      'mem/s a',
      'mem/s b',
      'mem/s c',
      'mem/t a',
    ]);
    expect(ids(inTotalOrder([at(5, 'a'), at(5, 'b'), at(1, 'z')], SortDirection.DESC))).toEqual(['b', 'a', 'z']);
  });
});

describe('RepeatFilter', () => {
  it('keeps a read\'s first answer whole', () => {
    const filter = new RepeatFilter(SortDirection.ASC);
    const first = [at(1, 'a'), at(1, 'a'), at(2, 'b')];
    expect(filter.dropRepeats(first)).toBe(first);
  });

  for (const order of [SortDirection.ASC, SortDirection.DESC]) {
    it(`drops what lies behind the latest millisecond read, and ids seen in it (${order})`, () => {
      const t = (time: number) => (order === SortDirection.ASC ? time : 100 - time);
      const filter = new RepeatFilter(order);
      filter.dropRepeats([at(t(1), 'a'), at(t(2), 'b'), at(t(3), 'c')]);
      const next = filter.dropRepeats([at(t(2), 'b'), at(t(3), 'c'), at(t(3), 'd'), at(t(4), 'e')]);
      expect(ids(next)).toEqual(['d', 'e']);
      expect(ids(filter.dropRepeats([at(t(4), 'e'), at(t(4), 'f'), at(t(5), 'g')]))).toEqual(['f', 'g']);
    });
  }

  it('forgets everything when a new read starts', () => {
    const filter = new RepeatFilter(SortDirection.ASC);
    filter.dropRepeats([at(1, 'a'), at(3, 'c')]);
    filter.forget();
    const again = [at(1, 'a'), at(3, 'c')];
    expect(filter.dropRepeats(again)).toEqual(again);
  });
});

describe('what a stream receives in open', () => {
  it('the plan it answered for the page, on every read, and a plan asked once per page', async () => {
    const stream = new HistoryStream('mem', 's', { maxPageSize: 2, times: [1, 2, 3, 4, 5, 6, 7] });
    const timeline = new Timeline(new CursorCodec('a-test-secret-of-enough-length'));
    const request = { first: 5, filter: { since: 0 }, order: SortDirection.ASC };
    await timeline.page(request, [new MemorySource('mem', [stream]).openSession()], 10_000);
    await timeline.page(request, [new MemorySource('mem', [stream]).openSession()], 20_000);
    expect(stream.plans).toHaveLength(2);
    expect(stream.opens.length).toBeGreaterThanOrEqual(2);
    for (const query of stream.opens) expect(stream.plans).toContain(query.plan);
  });
});

describe('cursor checks', () => {
  const state: CursorState = {
    query: 'q1',
    sources: 's1',
    asOf: 1,
    key: { at: 1, stream: 'mem/s', id: 'a' },
    total: null,
    lags: {},
    positions: {},
  };

  it('refuses a cursor of another query or set of sources, naming the argument', () => {
    expect(() => checkCursorQuery(state, 'q1', 'after')).not.toThrow();
    expect(() => checkCursorQuery(state, 'q2', 'before')).toThrow(
      new TimelineInputError('before: the cursor belongs to a query with another filter or order', 'before'),
    );
    try {
      checkCursorSources(state, 's2', 'after');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TimelineInputError);
      expect(error).toMatchObject({
        argument: 'after',
        message: 'after: the cursor was issued when other sources were configured; start again without it',
      });
    }
  });
});
