import type { EventKind, EventRecord, Vendor } from '../model/event.model.js';
import type { UpstreamCallCounts } from '../upstream/upstream.calls.js';
import type { Stream } from './stream.js';

/**
 * One configured source: one vendor account, region and scope. Long-lived: it owns the
 * upstream client, and with it the IAM token, the concurrency limit and the cache. Upstream
 * calls are counted by the upstream core, on the tally the timeline hands down with each
 * read, not here, so that an answer shared within a request or served from the cache is not
 * counted as a call.
 */
export interface EventSource {
  readonly name: string;
  readonly kind: EventKind;
  readonly vendor: Vendor;
  readonly endpoint: string;
  /** The view of one GraphQL request. DataLoaders live there, never across requests. */
  openSession(): SourceSession;
  /**
   * What a page of this source costs upstream, as far as the configuration tells, without
   * calling anything: the cost limit refuses an operation before any resolver runs, when
   * the streams are not listed yet (ModelArts lists its services upstream). Absent: one
   * stream of small pages is assumed.
   */
  estimateStreams?(): StreamEstimate;
}

/** A source's streams as the configuration foresees them: see `EventSource.estimateStreams`. */
export interface StreamEstimate {
  /** How many streams a page reads; a guess where only the upstream knows. */
  streams: number;
  /** The largest page one call of a stream serves (its `Stream.maxPageSize`). */
  maxPageSize: number;
  /** Calls a page makes before reading any stream (a service list); none when absent. */
  listingCalls?: number;
}

export interface SourceSession {
  readonly source: EventSource;
  /**
   * The streams the source expands into; may call the upstream (e.g. a service list), and
   * then hands `calls`, the page's tally, to that call.
   */
  streams(calls: UpstreamCallCounts): Promise<Stream[]>;
  /** The event whose id `events` gave, or null when it is not (or no longer) upstream. */
  findEvent(naturalId: readonly unknown[]): Promise<EventRecord | null>;
}
