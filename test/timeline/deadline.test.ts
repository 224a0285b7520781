import { afterEach, describe, expect, it, vi } from 'vitest';
import { SortDirection } from '../../src/model/event.model.js';
import type { SourceSession } from '../../src/timeline/event-source.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { PageDeadline } from '../../src/timeline/lane.js';
import type { StreamQuery, StreamReader } from '../../src/timeline/stream.js';
import { SourceState, Timeline, type TimelinePage, type TimelineRequest } from '../../src/timeline/timeline.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';
import { HistoryStream, MemorySource } from './memory-stream.js';

/*
 * The request's deadline in the timeline (`Timeline.page(request, sessions, now, deadline)`):
 * what has not answered by then fails with UPSTREAM_TIMEOUT like any failed read, so the
 * page carries the rest, reports the late source, and its cursors let the next page
 * resume it. In-memory streams with chosen delays; no HTTP.
 */

const NOW = Date.UTC(2026, 0, 1);
const cursors = new CursorCodec('deadline-test');
const timedOutNow: Array<() => void> = [];

afterEach(() => {
  for (const release of timedOutNow.splice(0)) release();
});

/** A history whose calls answer after `delayMs` (from the `slowFrom`-th call on), or never. */
class SlowStream extends HistoryStream {
  delayMs: number | 'never' = 0;
  slowFrom = 1;
  started = 0;

  override open(query: StreamQuery): StreamReader {
    const inner = super.open(query);
    return {
      next: async () => {
        this.started += 1;
        if (this.started >= this.slowFrom) {
          if (this.delayMs === 'never') await new Promise<void>((resolve) => timedOutNow.push(resolve));
          else await new Promise((resolve) => setTimeout(resolve, this.delayMs as number));
        }
        return inner.next();
      },
    };
  }
}

/** A source whose stream listing answers after `delayMs`. */
class SlowListingSource extends MemorySource {
  constructor(
    name: string,
    streams: HistoryStream[],
    private readonly delayMs: number,
  ) {
    super(name, streams);
  }

  override openSession(): SourceSession {
    const session = super.openSession();
    return {
      ...session,
      streams: async (calls) => {
        await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        return session.streams(calls);
      },
    };
  }
}

const times = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i * 1000);

function world() {
  const fast = new HistoryStream('fast', 'a', { times: times(10, NOW - 100_000) });
  const slow = new SlowStream('slow', 'b', { times: times(10, NOW - 99_500) });
  return { fast, slow, sessions: () => [new MemorySource('fast', [fast]).openSession(), new MemorySource('slow', [slow]).openSession()] };
}

const ASC: TimelineRequest = { first: 8, filter: {}, order: SortDirection.ASC };

async function timedPage(timeline: Timeline, request: TimelineRequest, sessions: SourceSession[], deadline?: number) {
  const started = performance.now();
  const page = await timeline.page(request, sessions, NOW, deadline);
  return { page, ms: performance.now() - started };
}

const reportOf = (page: TimelinePage, name: string) => page.sources.find((report) => report.source.name === name)!;

describe('the deadline of a page', () => {
  it('answers at the deadline with what the other streams gave, the late one failed with UPSTREAM_TIMEOUT', async () => {
    const { slow, sessions } = world();
    slow.delayMs = 'never';
    const { page, ms } = await timedPage(new Timeline(cursors), ASC, sessions(), Date.now() + 100);
    expect(ms).toBeLessThan(1_000);
    expect(page.edges.map((edge) => edge.node.sourceName)).toEqual(Array(8).fill('fast'));
    expect(reportOf(page, 'fast')).toMatchObject({ status: SourceState.OK, events: 8, error: null });
    const late = reportOf(page, 'slow');
    expect(late).toMatchObject({ status: SourceState.FAILED, events: 0, streams: 1, failedStreams: 1 });
    expect(late.error).toBeInstanceOf(UpstreamError);
    expect(late.error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', source: 'slow' });
    expect(page.errors).toEqual([late.error]);
    // The late source is behind the page: there is more to read.
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('lets the next page resume the late stream, so that a walk misses nothing', async () => {
    const { fast, slow, sessions } = world();
    const timeline = new Timeline(cursors);
    slow.delayMs = 'never';
    const first = await timeline.page(ASC, sessions(), NOW, Date.now() + 50);
    expect(reportOf(first, 'slow').error?.code).toBe('UPSTREAM_TIMEOUT');
    slow.delayMs = 0;
    const seen = first.edges.map((edge) => edge.node.id);
    let after = first.pageInfo.endCursor;
    for (let pages = 0; pages < 10 && after; pages += 1) {
      const page = await timeline.page({ ...ASC, after }, sessions(), NOW, Date.now() + 5_000);
      expect(page.errors).toEqual([]);
      seen.push(...page.edges.map((edge) => edge.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...fast.events, ...slow.events].map((event) => event.id).sort());
  });

  it('fails a source whose stream listing has not answered', async () => {
    const fast = new HistoryStream('fast', 'a', { times: times(5, NOW - 10_000) });
    const listed = new HistoryStream('listing', 'b', { times: times(5, NOW - 9_000) });
    const sessions = [new MemorySource('fast', [fast]).openSession(), new SlowListingSource('listing', [listed], 2_000).openSession()];
    const { page, ms } = await timedPage(new Timeline(cursors), ASC, sessions, Date.now() + 100);
    expect(ms).toBeLessThan(1_500);
    expect(page.edges).toHaveLength(5);
    expect(reportOf(page, 'listing')).toMatchObject({ status: SourceState.FAILED, streams: 0, error: { code: 'UPSTREAM_TIMEOUT', source: 'listing' } });
    expect(listed.calls).toBe(0);
  });

  it('starts no call once the deadline has passed', async () => {
    const { fast, slow, sessions } = world();
    const page = await new Timeline(cursors).page(ASC, sessions(), NOW, Date.now() - 1);
    expect(fast.calls + slow.calls).toBe(0);
    expect(page.edges).toEqual([]);
    expect(page.sources.map((report) => [report.status, report.error?.code])).toEqual([
      [SourceState.FAILED, 'UPSTREAM_TIMEOUT'],
      [SourceState.FAILED, 'UPSTREAM_TIMEOUT'],
    ]);
  });

  it('does not read a stream on after the deadline: it keeps what it gave, and is behind for the next page', async () => {
    // Three events a call: the first call answers at once, the second after the deadline.
    const fast = new HistoryStream('fast', 'a', { times: times(10, NOW - 100_000) });
    const slow = new SlowStream('slow', 'b', { times: times(10, NOW - 99_500), maxPageSize: 3 });
    slow.slowFrom = 2;
    slow.delayMs = 'never';
    const page = await new Timeline(cursors, { adaptiveReads: false }).page(
      ASC,
      [new MemorySource('fast', [fast]).openSession(), new MemorySource('slow', [slow]).openSession()],
      NOW,
      Date.now() + 100,
    );
    expect(slow.started).toBe(2);
    expect(reportOf(page, 'slow')).toMatchObject({ status: SourceState.FAILED, error: { code: 'UPSTREAM_TIMEOUT' } });
    // The slow stream's first two events were ready (its third waits for its millisecond's ties).
    expect(page.edges.filter((edge) => edge.node.sourceName === 'slow').length).toBe(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('changes nothing without a deadline, or when everything answers in time', async () => {
    const { slow, sessions } = world();
    slow.delayMs = 20;
    const without = await new Timeline(cursors).page(ASC, sessions(), NOW);
    const within = await new Timeline(cursors).page(ASC, sessions(), NOW, Date.now() + 5_000);
    for (const page of [without, within]) {
      expect(page.errors).toEqual([]);
      expect(page.sources.every((report) => report.status === SourceState.OK)).toBe(true);
      expect(page.edges).toHaveLength(8);
    }
    expect(within.edges.map((edge) => edge.node.id)).toEqual(without.edges.map((edge) => edge.node.id));
  });
});

describe('PageDeadline', () => {
  it('leaves no timer behind once disposed', async () => {
    vi.useFakeTimers();
    try {
      const deadline = new PageDeadline(Date.now() + 60_000);
      const work = deadline.race(() => Promise.resolve('done'), () => new UpstreamError({ code: 'UPSTREAM_TIMEOUT', source: 's', message: 'late' }));
      await expect(work).resolves.toBe('done');
      expect(vi.getTimerCount()).toBe(1);
      deadline.dispose();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits past the longest timer Node keeps', async () => {
    vi.useFakeTimers();
    try {
      const far = 40 * 24 * 3600_000;
      const deadline = new PageDeadline(Date.now() + far);
      let settled: string | undefined;
      void deadline
        .race(() => new Promise<string>(() => undefined), () => new UpstreamError({ code: 'UPSTREAM_TIMEOUT', source: 's', message: 'late' }))
        .catch((error: UpstreamError) => (settled = error.code));
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(far - 2 ** 31);
      expect(settled).toBe('UPSTREAM_TIMEOUT');
    } finally {
      vi.useRealTimers();
    }
  });
});
