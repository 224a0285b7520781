import type { EventRecord } from '../model/event.model.js';
import { UpstreamError } from '../upstream/upstream.errors.js';
import { inStreamSpan } from '../upstream/upstream.telemetry.js';
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
  /** When the page must be answered; none when absent. */
  deadline?: PageDeadline;
}

/** The largest delay `setTimeout` keeps; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * When a page must be answered: the request's deadline. Stream listings and reads race it.
 * One that has not answered by then is given up: its stream (or source) fails with
 * UPSTREAM_TIMEOUT like any failed read, so the page reports it, in `sources` and in the
 * errors, with what the other streams gave, and its cursors carry the stream's lag for the
 * next page to resume. The call itself runs on in the upstream core, under that source's
 * own timeout; its answer may still serve the cache. After the deadline no call starts.
 */
export class PageDeadline {
  private expiry: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** `at`: epoch ms; undefined for a page with no deadline. */
  constructor(readonly at: number | undefined) {}

  get passed(): boolean {
    return this.at !== undefined && Date.now() >= this.at;
  }

  /** What `work` gives, or `timedOut()` thrown if the deadline comes first (at once when it has passed). */
  async race<T>(work: () => Promise<T>, timedOut: () => UpstreamError): Promise<T> {
    if (this.at === undefined) return work();
    if (this.passed) throw timedOut();
    const expired = Symbol('expired');
    const first = await Promise.race([work(), this.expired().then(() => expired)]);
    if (first === expired) throw timedOut();
    return first as T;
  }

  /** Stops the timer once the page is read: no page leaves a timer behind. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  /** One timer for every race of the page, armed by the first. */
  private expired(): Promise<void> {
    this.expiry ??= new Promise<void>((resolve) => {
      const arm = () => {
        if (this.disposed) return;
        const left = this.at! - Date.now();
        if (left <= 0) resolve();
        else this.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      arm();
    });
    return this.expiry;
  }
}

/** The deadline of a page that has none. */
export const NO_DEADLINE = new PageDeadline(undefined);

/** The error of a read or listing still unanswered at the request's deadline. */
export function deadlineError(sourceName: string, what: string): UpstreamError {
  return new UpstreamError({
    code: 'UPSTREAM_TIMEOUT',
    source: sourceName,
    message: `${what}: no answer by the request's deadline (server.requestTimeoutMs); the events gathered by then are in the page`,
  });
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
  private readonly deadline: PageDeadline;
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
  /** The first read, started by `prime` before the merge asks for it. */
  private priming: Promise<void> | undefined;

  constructor(options: LaneOptions) {
    this.stream = options.stream;
    this.startedBehind = options.startedBehind;
    this.localOnly = options.localOnly;
    this.plan = options.plan;
    this.query = options.query;
    this.window = options.window;
    this.start = options.start;
    this.planned = options.planned;
    this.deadline = options.deadline ?? NO_DEADLINE;
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
   * Starts the first read now, as `fill(readOn)` would, so that the stream reads while other
   * sources still list theirs; the merge's first `fill` waits for it rather than reading again.
   */
  prime(readOn: number): void {
    if (this.priming) return;
    this.priming = this.fill(readOn);
    // Its failure is the merge's to see, through `fill`; never an unhandled rejection here.
    this.priming.catch(() => undefined);
  }

  /**
   * Reads until an event is ready, the stream is done or a read fails. `readOn` is the page
   * size of a read on in full, should the planned read fall short.
   */
  async fill(readOn: number): Promise<void> {
    const primed = this.priming;
    if (primed) {
      this.priming = undefined;
      await primed;
    }
    while (this.buffer.length === 0 && !this.failure && !this.finished) {
      if (this.done) {
        this.buffer = this.pending;
        this.pending = [];
        break;
      }
      if (this.planned && this.last) this.readOnInFull(this.last, readOn);
      try {
        const reader = this.reader;
        const { sourceName, key } = this.stream;
        const read = () => inStreamSpan(sourceName, key, () => reader.next());
        this.accept(await this.deadline.race(read, () => deadlineError(sourceName, `stream ${key}`)));
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
