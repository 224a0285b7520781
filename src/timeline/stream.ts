import { SortDirection, type EventRecord } from '../model/event.model.js';
import type { UpstreamCallCounts } from '../upstream/upstream.calls.js';
import type { EventFilter, FilterField } from './event-filter.js';

/**
 * A stream is one independently paginated upstream query ("events of service X",
 * "trigger logs of repo Y"). A configured source expands into streams; the timeline
 * merges them. Streams know their vendor; the timeline knows none.
 *
 * What the timeline asks of a stream, and what it puts up with (read-contract.ts holds the
 * checks that rely on it):
 * - It calls `plan` once per page and hands that plan to every `open` of the page, so a
 *   stream pushes down what its plan names and never plans again while it reads.
 * - It asks for `want` events, already clamped to `maxPageSize`: a stream takes `want` as
 *   its upstream page size as given.
 * - Chunks may repeat events and may split the events of one millisecond; see `StreamChunk`.
 */
export interface Stream {
  /** Unique across every source, stable across requests: it orders ties and keys cursors. */
  readonly key: string;
  readonly sourceName: string;
  /**
   * The largest page the upstream serves in one call. The timeline never asks for more, so
   * a page of the timeline larger than this takes several calls of this stream.
   */
  readonly maxPageSize: number;
  /** Which filter fields this stream can push upstream, and whether any event could match. */
  plan(filter: EventFilter): StreamPlan;
  open(query: StreamQuery): StreamReader;
  /**
   * For histograms: the exact number of events in the inclusive window [since, until] that
   * match `filter`, in one upstream call (a total the upstream reports under a time filter).
   * Null, without a call, when the stream cannot count that filter exactly: a field it does
   * not push upstream, a time filter coarser than the millisecond. A stream without it, or
   * that says null, is counted by reading its events.
   */
  count?(query: CountQuery): Promise<number | null>;
}

export interface CountQuery {
  since: number;
  until: number;
  filter: EventFilter;
  /** What `plan(filter)` answered. */
  plan: StreamPlan;
  /** The tally the call is made for; see `StreamQuery.calls`. */
  calls: UpstreamCallCounts;
}

export interface StreamPlan {
  /** True when no event of this stream can match: the stream makes no upstream call. */
  skip: boolean;
  /** Active filter fields the upstream applies; the timeline applies every active field again. */
  upstream: FilterField[];
}

/** A position in the merged order: by occurredAt, then stream key, then event id. */
export interface EventKey {
  at: number;
  stream: string;
  id: string;
}

export interface StreamQuery {
  order: SortDirection;
  /** Inclusive time window in epoch ms; `until` is always set (at most the snapshot time). */
  since?: number;
  until: number;
  /** Read only events strictly after this key in `order`. */
  after?: EventKey;
  filter: EventFilter;
  /**
   * The upstream page size: how many events the merge may take from this stream, plus
   * `PAGE_READ_MARGIN` (the event that tells `hasNextPage`, and the one after it that shows
   * the last millisecond is whole). Between 1 and the stream's `maxPageSize` when the
   * timeline asks.
   */
  want: number;
  /**
   * Where this stream stood upstream at the cursor, as its reader's `positionAt` put it: a
   * hint to check before trusting (the upstream may have changed since), never a promise.
   */
  resume?: StreamPosition;
  /** What `plan(filter)` answered for this page: what the stream pushes upstream. */
  plan: StreamPlan;
  /**
   * The page's tally: the stream hands it to every upstream call it makes for this query, so
   * that the page learns how many real calls each source made and until when every answer
   * it used may serve (how long the page may be kept).
   */
  calls: UpstreamCallCounts;
}

/**
 * A stream's own upstream position (an offset, a total), opaque to the timeline. It rides
 * in the signed cursor, so it stays small: a few numbers.
 */
export type StreamPosition = readonly number[];

/**
 * One upstream answer. Upstreams order by time only and page by offset or page number, so
 * a chunk may break the total order in two ways, and the timeline repairs both:
 * - Repeats: records that land between two calls of one read shift the offsets, and the
 *   next chunk starts again with events an earlier chunk gave. A repeat must come back
 *   under the id it had, at or behind the latest millisecond read; the timeline drops it
 *   (`RepeatFilter`).
 * - Ties: the events of one millisecond come in the upstream's order and may straddle two
 *   chunks. The timeline holds the last millisecond of every chunk back until the next
 *   chunk (or `done`) shows all of it, then sorts by the full key (`holdBackLastInstant`).
 */
export interface StreamChunk {
  /** In `order`. May include events outside the window or at/before `after`: the timeline drops them. */
  events: readonly EventRecord[];
  /** True when the stream has nothing more in this direction. */
  done: boolean;
  /**
   * On the first chunk: how many events the upstream holds for the window and the pushed-down
   * filters, when it says; null when it cannot tell.
   */
  total?: number | null;
}

/** Each `next()` is one upstream call. */
export interface StreamReader {
  next(): Promise<StreamChunk>;
  /**
   * Where a read that resumes strictly after `key` would start upstream, for streams whose
   * upstream cannot seek by time (offsets over an unfiltered history). Undefined when the
   * stream cannot tell from what it has read; the next page then finds its place itself.
   */
  positionAt?(key: EventKey): StreamPosition | undefined;
}

/**
 * The inclusive time window a stream must read to serve `query`: the filter's window,
 * narrowed to start (ASC) or end (DESC) at the cursor's millisecond. The cursor's own
 * millisecond stays in, because ties in it may not all have been served; the timeline
 * drops those that were. Every time-filterable upstream pushes this window down, so each
 * page of a walk is a first page upstream.
 */
export function keysetWindow(query: StreamQuery): { since: number | undefined; until: number } {
  const at = query.after?.at;
  if (at === undefined) return { since: query.since, until: query.until };
  return query.order === SortDirection.ASC
    ? { since: Math.max(query.since ?? at, at), until: query.until }
    : { since: query.since, until: Math.min(query.until, at) };
}
