import type { CursorState } from './cursor.js';
import { sourceLagKey } from './cursor.js';
import type { Lane } from './lane.js';
import type { PageLanes } from './page-lanes.js';
import type { PagePlan } from './page-plan.js';
import type { EventKey, StreamPosition } from './stream.js';

/**
 * The cursor state at a position of the page, read from where the lanes stand when the event
 * at that position is taken. The total is left null: the report pins it once the page is read.
 */
export function cursorStateAt(plan: PagePlan, opened: PageLanes): (position: EventKey) => CursorState {
  return (position) => ({
    query: plan.queryHash,
    sources: plan.sourcesHash,
    asOf: plan.asOf,
    key: position,
    total: null,
    lags: plan.backward ? {} : lagsAt(position, opened, plan.incomingLags, plan.cursor?.key),
    positions: positionsAt(position, opened.lanes),
  });
}

/**
 * Which streams are behind the cursor position and must resume from their own position:
 * those that failed on this page, those that started behind and have not caught up, and
 * whole sources that could not even list their streams.
 */
function lagsAt(
  position: EventKey,
  opened: PageLanes,
  incoming: Record<string, EventKey | null>,
  resumedFrom: EventKey | undefined,
): Record<string, EventKey | null> {
  const lags: Record<string, EventKey | null> = {};
  for (const name of opened.failedSources) {
    // The source's earlier stream lags still hold; the source as a whole resumes from
    // where this page started.
    for (const [key, lag] of Object.entries(incoming)) {
      if (key.startsWith(`${name}/`) || key === sourceLagKey(name)) lags[key] = lag;
    }
    if (!(sourceLagKey(name) in lags)) lags[sourceLagKey(name)] = resumedFrom ?? null;
  }
  for (const lane of opened.lanes) {
    const lag = lane.lagAt(position);
    if (lag !== undefined) lags[lane.stream.key] = lag;
  }
  return lags;
}

/** The upstream positions of the streams that can tell theirs, at the cursor position `key`. */
function positionsAt(key: EventKey, lanes: Lane[]): Record<string, StreamPosition> {
  const positions: Record<string, StreamPosition> = {};
  for (const lane of lanes) {
    if (lane.failed) continue;
    const position = lane.positionAt(key);
    if (position !== undefined) positions[lane.stream.key] = position;
  }
  return positions;
}
