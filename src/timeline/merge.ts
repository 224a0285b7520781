import type { EventRecord, SortDirection } from '../model/event.model.js';
import type { CursorState } from './cursor.js';
import { compareEvents, compareKeys, keyOf } from './event-order.js';
import type { Lane } from './lane.js';
import { readOnWant } from './read-contract.js';
import type { EventKey } from './stream.js';

/** An event the merge took, with the cursor state just after it. */
export interface Emitted {
  event: EventRecord;
  state: CursorState;
}

export interface MergeOptions {
  order: SortDirection;
  /** The cursor's key, where the page's position starts; undefined on a first page. */
  after: EventKey | undefined;
  /** The cursor state at a position of the page, as the lanes stand when it is taken. */
  stateAt(position: EventKey): CursorState;
}

/**
 * A k-way merge of the lanes into one total order, up to `limit` events and one more, which
 * tells whether there is a next page. A lane is read on only when the page needs its next
 * event.
 */
export async function merge(lanes: Lane[], limit: number, options: MergeOptions): Promise<Emitted[]> {
  const emitted: Emitted[] = [];
  await Promise.all(lanes.map((lane) => lane.fill(readOnWant(limit, 0))));

  let position = options.after;
  /** The lane whose buffer the last event emptied: read on only if the page needs more. */
  let drained: Lane | undefined;
  while (emitted.length <= limit) {
    if (drained) await drained.fill(readOnWant(limit, emitted.length));
    drained = undefined;
    const next = firstLane(lanes, options.order);
    if (!next) break;
    const event = next.take();
    const key = keyOf(event);
    if (!position || compareKeys(key, position, options.order) > 0) position = key;
    if (!next.head()) drained = next;
    emitted.push({ event, state: options.stateAt(position) });
  }
  return emitted;
}

/** The lane whose next event comes first in `order`; undefined when none has one ready. */
function firstLane(lanes: Lane[], order: SortDirection): Lane | undefined {
  let first: Lane | undefined;
  let firstHead: EventRecord | undefined;
  for (const lane of lanes) {
    const head = lane.head();
    if (head && (!firstHead || compareEvents(head, firstHead, order) < 0)) {
      first = lane;
      firstHead = head;
    }
  }
  return first;
}
