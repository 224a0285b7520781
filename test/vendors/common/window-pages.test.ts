import { describe, expect, it } from 'vitest';
import { EventKind, EventOutcome, SortDirection, Vendor, type EventRecord } from '../../../src/model/event.model.js';
import { readWindowByPages, type TimeWindow } from '../../../src/vendors/common/window-pages.js';

/** An upstream of records by time, newest first, paged by number, with a total per answer. */
function upstream(times: number[]) {
  const calls: Array<{ window: TimeWindow; page: number }> = [];
  let before: (() => void) | undefined;
  return {
    calls,
    land(at: number) {
      times.push(at);
    },
    beforeNextCall(fn: () => void) {
      before = fn;
    },
    fetch(window: TimeWindow, page: number, size: number) {
      before?.();
      before = undefined;
      calls.push({ window, page });
      const inWindow = times.filter((t) => (window.since === undefined || t >= window.since) && t <= window.until).sort((a, b) => b - a);
      return Promise.resolve({ records: inWindow.slice(page * size, page * size + size), total: inWindow.length });
    },
  };
}

const eventAt = (at: number, n: number): EventRecord =>
  ({ id: `${at}/${n}`, kind: 'AUDIT', vendor: 'BLUEKING', sourceName: 's', streamKey: 's/x', occurredAt: at, outcome: EventOutcome.SUCCESS, actor: null, resource: null, summary: '', raw: null }) as EventRecord;

function reader(source: ReturnType<typeof upstream>, size: number) {
  return readWindowByPages({
    order: SortDirection.DESC,
    window: { since: undefined, until: 1_000 },
    pageSize: size,
    fetch: (window, page) => source.fetch(window, page, size),
    countOf: (answer) => answer.records.length,
    totalOf: (answer) => answer.total,
    numbering: () => new Map<number, number>(),
    map: (answer, numbering) => ({
      events: answer.records.map((at) => {
        const n = numbering.get(at) ?? 0;
        numbering.set(at, n + 1);
        return eventAt(at, n);
      }),
      numbering,
    }),
  });
}

describe('reading a time window by page number', () => {
  it('reads on by page number while the upstream stays the same', async () => {
    const source = upstream([10, 9, 8, 7, 6, 5]);
    const read = reader(source, 2);
    const ids: string[] = [];
    for (let done = false; !done; ) {
      const chunk = await read.next();
      ids.push(...chunk.events.map((e) => e.id));
      done = chunk.done;
    }
    expect(ids).toEqual(['10/0', '9/0', '8/0', '7/0', '6/0', '5/0']);
    expect(source.calls.map((c) => c.page)).toEqual([0, 1, 2]);
  });

  it('starts again from the last instant read when a record lands behind the read position', async () => {
    const source = upstream([10, 9, 9, 8, 7]);
    const read = reader(source, 2);
    const first = await read.next();
    expect(first.events.map((e) => e.id)).toEqual(['10/0', '9/0']);
    source.beforeNextCall(() => source.land(10));
    const second = await read.next();
    // From the first record of 9 again: the twin read already keeps its id, nothing skipped.
    expect(second.events.map((e) => e.id)).toEqual(['9/0', '9/1']);
    expect(source.calls.at(-1)).toEqual({ window: { since: undefined, until: 9 }, page: 0 });
    const third = await read.next();
    expect(third.events.map((e) => e.id)).toEqual(['8/0', '7/0']);
  });

  it('does not start again from the same instant twice, so a busy instant cannot loop', async () => {
    const source = upstream([5, 5, 5, 5, 5, 5]);
    const read = reader(source, 2);
    await read.next();
    let calls = 0;
    for (let done = false; !done && calls < 20; calls += 1) {
      // Older records land inside the window at every call.
      source.beforeNextCall(() => source.land(3));
      done = (await read.next()).done;
    }
    expect(calls).toBeLessThan(20);
  });
});
