import { SortDirection, type EventRecord } from '../model/event.model.js';
import type { EventKey } from './stream.js';

export function keyOf(event: EventRecord): EventKey {
  return { at: event.occurredAt, stream: event.streamKey, id: event.id };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Total order: occurredAt, then stream, then id; negative when `a` comes first in `order`. */
export function compareKeys(a: EventKey, b: EventKey, order: SortDirection): number {
  const ascending = a.at - b.at || byText(a.stream, b.stream) || byText(a.id, b.id);
  return order === SortDirection.ASC ? ascending : -ascending;
}

/** The same order over events, without building their keys: the merge's hot path. */
export function compareEvents(a: EventRecord, b: EventRecord, order: SortDirection): number {
  const ascending = a.occurredAt - b.occurredAt || byText(a.streamKey, b.streamKey) || byText(a.id, b.id);
  return order === SortDirection.ASC ? ascending : -ascending;
}

/** An event against a key, without building the event's key. */
export function compareEventToKey(event: EventRecord, key: EventKey, order: SortDirection): number {
  const ascending = event.occurredAt - key.at || byText(event.streamKey, key.stream) || byText(event.id, key.id);
  return order === SortDirection.ASC ? ascending : -ascending;
}

export function reverse(order: SortDirection): SortDirection {
  return order === SortDirection.ASC ? SortDirection.DESC : SortDirection.ASC;
}
