import type { ModelArtsEvent, ModelArtsEventType } from './modelarts.dataset.js';

export interface EventQuery {
  eventType?: ModelArtsEventType;
  /** Inclusive lower bound on occur_time, epoch ms. */
  startTime?: number;
  /** Inclusive upper bound on occur_time, epoch ms. */
  endTime?: number;
  order: 'asc' | 'desc';
  /** Page index from 0: page N holds matches [N*limit, (N+1)*limit). */
  page: number;
  limit: number;
}

/**
 * One service's events, sorted once and kept sorted: ascending by occur_time, and among
 * equal occur_times in insertion order. `desc` is the exact reverse, so every order is
 * total and a page boundary falling inside a tie is still deterministic. A query is two
 * binary searches and a slice, O(log n + limit), whatever the page index.
 */
export class ServiceEventIndex {
  private readonly all: ModelArtsEvent[];
  private readonly byType: Record<ModelArtsEventType, ModelArtsEvent[]>;

  constructor(events: readonly ModelArtsEvent[]) {
    // Array.prototype.sort is stable (ES2019), which keeps insertion order among ties.
    this.all = events.map((e) => ({ ...e })).sort((a, b) => a.occur_time - b.occur_time);
    this.byType = {
      normal: this.all.filter((e) => e.event_type === 'normal'),
      abnormal: this.all.filter((e) => e.event_type === 'abnormal'),
    };
  }

  get size(): number {
    return this.all.length;
  }

  /** Appends after every event with the same or an earlier occur_time. */
  add(event: ModelArtsEvent): void {
    const copy = { ...event };
    insertAfterTies(this.all, copy);
    insertAfterTies(this.byType[copy.event_type], copy);
  }

  /** All events, ascending. */
  list(): ModelArtsEvent[] {
    return this.all.map((e) => ({ ...e }));
  }

  query(q: EventQuery): { total: number; events: ModelArtsEvent[] } {
    const source = q.eventType ? this.byType[q.eventType] : this.all;
    const lo = q.startTime === undefined ? 0 : firstAtOrAfter(source, q.startTime);
    const hi = q.endTime === undefined ? source.length : firstAfter(source, q.endTime);
    const total = Math.max(0, hi - lo);
    const skip = q.page * q.limit;
    if (skip >= total) return { total, events: [] };
    const take = Math.min(q.limit, total - skip);
    const events: ModelArtsEvent[] = new Array(take);
    if (q.order === 'asc') {
      for (let i = 0; i < take; i++) events[i] = { ...(source[lo + skip + i] as ModelArtsEvent) };
    } else {
      for (let i = 0; i < take; i++) events[i] = { ...(source[hi - 1 - skip - i] as ModelArtsEvent) };
    }
    return { total, events };
  }
}

function firstAtOrAfter(events: readonly ModelArtsEvent[], time: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as ModelArtsEvent).occur_time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstAfter(events: readonly ModelArtsEvent[], time: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as ModelArtsEvent).occur_time <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAfterTies(events: ModelArtsEvent[], event: ModelArtsEvent): void {
  const at = firstAfter(events, event.occur_time);
  if (at === events.length) events.push(event);
  else events.splice(at, 0, event);
}
