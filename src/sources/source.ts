import type { EventKind, EventRecord, Vendor } from '../model/event.model.js';
import type { Stream } from '../timeline/stream.js';

/**
 * One configured source: one vendor account, region and scope. Long-lived: it owns the
 * upstream client, and with it the IAM token, the concurrency limit and the cache.
 */
export interface EventSource {
  readonly name: string;
  readonly kind: EventKind;
  readonly vendor: Vendor;
  readonly endpoint: string;
  /** The view of one GraphQL request. DataLoaders live there, never across requests. */
  openSession(): SourceSession;
}

export interface SourceSession {
  readonly source: EventSource;
  /** Upstream calls this session has made so far (attempts after the first are not counted). */
  readonly upstreamCalls: number;
  /** The streams the source expands into; may call the upstream (e.g. a service list). */
  streams(): Promise<Stream[]>;
  /** The event whose id `events` gave, or null when it is not (or no longer) upstream. */
  findEvent(naturalId: readonly unknown[]): Promise<EventRecord | null>;
}
