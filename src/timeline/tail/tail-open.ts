import { SortDirection } from '../../model/event.model.js';
import { checkCursorClient, type CursorCodec, type CursorState } from '../cursor.js';
import { definedFilter, type EventFilter } from '../event-filter.js';
import type { SourceSession } from '../event-source.js';
import { checkFilter, clientHashOf, isSelected, queryHashOf, sourcesHashOf, type TimelineRequest } from '../page-plan.js';
import type { TimelinePage } from '../page-report.js';
import type { EventKey } from '../stream.js';
import { TailFeed, type ReplayItem } from './tail-feed.js';
import type { TailHub } from './tail-hub.js';
import { withoutWindow } from './tail-poller.js';

/** How many events each page of a replay reads: the most a page may hold. */
const REPLAY_PAGE = 500;

export interface TailOpenRequest {
  /** Which events; its time window is ignored (a tail's window moves). */
  filter: EventFilter;
  /** A cursor of `events` or of an earlier tail: replay what follows it, then go live. */
  after?: string | null;
  /** Who asks (`TimelineRequest.client`): the cursor must have been issued to it, and the tail's cursors are. */
  client?: string;
}

/** What the tail needs of the timeline: its pollers, its cursors and its pages. */
export interface TailTimeline {
  hub: TailHub;
  cursors: CursorCodec;
  page(request: TimelineRequest, sessions: SourceSession[], now: number): Promise<TimelinePage>;
}

/** The cursor hashes of a tail's walk: oldest first, over the tail's filter, for this client. */
interface TailWalk {
  filter: EventFilter;
  query: string;
  sources: string;
  client: string;
}

/**
 * Opens one subscriber's tail. Without `after`: live, from now. With it: the `events` walk
 * after the cursor's position, oldest first, up to now, then live; the live pollers are
 * attached first, and reach back a lookback before now, so that a record landing at the
 * seam is read by one part or the other (TailFeed sends it once).
 *
 * The cursor gives a position in time, whatever the order and filter it was made for: the
 * replay is "everything of this tail's filter after that event". It must have been issued to
 * the same client. A cursor of an oldest-first walk of the same filter also carries the
 * streams that had failed behind it, and those are read again from where they stopped.
 */
export async function openTail(timeline: TailTimeline, request: TailOpenRequest, sessions: SourceSession[]): Promise<TailFeed> {
  const filter = withoutWindow(definedFilter(request.filter));
  // As `events` does: an unknown source is the client's error, not a tail of nothing.
  checkFilter(filter, sessions);
  const walk: TailWalk = {
    filter,
    query: queryHashOf(filter, SortDirection.ASC),
    sources: sourcesHashOf(sessions.filter((session) => isSelected(session.source, filter))),
    client: clientHashOf(request.client),
  };
  const { hub, cursors } = timeline;
  const liveFrom = hub.clock.now();
  // Checked before any poller starts: a bad cursor is the client's error, and costs no call.
  const start = request.after == null ? undefined : replayStart(cursors.decode(request.after, 'after'), walk, liveFrom);
  const live = await hub.subscribe({ sessions, filter, since: start ? liveFrom - hub.lookbackMs : liveFrom });
  return new TailFeed({
    live,
    replay: start && replay(timeline, start, walk, request.client, sessions),
    after: start?.key,
    liveFrom,
    overlapMs: hub.seamMs,
    cursorAt: (key) => cursors.encode(cursorOfWalk(walk, key, Math.max(hub.clock.now(), key.at), {})),
    clock: hub.clock,
  });
}

/** Where the replay starts: the given cursor's position, on the tail's walk, up to now. */
function replayStart(given: CursorState, walk: TailWalk, now: number): CursorState {
  checkCursorClient(given, walk.client, 'after');
  const sameWalk = given.query === walk.query && given.sources === walk.sources;
  return cursorOfWalk(walk, given.key, now, sameWalk ? given.lags : {});
}

function cursorOfWalk(walk: TailWalk, key: EventKey, asOf: number, lags: CursorState['lags']): CursorState {
  return { query: walk.query, sources: walk.sources, client: walk.client, asOf, key, total: null, lags, positions: {} };
}

/**
 * The walk after `start`, page by page, as its events and its source failures: FAILED the
 * first time a source fails, OK if a later page reads it again (its lagging streams catch up).
 */
async function* replay(
  timeline: TailTimeline,
  start: CursorState,
  walk: TailWalk,
  client: string | undefined,
  sessions: SourceSession[],
): AsyncGenerator<ReplayItem> {
  const failing = new Set<string>();
  let after: string | null = timeline.cursors.encode(start);
  let reached = start.key.at;
  while (after !== null) {
    const page = await timeline.page({ first: REPLAY_PAGE, after, order: SortDirection.ASC, filter: walk.filter, client }, sessions, start.asOf);
    const lagMs = Math.max(0, start.asOf - reached);
    for (const report of page.sources) {
      const name = report.source.name;
      if (report.error && !failing.has(name)) {
        failing.add(name);
        yield { type: 'notice', source: name, status: 'FAILED', error: report.error, dropped: 0, lagMs };
      } else if (!report.error && failing.delete(name)) {
        yield { type: 'notice', source: name, status: 'OK', dropped: 0, lagMs };
      }
    }
    for (const edge of page.edges) {
      reached = edge.node.occurredAt;
      yield { type: 'event', event: edge.node, late: false };
    }
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  }
}
