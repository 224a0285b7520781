import { SortDirection, type EventRecord } from '../../model/event.model.js';
import type { StreamChunk, StreamReader } from '../../timeline/stream.js';

/** An inclusive time window in epoch ms, as upstreams with time filters take it. */
export interface TimeWindow {
  since: number | undefined;
  until: number;
}

export interface WindowPagesOptions<A, N> {
  order: SortDirection;
  window: TimeWindow;
  pageSize: number;
  /** One upstream call: the `page`-th page (from 0) of the window, in `order`. */
  fetch(window: TimeWindow, page: number): Promise<A>;
  /** How many records the answer holds, and how many the window holds upstream. */
  countOf(answer: A): number;
  totalOf(answer: A): number;
  /** A fresh numbering of twins (see TwinNumbering), for a read from the start of an instant. */
  numbering(): N;
  map(answer: A, numbering: N): { events: readonly EventRecord[]; numbering: N };
}

/**
 * Reads a time window of an upstream that pages by number (ModelArts, bk-repo), re-anchoring
 * when the upstream changes under the read. Records that land inside the window between two
 * calls of one page request move every later page number: behind the read position they
 * make the next page repeat records already read, and the numbering of twins would give a
 * repeat a second id. The total of each answer tells: when it differs from the last one, the
 * read starts again as a first page from the last instant read (inclusive), numbering from
 * that instant's first record, so repeats come back under their own ids and the timeline
 * drops them. It costs one more call, only when the upstream changed mid-read. (An instant
 * with more records than a page, changing at every call, is read on by page number rather
 * than started again forever.)
 */
export function readWindowByPages<A, N>(options: WindowPagesOptions<A, N>): StreamReader {
  const ascending = options.order === SortDirection.ASC;
  let window = options.window;
  let page = 0;
  let seen = 0;
  let numbering = options.numbering();
  let total: number | undefined;
  let lastAt: number | undefined;
  /** Where the read last started again: never twice from one instant, which could loop. */
  let anchoredAt: number | undefined;
  return {
    next: async (): Promise<StreamChunk> => {
      if (window.since !== undefined && window.since > window.until) return { events: [], done: true, total: 0 };
      let answer = await options.fetch(window, page);
      const first = total === undefined;
      if (!first && options.totalOf(answer) !== total && lastAt !== undefined && lastAt !== anchoredAt) {
        anchoredAt = lastAt;
        window = ascending ? { since: lastAt, until: window.until } : { since: window.since, until: lastAt };
        page = 0;
        seen = 0;
        numbering = options.numbering();
        answer = await options.fetch(window, page);
      }
      total = options.totalOf(answer);
      page += 1;
      seen += options.countOf(answer);
      const mapped = options.map(answer, numbering);
      numbering = mapped.numbering;
      lastAt = mapped.events.at(-1)?.occurredAt ?? lastAt;
      const chunk: StreamChunk = { events: mapped.events, done: options.countOf(answer) < options.pageSize || seen >= total };
      if (first) chunk.total = total;
      return chunk;
    },
  };
}
