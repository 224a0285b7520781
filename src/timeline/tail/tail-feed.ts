import { SortDirection } from '../../model/event.model.js';
import { compareKeys, keyOf } from '../event-order.js';
import type { EventKey } from '../stream.js';
import type { TailClock } from './tail-clock.js';
import type { TailDroppedItem, TailEventItem, TailItem, TailNoticeItem } from './tail-subscription.js';

/** What a subscriber of `eventTail` reads: the tail's items, each event with its resume cursor. */
export type TailDelivery = (TailEventItem & { cursor: string }) | TailNoticeItem | TailDroppedItem;

/** What the replay yields before the live part: the walk's events (never late) and its source failures. */
export type ReplayItem = TailEventItem | TailNoticeItem;

export interface TailFeedOptions {
  /** The subscriber's live tail, attached before the replay began so that nothing falls between. */
  live: AsyncIterableIterator<TailItem> & { close(): void };
  /** The walk after the client's cursor, up to `liveFrom`; none without `after`. */
  replay?: AsyncIterator<ReplayItem>;
  /** The cursor's position: the live part sends nothing at or before it, as the walk would not. */
  after?: EventKey;
  /** Where the live part starts: what the replay read up to. */
  liveFrom: number;
  /**
   * How long after `liveFrom` a live poll may still hand over an event the replay already
   * sent (its lookback, and an interval or two of polls that started before): replayed ids
   * stamped within this of `liveFrom` are remembered that long, and no longer.
   */
  overlapMs: number;
  /** The cursor of `events` (oldest first) just after `key`: where a new subscription resumes. */
  cursorAt(key: EventKey): string;
  clock: TailClock;
}

/**
 * One subscription's items, in order: with a cursor, the replay of what the `events` walk
 * holds after it, then the live tail. Live pollers may hand over again an event the replay
 * sent (both read around the seam), so the replayed ids near the seam are remembered and
 * their live copies skipped: each event once, with nothing lost between the two parts.
 *
 * Each event's cursor is the newest position delivered so far, not the event's own: a late
 * record is older than events already sent, and resuming at it would send those again.
 */
export class TailFeed implements AsyncIterableIterator<TailDelivery> {
  private replay: AsyncIterator<ReplayItem> | undefined;
  /** Replayed ids that a live poll may hand over again; dropped once no poll can. */
  private replayed: Set<string> | undefined = new Set();
  private newest: EventKey | undefined;
  private done = false;

  constructor(private readonly options: TailFeedOptions) {
    this.replay = options.replay;
  }

  async next(): Promise<IteratorResult<TailDelivery>> {
    if (this.done) return { value: undefined, done: true };
    const replayed = await this.nextReplayed();
    if (replayed) return { value: replayed, done: false };
    for (;;) {
      const result = await this.options.live.next();
      if (result.done) return this.finish();
      const item = result.value;
      if (item.type !== 'event') return { value: item, done: false };
      if (this.wasReplayed(item.event.id) || this.notAfterStart(item)) continue;
      return { value: this.withCursor(item), done: false };
    }
  }

  /** The client leaves: the live tail detaches from its pollers, the replay stops reading. */
  async return(): Promise<IteratorResult<TailDelivery>> {
    this.options.live.close();
    const replay = this.replay;
    this.replay = undefined;
    await replay?.return?.();
    return this.finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The replay's next item; undefined once it is over (and from then on). */
  private async nextReplayed(): Promise<TailDelivery | undefined> {
    if (!this.replay) return undefined;
    const result = await this.replay.next();
    if (result.done) {
      this.replay = undefined;
      return undefined;
    }
    const item = result.value;
    if (item.type !== 'event') return item;
    if (item.event.occurredAt >= this.options.liveFrom - this.options.overlapMs) this.replayed?.add(item.event.id);
    return this.withCursor(item);
  }

  private wasReplayed(id: string): boolean {
    if (!this.replayed) return false;
    if (this.options.clock.now() > this.options.liveFrom + this.options.overlapMs) {
      this.replayed = undefined;
      return false;
    }
    return this.replayed.has(id);
  }

  /**
   * A live poll reaches back a lookback, over what came before the cursor too: a client
   * resuming there had those, or had passed them.
   */
  private notAfterStart(item: TailEventItem): boolean {
    const after = this.options.after;
    return after !== undefined && compareKeys(keyOf(item.event), after, SortDirection.ASC) <= 0;
  }

  private withCursor(item: TailEventItem): TailEventItem & { cursor: string } {
    const key = keyOf(item.event);
    if (!this.newest || compareKeys(key, this.newest, SortDirection.ASC) > 0) this.newest = key;
    return { ...item, cursor: this.options.cursorAt(this.newest) };
  }

  private finish(): IteratorResult<TailDelivery> {
    this.done = true;
    this.replayed = undefined;
    return { value: undefined, done: true };
  }
}
