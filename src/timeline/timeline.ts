import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { SourceSession } from './event-source.js';
import { objectTag } from '../upstream/object-tag.js';
import { UpstreamCallCounts } from '../upstream/upstream.calls.js';
import type { CursorCodec } from './cursor.js';
import { canonicalFilter } from './event-filter.js';
import { PageDeadline } from './lane.js';
import { merge } from './merge.js';
import { cursorStateAt } from './page-cursor.js';
import { openLanes } from './page-lanes.js';
import { planPage, type TimelineRequest } from './page-plan.js';
import { reportPage, SourceState, type TimelinePage } from './page-report.js';
import { ReadPlan } from './read-plan.js';

import { HistogramCounter } from './histogram/index.js';
import { openTail, TailHub, type TailFeed, type TailHubOptions, type TailOpenRequest } from './tail/index.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type TimelineRequest } from './page-plan.js';
export { SourceState, type SourceReport, type TimelineEdge, type TimelinePage } from './page-report.js';

/** Bound of the kept pages, in edges: their cursors are most of what a kept page adds. */
const MAX_KEPT_EDGES = 20_000;

/**
 * Until when a page may be served again: while every answer it was built from may still
 * serve from the cache. Undefined when it must not be kept at all: a source that failed,
 * in part or whole (every error comes from one), or one whose answers may not serve again.
 */
function keepUntil(page: TimelinePage, calls: UpstreamCallCounts): number | undefined {
  let until = Number.POSITIVE_INFINITY;
  for (const report of page.sources) {
    if (report.status === SourceState.SKIPPED) continue;
    const servable = calls.servableUntil(report.source.name);
    if (report.status !== SourceState.OK || servable === undefined) return undefined;
    until = Math.min(until, servable);
  }
  return Number.isFinite(until) ? until : undefined;
}

/**
 * The timeline engine: plans streams, pushes filters down, reads pages and merges them
 * k-way into one total order, with keyset cursors. It knows no vendor and no GraphQL.
 */
export class Timeline {
  /**
   * Whole pages, for as long as every upstream answer they were built from may still serve
   * from the cache (`cacheTtlSeconds`, counted from when the answer arrived): a dashboard
   * asking the same page again gets it without reading, mapping or merging anything. A page
   * with an error, or from a source that caches nothing, is never kept.
   */
  private readonly pages = new InMemoryLRUCache<TimelinePage>({
    maxSize: MAX_KEPT_EDGES,
    sizeCalculation: (page) => page.edges.length + 1,
  });
  private readonly building = new Map<string, Promise<TimelinePage>>();
  /** Undefined when every stream is to be asked for a whole page (`server.adaptiveReads: false`). */
  private readonly readPlan: ReadPlan | undefined;
  /** Counts over time (`eventHistogram`), with its cache of settled buckets. */
  readonly histograms = new HistogramCounter();
  /** The live tail (`eventTail`): the stream pollers its subscribers share. */
  readonly tail: TailHub;

  constructor(
    private readonly cursors: CursorCodec,
    options: { adaptiveReads: boolean; tail?: TailHubOptions } = { adaptiveReads: true },
  ) {
    this.readPlan = options.adaptiveReads ? new ReadPlan() : undefined;
    this.tail = new TailHub(options.tail);
  }

  /**
   * One subscriber's live tail: with `after`, the walk after that cursor first (oldest
   * first, up to now), then what the shared pollers find (tail/tail-open.ts).
   */
  subscribeTail(request: TailOpenRequest, sessions: SourceSession[]): Promise<TailFeed> {
    return openTail({ hub: this.tail, cursors: this.cursors, page: (page, all, now) => this.page(page, all, now) }, request, sessions);
  }

  /**
   * `SourceReport.upstreamCalls` counts the real calls this page started: an answer shared
   * with another page of the same request (three panels over the same sources) counts on
   * the page that asked first, and a cache hit, or a kept page, counts nowhere. The page
   * learns them, and how long its answers may serve, from the one tally it hands to every
   * stream listing and read.
   *
   * `deadline` (epoch ms, the request's) bounds the reading: a stream or source that has not
   * answered by then is reported as failed with UPSTREAM_TIMEOUT, and the page carries what
   * the others gave. A page that waits for an identical one being built waits for that
   * page's own reading, which its deadline bounds in turn.
   */
  async page(request: TimelineRequest, sessions: SourceSession[], now = Date.now(), deadline?: number): Promise<TimelinePage> {
    const key = this.pageKey(request, sessions, now);
    const kept = (await this.pages.get(key)) ?? (await this.building.get(key));
    if (kept) return { ...kept, sources: kept.sources.map((report) => ({ ...report, upstreamCalls: 0 })) };
    const calls = new UpstreamCallCounts();
    const reading = new PageDeadline(deadline);
    const building = this.read(request, sessions, now, calls, reading);
    // Identical pages asked while this one is being built (a dashboard's panels refreshing
    // together) wait for it instead of building it again.
    this.building.set(key, building);
    try {
      const page = await building;
      const expires = keepUntil(page, calls);
      const ttlSeconds = expires === undefined ? 0 : (expires - Date.now()) / 1000;
      if (ttlSeconds > 0) await this.pages.set(key, page, { ttl: ttlSeconds });
      return page;
    } finally {
      reading.dispose();
      this.building.delete(key);
    }
  }

  /**
   * Everything a page depends on besides the upstream answers: the arguments, the client,
   * the sources (as objects: a new configuration is a new set) and, for a first page, the
   * snapshot time.
   */
  private pageKey(request: TimelineRequest, sessions: SourceSession[], now: number): string {
    const { first, after, last, before, filter, order, client } = request;
    const sources = sessions.map((session) => objectTag(session.source));
    // The client too: a kept page's cursors are bound to the client it was built for.
    return JSON.stringify([sources, client ?? null, first ?? null, after ?? null, last ?? null, before ?? null, canonicalFilter(filter), order, after ?? before ?? now]);
  }

  /** One page, in four steps: plan it, open a lane per stream, merge the lanes, report. */
  private async read(
    request: TimelineRequest,
    sessions: SourceSession[],
    now: number,
    calls: UpstreamCallCounts,
    deadline: PageDeadline,
  ): Promise<TimelinePage> {
    const plan = planPage(request, sessions, this.cursors, now);
    const opened = await openLanes(plan, this.readPlan, calls, deadline);
    const stateAt = cursorStateAt(plan, opened);
    const emitted = await merge(opened.lanes, plan.limit, {
      order: plan.readOrder,
      after: plan.cursor?.key,
      // Every cursor is bound to the client the page was read for.
      stateAt: (position) => ({ ...stateAt(position), client: plan.clientHash }),
    });
    for (const lane of opened.lanes) {
      if (!lane.failed) this.readPlan?.remember(plan.planKey, lane.stream.key, lane.taken, plan.full);
    }
    return reportPage({
      plan,
      sessions,
      opened,
      emitted,
      upstreamCalls: (sourceName) => calls.of(sourceName),
      cursors: this.cursors,
    });
  }
}
