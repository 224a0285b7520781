import { SortDirection, type EventRecord } from '../../model/event.model.js';
import { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamError } from '../../upstream/upstream.errors.js';
import type { EventFilter } from '../event-filter.js';
import { compareEvents } from '../event-order.js';
import type { Stream, StreamPlan } from '../stream.js';
import { SYSTEM_CLOCK, type TailClock, type TailTimer } from './tail-clock.js';

export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_LOOKBACK_MS = 60_000;
/** Each wait between two polls is the interval ± this share, so pollers started together drift apart. */
export const JITTER = 0.1;

/** What a poller tells the subscribers attached to it. */
export interface PollerListener {
  /**
   * The new events of one poll, oldest first; `late` when one appeared upstream after a
   * poll had read past its time.
   */
  events(batch: readonly PolledEvent[]): void;
  /** The stream's reads started failing (`error`), or work again (`error` undefined). */
  status(notice: PollerNotice): void;
}

export interface PolledEvent {
  event: EventRecord;
  late: boolean;
}

export interface PollerNotice {
  source: string;
  stream: string;
  status: 'FAILED' | 'OK';
  error?: UpstreamError;
  /**
   * How far behind the tail of this stream is: now minus the end of the last window read
   * whole before the notice (FAILED: how stale it is; OK: the gap this recovery caught up on).
   */
  lagMs: number;
}

export interface StreamPollerOptions {
  stream: Stream;
  /** What `stream.plan(filter)` answered; the poller never plans again. */
  plan: StreamPlan;
  /** The shared filter, without a time window: the poller sets its own at every poll. */
  filter: EventFilter;
  /** Events at or after it are new on the first poll; those before count as already there. */
  startAt?: number;
  intervalMs?: number;
  lookbackMs?: number;
  clock?: TailClock;
}

/**
 * Polls one stream for a live tail. One per stream and pushed-down filter, shared by every
 * subscriber that needs it, so that a hundred subscribers cost the upstream what one does.
 *
 * Every `intervalMs` (± 10 %) it reads the window [previous until − lookbackMs, now] newest
 * first. Upstreams index by time, but records may land with an earlier time than the newest
 * one already there (ingestion delays), so each poll looks back `lookbackMs` over what it
 * has already read, and remembers the ids it delivered there so that each event goes out
 * once. The rate limits, retries and circuit breaker of the source apply as for any read:
 * the poller only calls the stream.
 */
export class StreamPoller {
  readonly stream: Stream;
  private readonly plan: StreamPlan;
  private readonly filter: EventFilter;
  private readonly intervalMs: number;
  private readonly lookbackMs: number;
  private readonly clock: TailClock;
  private readonly listeners = new Set<PollerListener>();
  /** Ids delivered (or there before the start) within the lookback horizon → their occurredAt. */
  private readonly seen = new Map<string, number>();
  /** Where the first poll starts delivering. */
  private readonly startAt: number;
  /** The end of the last window read whole; undefined before the first poll. */
  private lastUntil: number | undefined;
  private failing: UpstreamError | undefined;
  private timer: TailTimer | undefined;
  private polling = false;
  private stopped = false;

  constructor(options: StreamPollerOptions) {
    this.stream = options.stream;
    this.plan = options.plan;
    this.filter = withoutWindow(options.filter);
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.startAt = options.startAt ?? this.clock.now();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Whether a poll is scheduled or under way. */
  get running(): boolean {
    return !this.stopped && (this.timer !== undefined || this.polling);
  }

  /** The error of the stream's reads while they fail: what a subscriber joining now must be told. */
  get failure(): UpstreamError | undefined {
    return this.failing;
  }

  /** How many ids the poller remembers: bounded by what the lookback window holds. */
  get remembered(): number {
    return this.seen.size;
  }

  /**
   * Attaches a listener; the first one starts polling at once. Returns the detach, which
   * stops the poller when it removes the last listener.
   */
  attach(listener: PollerListener): () => void {
    if (this.stopped) throw new Error(`the poller of ${this.stream.key} has stopped`);
    this.listeners.add(listener);
    if (this.timer === undefined && !this.polling) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** No timer left, and a poll under way delivers nothing and schedules nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delayMs);
  }

  /** The interval ± JITTER. */
  private nextDelay(): number {
    return Math.round(this.intervalMs * (1 + JITTER * (2 * this.clock.random() - 1)));
  }

  /** One poll: read the window, deliver what is new, move the window, schedule the next. */
  private async poll(): Promise<void> {
    this.polling = true;
    const until = this.clock.now();
    const previousUntil = this.lastUntil;
    // After a failure `lastUntil` stayed where it was: this window covers the gap too.
    const since = (previousUntil ?? Math.min(this.startAt, until)) - this.lookbackMs;
    try {
      const fresh = await this.readNew(since, until, previousUntil);
      if (this.stopped) return;
      this.lastUntil = until;
      this.recovered(previousUntil);
      this.deliver(fresh, previousUntil);
      this.forgetBefore(until - this.lookbackMs);
    } catch (error) {
      if (this.stopped) return;
      this.failed(asUpstreamError(error, this.stream.sourceName), previousUntil);
    } finally {
      this.polling = false;
      if (!this.stopped) this.schedule(this.nextDelay());
    }
  }

  /**
   * Reads [since, until] newest first, chunk after chunk, until the stream is done or its
   * events fall before the window, and keeps the events not seen yet (marking them seen).
   * On the first poll, events before `startAt` were there before the tail began: they are
   * marked seen, not delivered, so that only what appears later goes out.
   */
  private async readNew(since: number, until: number, previousUntil: number | undefined): Promise<EventRecord[]> {
    const window = { ...this.filter, since, until };
    const reader = this.stream.open({
      order: SortDirection.DESC,
      since,
      until,
      filter: window,
      want: this.stream.maxPageSize,
      plan: this.plan,
      // A tally of its own: no page owns these calls; the upstream core still counts them.
      // Fresh: a poll asks what it asked an interval ago, and a cached answer would hide
      // what landed since (for as long as the source's cacheTtlSeconds).
      calls: new UpstreamCallCounts({ fresh: true }),
    });
    const fresh: EventRecord[] = [];
    let emptyInARow = 0;
    for (;;) {
      const chunk = await reader.next();
      let pastWindow = false;
      for (const event of chunk.events) {
        if (event.occurredAt < since) pastWindow = true;
        if (event.occurredAt < since || event.occurredAt > until || this.seen.has(event.id)) continue;
        this.seen.set(event.id, event.occurredAt);
        if (previousUntil === undefined && event.occurredAt < this.startAt) continue;
        fresh.push(event);
      }
      // Like a scan (stream-count.ts): an empty chunk may come before the first events, but
      // two in a row and nothing more would come.
      emptyInARow = chunk.events.length === 0 ? emptyInARow + 1 : 0;
      if (chunk.done || pastWindow || emptyInARow >= 2) return fresh;
    }
  }

  /** Oldest first, as a tail reads; late when a poll before had already read past its time. */
  private deliver(fresh: EventRecord[], previousUntil: number | undefined): void {
    if (fresh.length === 0) return;
    fresh.sort((a, b) => compareEvents(a, b, SortDirection.ASC));
    const batch = fresh.map((event) => ({ event, late: previousUntil !== undefined && event.occurredAt < previousUntil }));
    for (const listener of [...this.listeners]) listener.events(batch);
  }

  /** Ids older than the next window can never be read again: forgetting them bounds the map. */
  private forgetBefore(horizon: number): void {
    for (const [id, occurredAt] of this.seen) if (occurredAt < horizon) this.seen.delete(id);
  }

  /** Tells the subscribers once when reads start failing, and again when the error changes. */
  private failed(error: UpstreamError, previousUntil: number | undefined): void {
    const known = this.failing;
    this.failing = error;
    if (known && known.code === error.code) return;
    this.notify({ status: 'FAILED', error, lagMs: this.lagSince(previousUntil) });
  }

  /** After a failure, tells the subscribers the stream reads again, and how big the gap was. */
  private recovered(previousUntil: number | undefined): void {
    if (!this.failing) return;
    this.failing = undefined;
    this.notify({ status: 'OK', lagMs: this.lagSince(previousUntil) });
  }

  private lagSince(until: number | undefined): number {
    return Math.max(0, this.clock.now() - (until ?? this.startAt));
  }

  private notify(notice: Omit<PollerNotice, 'source' | 'stream'>): void {
    const full: PollerNotice = { source: this.stream.sourceName, stream: this.stream.key, ...notice };
    for (const listener of [...this.listeners]) listener.status(full);
  }
}

/** The filter without its time window: a tail's window moves, the poller sets it at each poll. */
export function withoutWindow(filter: EventFilter): EventFilter {
  const { since: _since, until: _until, ...rest } = filter;
  return rest;
}

/**
 * Streams and listings throw only UpstreamError; anything else is a bug in a source, told
 * the same way so that one broken stream cannot stop the tail of the others.
 */
export function asUpstreamError(error: unknown, source: string, what = 'the stream failed'): UpstreamError {
  if (error instanceof UpstreamError) return error;
  return new UpstreamError({
    code: 'UPSTREAM_BAD_RESPONSE',
    source,
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}
