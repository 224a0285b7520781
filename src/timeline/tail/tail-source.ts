import { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { matchesFilter, type EventFilter } from '../event-filter.js';
import type { SourceSession } from '../event-source.js';
import type { Stream } from '../stream.js';
import type { TailClock, TailTimer } from './tail-clock.js';
import { asUpstreamError, type PollerListener, type PollerNotice } from './tail-poller.js';
import type { TailSubscription } from './tail-subscription.js';

/**
 * How often a source's streams are listed again while it is tailed: a service or repository
 * created since joins the tail, one deleted leaves it. Listings are cached by the sources
 * themselves (serviceListTtlSeconds and the like), so most cost no call.
 */
export const RELIST_MS = 60_000;

/** What a SourceTail needs of the hub: the shared poller of a stream, and the source's pace. */
export interface SourceTailHost {
  /**
   * Attaches the listener to the poller of the stream and filter; returns the detach, and
   * the poller's error when its reads fail already (it tells its listeners only of changes).
   */
  attach(stream: Stream, listener: PollerListener): { detach: () => void; failure: UpstreamError | undefined };
  intervalMs(sourceName: string): number;
  clock: TailClock;
}

/** The key under which a failed listing counts among a source's failing streams. */
const LISTING = '';

/**
 * One subscriber's tail of one source. It lists the source's streams and attaches to their
 * shared pollers; lists again every RELIST_MS, or at the source's interval while listing
 * fails, so that a source down when the subscription began is tailed once it is back; and
 * turns the per-stream notices of the pollers into the source's: FAILED when a first stream
 * (or the listing) fails, or the error changes; OK once none fails any more.
 */
export class SourceTail {
  private readonly attached = new Map<string, () => void>();
  /** The streams (and LISTING) failing now, with their errors. */
  private readonly failing = new Map<string, UpstreamError>();
  /** The code of the last FAILED notice sent, while the source is failing. */
  private toldCode: string | undefined;
  private timer: TailTimer | undefined;
  private closed = false;
  private readonly listener: PollerListener;

  constructor(
    private readonly session: SourceSession,
    private readonly filter: EventFilter,
    private readonly subscription: TailSubscription,
    private readonly host: SourceTailHost,
  ) {
    this.listener = {
      // The stream pushed down only part of the filter: the rest is applied here, as a page does.
      events: (batch) => subscription.pushAll(batch.filter(({ event }) => matchesFilter(event, filter)).map(({ event, late }) => ({ type: 'event', event, late }))),
      status: (notice) => this.streamStatus(notice),
    };
  }

  private get name(): string {
    return this.session.source.name;
  }

  /** The first listing, and the attaching to the pollers of what it found. */
  async start(): Promise<void> {
    await this.list();
  }

  /** Leaves every poller, and lists no more. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const detach of this.attached.values()) detach();
    this.attached.clear();
  }

  private async list(): Promise<void> {
    let streams: Stream[] | undefined;
    try {
      // A tally of its own: no page owns the listing.
      streams = await this.session.streams(new UpstreamCallCounts());
    } catch (error) {
      if (this.closed) return;
      this.fail(LISTING, asUpstreamError(error, this.name, 'listing the streams failed'), 0);
    }
    if (this.closed) return;
    if (streams) {
      this.attachAll(streams);
      this.recover(LISTING, 0);
    }
    const next = this.failing.has(LISTING) ? this.host.intervalMs(this.name) : Math.max(RELIST_MS, this.host.intervalMs(this.name));
    this.timer = this.host.clock.setTimeout(() => void this.list(), next);
  }

  /** Attaches to the streams not attached yet, and leaves those no longer listed. */
  private attachAll(streams: readonly Stream[]): void {
    const listed = new Set<string>();
    for (const stream of streams) {
      listed.add(stream.key);
      if (this.attached.has(stream.key) || stream.plan(this.filter).skip) continue;
      const { detach, failure } = this.host.attach(stream, this.listener);
      this.attached.set(stream.key, detach);
      if (failure) this.fail(stream.key, failure, 0);
    }
    for (const [key, detach] of this.attached) {
      if (listed.has(key)) continue;
      detach();
      this.attached.delete(key);
      this.recover(key, 0);
    }
  }

  private streamStatus(notice: PollerNotice): void {
    if (notice.status === 'FAILED' && notice.error) this.fail(notice.stream, notice.error, notice.lagMs);
    else this.recover(notice.stream, notice.lagMs);
  }

  private fail(key: string, error: UpstreamError, lagMs: number): void {
    this.failing.set(key, error);
    if (this.toldCode === error.code) return;
    this.toldCode = error.code;
    this.subscription.push({ type: 'notice', source: this.name, status: 'FAILED', error, dropped: 0, lagMs });
  }

  private recover(key: string, lagMs: number): void {
    if (!this.failing.delete(key) || this.failing.size > 0) return;
    this.toldCode = undefined;
    this.subscription.push({ type: 'notice', source: this.name, status: 'OK', dropped: 0, lagMs });
  }
}
