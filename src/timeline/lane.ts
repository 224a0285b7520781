import type { EventRecord } from '../model/event.model.js';
import { UpstreamError } from '../upstream/upstream.errors.js';
import { matchesFilter, type EventFilter } from './event-filter.js';
import { compareEventToKey, compareKeys, keyOf } from './event-order.js';
import { clampWant, holdBackLastInstant, inTotalOrder, RepeatFilter } from './read-contract.js';
import type { EventKey, Stream, StreamChunk, StreamPlan, StreamPosition, StreamQuery, StreamReader } from './stream.js';

/** The part of a stream query that stays the same for every read of a page. */
export type LaneQuery = Pick<StreamQuery, 'order' | 'since' | 'until' | 'filter' | 'calls'>;

export interface LaneOptions {
  stream: Stream;
  /** What the stream's `plan` answered for this page; every read of the lane carries it. */
  plan: StreamPlan;
  query: LaneQuery;
  /** The filter, its window narrowed to the snapshot: every event the lane gives matches it. */
  window: EventFilter;
  /** Where the stream resumes: it gives only events after this key. */
  start: EventKey | undefined;
  /** The stream resumes behind the cursor, after an earlier failure. */
  startedBehind: boolean;
  resume: StreamPosition | undefined;
  /** The first read's page size. */
  want: number;
  /** The first read asks for less than the page could take (see ReadPlan). */
  planned: boolean;
  /** Some active filter field is applied here only, so the stream's total is not the filter's. */
  localOnly: boolean;
}

/**
 * One stream being read for one page: its reads and read-ons, the events they gave in total
 * order and without repeats, and how far the page took them. A failed read ends the lane
 * without failing the page.
 */
export class Lane {
  readonly stream: Stream;
  readonly startedBehind: boolean;
  readonly localOnly: boolean;
  private readonly plan: StreamPlan;
  private readonly query: LaneQuery;
  private readonly window: EventFilter;
  private reader: StreamReader;
  private start: EventKey | undefined;
  private planned: boolean;
  /** Events ready to merge, in total order. */
  private buffer: EventRecord[] = [];
  /** Events of the last millisecond read, held until the next chunk shows all its ties. */
  private pending: EventRecord[] = [];
  private readonly repeats: RepeatFilter;
  private done = false;
  private failure: UpstreamError | null = null;
  private last: EventKey | undefined;
  private streamTotal: number | null | undefined;
  private takenCount = 0;

  constructor(options: LaneOptions) {
    this.stream = options.stream;
    this.startedBehind = options.startedBehind;
    this.localOnly = options.localOnly;
    this.plan = options.plan;
    this.query = options.query;
    this.window = options.window;
    this.start = options.start;
    this.planned = options.planned;
    this.repeats = new RepeatFilter(options.query.order);
    this.reader = this.open(options.start, options.want, options.resume);
  }

  /** The error that ended the lane, if a read failed. */
  get failed(): UpstreamError | null {
    return this.failure;
  }

  /** Events the page took from the lane. */
  get taken(): number {
    return this.takenCount;
  }

  /** What the stream's first answer said it holds: undefined before it came, null when it could not tell. */
  get total(): number | null | undefined {
    return this.streamTotal;
  }

  /** Where the lane stands: the last event the page took, else where it resumed. */
  get position(): EventKey | undefined {
    return this.last ?? this.start;
  }

  /** True once the stream has given everything and every event is in the buffer or taken. */
  get finished(): boolean {
    return this.done && this.pending.length === 0;
  }

  /** The next event to merge, once `fill` made one ready. */
  head(): EventRecord | undefined {
    return this.buffer[0];
  }

  take(): EventRecord {
    const event = this.buffer.shift();
    if (!event) throw new Error(`lane ${this.stream.key}: take() with nothing ready`);
    this.last = keyOf(event);
    this.takenCount += 1;
    return event;
  }

  /**
   * Reads until an event is ready, the stream is done or a read fails. `readOn` is the page
   * size of a read on in full, should the planned read fall short.
   */
  async fill(readOn: number): Promise<void> {
    while (this.buffer.length === 0 && !this.failure && !this.finished) {
      if (this.done) {
        this.buffer = this.pending;
        this.pending = [];
        break;
      }
      if (this.planned && this.last) this.readOnInFull(this.last, readOn);
      try {
        this.accept(await this.reader.next());
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        this.failure = error;
      }
    }
  }

  /**
   * Where the stream is behind the cursor position `global` and must resume from on the next
   * page; undefined when it is not. Only a lane that failed, or started behind and has not
   * caught up, can be behind.
   */
  lagAt(global: EventKey): EventKey | null | undefined {
    if (!this.failure && !this.startedBehind) return undefined;
    const position = this.position;
    const behind = position === undefined || compareKeys(position, global, this.query.order) < 0;
    if (!behind) return undefined;
    const head = this.buffer[0];
    const caughtUp = !this.failure && (head ? compareKeys(keyOf(head), global, this.query.order) > 0 : this.finished);
    return caughtUp ? undefined : (position ?? null);
  }

  /** The stream's upstream position for a read resuming after `key`, when it can tell. */
  positionAt(key: EventKey): StreamPosition | undefined {
    return this.reader.positionAt?.(key);
  }

  private open(start: EventKey | undefined, want: number, resume: StreamPosition | undefined): StreamReader {
    return this.stream.open({
      order: this.query.order,
      since: this.query.since,
      until: this.query.until,
      ...(start === undefined ? {} : { after: start }),
      filter: this.query.filter,
      want: clampWant(want, this.stream),
      ...(resume === undefined ? {} : { resume }),
      plan: this.plan,
      calls: this.query.calls,
    });
  }

  /**
   * A planned read that fell short: the stream is read again from the last event the page
   * took from it, as a next page would be, for everything the page could still take.
   */
  private readOnInFull(from: EventKey, want: number): void {
    this.reader = this.open(from, want, this.reader.positionAt?.(from));
    this.planned = false;
    this.start = from;
    this.pending = [];
    this.repeats.forget();
  }

  private accept(chunk: StreamChunk): void {
    if (this.streamTotal === undefined) this.streamTotal = chunk.total ?? null;
    this.done = chunk.done;
    const start = this.start;
    const accepted = this.repeats
      .dropRepeats(chunk.events)
      .filter((event) => (start === undefined || compareEventToKey(event, start, this.query.order) > 0) && matchesFilter(event, this.window));
    const combined = inTotalOrder(this.pending.length === 0 ? accepted : [...this.pending, ...accepted], this.query.order);
    const { ready, held } = holdBackLastInstant(combined, this.done);
    this.buffer = ready;
    this.pending = held;
  }
}
