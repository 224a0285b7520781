import type { EventRecord } from '../../model/event.model.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';

export const DEFAULT_MAX_BUFFERED = 1000;

/** What a subscriber reads, in the order things happened. */
export type TailItem = TailEventItem | TailNoticeItem | TailDroppedItem;

export interface TailEventItem {
  type: 'event';
  event: EventRecord;
  /** It appeared upstream after the tail had already read past its time. */
  late: boolean;
}

/** A stream of `source` stopped being read (FAILED), or is read again (OK). */
export interface TailNoticeItem {
  type: 'notice';
  source: string;
  status: 'FAILED' | 'OK';
  error?: UpstreamError;
  dropped: 0;
  /** See `PollerNotice.lagMs`. */
  lagMs: number;
}

/** The consumer was too slow: this many items of `source`, the oldest, were dropped before what comes next. */
export interface TailDroppedItem {
  type: 'dropped';
  source: string;
  count: number;
}

/**
 * One subscriber's side of the tail: an async iterator over a bounded buffer. The pollers
 * push; the consumer pulls at its own pace. When it falls `maxBuffered` items behind, the
 * oldest are dropped (a live tail cares for what is newest) and counted per source, and the
 * next items it reads say how many of each source it missed. Memory stays bounded whatever
 * the consumer does.
 */
export class TailSubscription implements AsyncIterableIterator<TailItem> {
  private readonly queue: (TailEventItem | TailNoticeItem)[] = [];
  /** Dropped items not reported yet, by the source they were of. */
  private readonly droppedBySource = new Map<string, number>();
  /** The consumer's `next()` waiting for an item, when the buffer was empty. */
  private waiting: ((result: IteratorResult<TailItem>) => void) | undefined;
  private closed = false;

  /**
   * `leave`: detaches from every poller; called once, when the subscription ends.
   * `onDrop`: told of each item dropped, for the hub's count.
   */
  constructor(
    readonly maxBuffered: number,
    private readonly leave: () => void,
    private readonly onDrop: () => void = () => {},
  ) {
    if (!Number.isInteger(maxBuffered) || maxBuffered < 1) throw new RangeError(`maxBuffered must be a positive integer, not ${maxBuffered}`);
  }

  /** Items waiting for the consumer: at most `maxBuffered`, or one poll's burst to a consumer that had caught up. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Dropped items not reported yet. */
  get dropped(): number {
    let count = 0;
    for (const each of this.droppedBySource.values()) count += each;
    return count;
  }

  get done(): boolean {
    return this.closed;
  }

  /** One item (a notice): to a waiting consumer, or into the buffer. */
  push(item: TailEventItem | TailNoticeItem): void {
    this.pushAll([item]);
  }

  /**
   * What one poll found, together. A consumer that had read everything when it comes gets
   * all of it, however large a burst the poll found: only a consumer still behind from
   * before loses items, down to `maxBuffered`. The items are the poll's own records, shared
   * with every other subscriber, so a burst costs each buffer references only.
   */
  pushAll(items: readonly (TailEventItem | TailNoticeItem)[]): void {
    if (this.closed || items.length === 0) return;
    const bound = this.queue.length === 0 ? Math.max(this.maxBuffered, items.length) : this.maxBuffered;
    for (const item of items) this.pushOne(item, bound);
  }

  private pushOne(item: TailEventItem | TailNoticeItem, bound: number): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    // `while`: a burst taken whole may have left more than the bound in the queue.
    while (this.queue.length >= bound) {
      const dropped = this.queue.shift()!;
      const source = dropped.type === 'event' ? dropped.event.sourceName : dropped.source;
      this.droppedBySource.set(source, (this.droppedBySource.get(source) ?? 0) + 1);
      this.onDrop();
    }
    this.queue.push(item);
  }

  next(): Promise<IteratorResult<TailItem>> {
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    // What was lost comes first, so the consumer knows there is a gap before what follows.
    for (const [source, count] of this.droppedBySource) {
      this.droppedBySource.delete(source);
      return Promise.resolve({ value: { type: 'dropped', source, count }, done: false });
    }
    const item = this.queue.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The consumer leaves (a `for await` that breaks calls it): the pollers stop if it was the last. */
  return(): Promise<IteratorResult<TailItem>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the subscription: frees the buffer, ends a waiting `next()`, leaves the pollers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.droppedBySource.clear();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
    this.leave();
  }
}
