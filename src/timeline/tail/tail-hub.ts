import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { canonicalFilter, definedFilter, type EventFilter } from '../event-filter.js';
import type { SourceSession } from '../event-source.js';
import { isSelected } from '../page-plan.js';
import type { Stream } from '../stream.js';
import { SYSTEM_CLOCK, type TailClock } from './tail-clock.js';
import { DEFAULT_INTERVAL_MS, DEFAULT_LOOKBACK_MS, StreamPoller, withoutWindow, type PollerListener } from './tail-poller.js';
import { SourceTail, type SourceTailHost } from './tail-source.js';
import { DEFAULT_MAX_BUFFERED, TailSubscription } from './tail-subscription.js';

export interface TailHubOptions {
  /** Between two polls of a stream, ± 10 %. Default 10 000. */
  intervalMs?: number;
  /** Per source name, an interval that wins over `intervalMs`. */
  sourceIntervalsMs?: Readonly<Record<string, number>>;
  /** How far back each poll reads again over what it read before, for late records. Default 60 000. */
  lookbackMs?: number;
  /** A subscriber's buffer, in items. Default 1000. */
  maxBuffered?: number;
  clock?: TailClock;
}

/** What the hub holds now, for the metrics. */
export interface TailStats {
  subscriptions: number;
  pollers: number;
  /** Items waiting in every subscriber's buffer. */
  buffered: number;
  /** Items dropped from slow subscribers' buffers since the hub began. */
  droppedTotal: number;
}

export interface TailRequest {
  /** The sessions the subscriber may read; the filter's kinds, vendors and sources select among them. */
  sessions: readonly SourceSession[];
  /** Its time window is ignored: a tail's window moves. */
  filter: EventFilter;
  /**
   * Events at or after it are new. Honoured when the subscriber starts a stream's poller;
   * one that joins a poller already running gets what the poller delivers from then on.
   * Default: now.
   */
  since?: number;
}

/**
 * Where live-tail subscribers meet the pollers. Each subscriber's streams are listed and
 * planned as a timeline page would, and the subscriber attaches to the one poller per
 * (stream, filter) that every subscriber of that pair shares: the upstream is read once
 * however many are listening. A poller stops when its last subscriber leaves.
 */
export class TailHub {
  private readonly intervalMs: number;
  private readonly sourceIntervalsMs: ReadonlyMap<string, number>;
  readonly lookbackMs: number;
  private readonly maxBuffered: number;
  readonly clock: TailClock;
  /** Running pollers by `pollerKey`. */
  private readonly pollers = new Map<string, StreamPoller>();
  private readonly subscriptions = new Set<TailSubscription>();
  private droppedTotal = 0;

  constructor(options: TailHubOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    // A map: a source may be named "constructor".
    this.sourceIntervalsMs = new Map(Object.entries(options.sourceIntervalsMs ?? {}));
    this.lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** How many pollers run: one per (stream, filter) with at least one subscriber. */
  get pollerCount(): number {
    return this.pollers.size;
  }

  /**
   * How long, around the moment a subscriber joins, a poll may still hand over events from
   * before it: the lookback, and a few intervals for the polls already under way.
   */
  get seamMs(): number {
    return this.lookbackMs + 3 * Math.max(this.intervalMs, ...this.sourceIntervalsMs.values());
  }

  stats(): TailStats {
    let buffered = 0;
    for (const subscription of this.subscriptions) buffered += subscription.buffered;
    return { subscriptions: this.subscriptions.size, pollers: this.pollers.size, buffered, droppedTotal: this.droppedTotal };
  }

  /**
   * Tails each selected source of the subscriber (SourceTail: its streams listed and
   * planned, attached to the shared pollers, listed again now and then). Resolves once every
   * source was listed a first time: a source whose listing fails is told in a FAILED notice,
   * the others are tailed, and it joins when a later listing succeeds.
   */
  async subscribe(request: TailRequest): Promise<TailSubscription> {
    const filter = withoutWindow(definedFilter(request.filter));
    const startAt = request.since ?? this.clock.now();
    const sources: SourceTail[] = [];
    const subscription = new TailSubscription(
      this.maxBuffered,
      () => {
        this.subscriptions.delete(subscription);
        sources.splice(0).forEach((source) => source.close());
      },
      () => (this.droppedTotal += 1),
    );
    this.subscriptions.add(subscription);
    const host: SourceTailHost = {
      attach: (stream, listener) => this.attach(stream, filter, startAt, listener),
      intervalMs: (sourceName) => this.intervalOf(sourceName),
      clock: this.clock,
    };
    for (const session of request.sessions) {
      if (isSelected(session.source, filter)) sources.push(new SourceTail(session, filter, subscription, host));
    }
    await Promise.all(sources.map((source) => source.start()));
    return subscription;
  }

  /** Stops every poller and forgets them (shutdown). Subscriptions get no more items. */
  close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
    for (const poller of this.pollers.values()) poller.stop();
    this.pollers.clear();
  }

  private intervalOf(sourceName: string): number {
    return this.sourceIntervalsMs.get(sourceName) ?? this.intervalMs;
  }

  /**
   * Attaches to the poller of the stream and filter, started if there is none. Detaching the
   * last subscriber stops it, and the hub forgets it, so a later subscriber starts afresh.
   */
  private attach(stream: Stream, filter: EventFilter, startAt: number, listener: PollerListener): { detach: () => void; failure: UpstreamError | undefined } {
    const key = pollerKey(stream, filter);
    let poller = this.pollers.get(key);
    if (!poller) {
      const plan = stream.plan(filter);
      poller = new StreamPoller({ stream, plan, filter, startAt, intervalMs: this.intervalOf(stream.sourceName), lookbackMs: this.lookbackMs, clock: this.clock });
      this.pollers.set(key, poller);
    }
    const leave = poller.attach(listener);
    const attached = poller;
    const detach = () => {
      leave();
      if (attached.subscribers === 0 && this.pollers.get(key) === attached) this.pollers.delete(key);
    };
    return { detach, failure: poller.failure };
  }
}

/** One poller per stream and pushed-down filter; the canonical form makes equal filters equal. */
function pollerKey(stream: Stream, filter: EventFilter): string {
  return JSON.stringify([stream.key, canonicalFilter(withoutWindow(filter))]);
}
