import { SortDirection, type EventRecord } from '../model/event.model.js';
import { compareEvents } from './event-order.js';
import type { Stream } from './stream.js';

/*
 * What the timeline relies on, and repairs, in the streams' answers (see `Stream` and
 * `StreamChunk`): how much it asks for, the repeats it drops and the ties it holds back.
 */

/**
 * What a page asks of one stream beyond the events it could take from it. The page may take
 * `limit` events and one more, which only tells `hasNextPage`; the read must also show the
 * event after that one, or the last one's millisecond could have ties still to come, held
 * back (`holdBackLastInstant`) until a second call.
 */
export const PAGE_READ_MARGIN = 2;

/**
 * Added when a planned read that fell short is read on in full. That read starts again at
 * the millisecond of the last event the page took (`keysetWindow` keeps it in), so it gives
 * that event and its earlier ties again, and its own last millisecond is held back: a few
 * events more keep the read on from needing another call for them.
 */
export const READ_ON_MARGIN = 4;

/** The most the rest of a page can ask of one stream, once it has taken `emitted` events. */
export function pageWant(limit: number, emitted: number): number {
  return limit - emitted + PAGE_READ_MARGIN;
}

/** What a read on in full asks for, once the page has taken `emitted` events. */
export function readOnWant(limit: number, emitted: number): number {
  return pageWant(limit, emitted) + READ_ON_MARGIN;
}

/** The page size to ask `stream` for: at least one event, at most what one call serves. */
export function clampWant(want: number, stream: Pick<Stream, 'maxPageSize'>): number {
  return Math.max(1, Math.min(stream.maxPageSize, want));
}

/**
 * Splits what a read has so far into the events ready to merge and those of its last
 * millisecond, held back because the next chunk may bring more of their ties. Once the
 * stream is done, nothing is held.
 */
export function holdBackLastInstant(
  events: readonly EventRecord[],
  done: boolean,
): { ready: EventRecord[]; held: EventRecord[] } {
  let cut = events.length;
  if (!done) {
    const lastAt = events.at(-1)?.occurredAt;
    while (cut > 0 && events[cut - 1]!.occurredAt === lastAt) cut -= 1;
  }
  return { ready: events.slice(0, cut), held: events.slice(cut) };
}

/** `events` sorted by the full key: upstreams order ties in one millisecond their own way. */
export function inTotalOrder(events: EventRecord[], order: SortDirection): EventRecord[] {
  const byKey = (a: EventRecord, b: EventRecord) => compareEvents(a, b, order);
  for (let i = 1; i < events.length; i += 1) {
    if (byKey(events[i - 1]!, events[i]!) > 0) return events.sort(byKey);
  }
  return events;
}

/**
 * Drops the events a read has already shown. Upstreams answer in time order, so anything
 * behind the latest millisecond read is a repeat: an offset or page number read that
 * shifted because records arrived between two calls of one read. Within the latest
 * millisecond, a repeat is known by its id. Records that arrive behind the read position
 * belong to a part of the history already read, and are dropped with the repeats.
 */
export class RepeatFilter {
  /** The latest millisecond accepted from the upstream, and the ids accepted in it. */
  private at: number | undefined;
  private readonly ids = new Set<string>();

  constructor(private readonly order: SortDirection) {}

  /** The events of a chunk not shown before. A read's first answer cannot repeat anything. */
  dropRepeats(events: readonly EventRecord[]): readonly EventRecord[] {
    if (this.at === undefined) {
      this.rememberLastInstant(events);
      return events;
    }
    return events.filter((event) => this.isNew(event));
  }

  /** A new read starts: nothing it gives is a repeat of the read before. */
  forget(): void {
    this.at = undefined;
    this.ids.clear();
  }

  /** Where the filter stands after a read's first answer: its last millisecond and the ids in it. */
  private rememberLastInstant(events: readonly EventRecord[]): void {
    const last = events.at(-1);
    if (!last) return;
    this.at = last.occurredAt;
    for (let i = events.length - 1; i >= 0 && events[i]!.occurredAt === last.occurredAt; i -= 1) this.ids.add(events[i]!.id);
  }

  private isNew(event: EventRecord): boolean {
    const at = event.occurredAt;
    if (this.at !== undefined && at !== this.at) {
      if (this.order === SortDirection.ASC ? at < this.at : at > this.at) return false;
    }
    if (at !== this.at) {
      this.at = at;
      this.ids.clear();
    } else if (this.ids.has(event.id)) {
      return false;
    }
    this.ids.add(event.id);
    return true;
  }
}
