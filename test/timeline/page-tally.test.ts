import { describe, expect, it } from 'vitest';
import { SortDirection } from '../../src/model/event.model.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { HistoryStream, MemorySource } from './memory-stream.js';

/*
 * How a page learns what it cost and how long it may be kept: from the one tally it hands
 * to every stream listing and read, and from nothing else.
 */

const cursors = new CursorCodec('a-test-secret-of-enough-length');
const NOW = 10_000;
const request = { first: 5, filter: {}, order: SortDirection.ASC };

describe('the page tally', () => {
  it('is handed to the listing and to every read of the page, and each page has its own', async () => {
    const a = new HistoryStream('mem', 'a', { maxPageSize: 2, times: [1, 3, 5, 7] });
    const b = new HistoryStream('mem', 'b', { maxPageSize: 2, times: [2, 4, 6, 8] });
    const source = new MemorySource('mem', [a, b]);
    const timeline = new Timeline(cursors, { adaptiveReads: false });

    await timeline.page(request, [source.openSession()], NOW);
    const [first] = source.listings;
    expect(first).toBeDefined();
    expect([...a.opens, ...b.opens].map((query) => query.calls)).toEqual([...a.opens, ...b.opens].map(() => first));

    await timeline.page({ ...request, first: 3 }, [source.openSession()], NOW);
    expect(source.listings).toHaveLength(2);
    expect(source.listings[1]).not.toBe(first);
    expect(a.opens.at(-1)!.calls).toBe(source.listings[1]);
  });

  it('tells the page its calls and how long it may keep it from what the reads put on it', async () => {
    const counted = new HistoryStream('counted', 's', { maxPageSize: 2, times: [1, 2, 3, 4, 5, 6] });
    counted.servesForMs = 60_000;
    const source = new MemorySource('counted', [counted]);
    const timeline = new Timeline(cursors, { adaptiveReads: false });

    const page = await timeline.page(request, [source.openSession()], NOW);
    expect(counted.calls).toBe(3);
    expect(page.sources.map((report) => report.upstreamCalls)).toEqual([3]);

    // Every answer may still serve: the page is kept, and served again without a read.
    const again = await timeline.page(request, [source.openSession()], NOW);
    expect(counted.calls).toBe(3);
    expect(again.edges).toEqual(page.edges);
    expect(again.sources.map((report) => report.upstreamCalls)).toEqual([0]);
  });

  it('keeps no page whose reads put nothing on the tally, and reports no call for them', async () => {
    const silent = new HistoryStream('silent', 's', { maxPageSize: 2, times: [1, 2, 3, 4, 5, 6] });
    const source = new MemorySource('silent', [silent]);
    const timeline = new Timeline(cursors, { adaptiveReads: false });

    const page = await timeline.page(request, [source.openSession()], NOW);
    expect(page.sources.map((report) => report.upstreamCalls)).toEqual([0]);
    await timeline.page(request, [source.openSession()], NOW);
    expect(silent.calls).toBe(6);
  });
});
