import type { CsmsSourceConfig } from '../../config/config.schema.js';
import { EventKind, EventOutcome, SortDirection, Vendor, type SecretNotificationEventRecord } from '../../model/event.model.js';
import { matchesFilter, type EventFilter, type FilterField } from '../../timeline/event-filter.js';
import type { Stream, StreamChunk, StreamPlan, StreamQuery, StreamReader } from '../../timeline/stream.js';
import { encodeEventId } from '../event-id.js';
import type { EventSource, SourceSession } from '../source.js';
import { CsmsClient, type CsmsClientOptions } from './csms.client.js';
import { csmsStreamKey, RecordNumbering, toSecretNotificationEvent } from './csms.mapper.js';
import type { CsmsRecords } from './csms.schemas.js';

/** One answer of the API, with its records mapped once. */
export interface CsmsSnapshot {
  answer: CsmsRecords;
  /** In the order of the answer. */
  events: SecretNotificationEventRecord[];
  /** Ascending by (occurredAt, id): the order of the timeline. */
  sorted: SecretNotificationEventRecord[];
}

/**
 * Huawei CSMS secret notification records (VENDORS.md §3). The API answers everything in
 * one call and filters nothing, so the source reads it at most once per `cacheTtlSeconds`
 * and serves filtering, ordering and paging from that copy.
 *
 * The cache lives here, on the long-lived source, and is keyed by nothing but the source:
 * the call has no parameter, so every question of every request shares the one answer. A
 * failed read is not cached; the next question tries again.
 */
export class CsmsSource implements EventSource {
  readonly kind = EventKind.SECRET_NOTIFICATION;
  readonly vendor = Vendor.HUAWEI_CLOUD;
  readonly name: string;
  readonly endpoint: string;
  readonly projectId: string;
  readonly client: CsmsClient;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached: { fetchedAt: number; snapshot: Promise<CsmsSnapshot> } | undefined;

  constructor(config: CsmsSourceConfig, options: CsmsClientOptions & { cacheClock?: () => number } = {}) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.projectId = config.scope.projectId;
    this.ttlMs = config.cacheTtlSeconds * 1000;
    // Apart from the signing clock, so that a test can age the cache without skewing signatures.
    this.now = options.cacheClock ?? options.now ?? Date.now;
    const { cacheClock: _cacheClock, ...clientOptions } = options;
    this.client = new CsmsClient(config, clientOptions);
  }

  openSession(): CsmsSession {
    return new CsmsSession(this);
  }

  /** The cached answer, or a new read when there is none or it is older than the TTL. */
  snapshot(): { snapshot: Promise<CsmsSnapshot>; fetched: boolean } {
    const now = this.now();
    const cached = this.cached;
    if (cached && now - cached.fetchedAt < this.ttlMs) return { snapshot: cached.snapshot, fetched: false };
    const entry = { fetchedAt: now, snapshot: this.read() };
    this.cached = entry;
    entry.snapshot.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return { snapshot: entry.snapshot, fetched: true };
  }

  /** Forgets the cached answer. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<CsmsSnapshot> {
    const answer = await this.client.listNotificationRecords();
    const numbering = new RecordNumbering();
    const events = answer.records.map((record) => toSecretNotificationEvent(this.name, record, numbering));
    const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { answer, events, sorted };
  }
}

export class CsmsSession implements SourceSession {
  upstreamCalls = 0;

  constructor(readonly source: CsmsSource) {}

  /** The records, from the source's cache; counts a call when this session made one. */
  snapshot(): Promise<CsmsSnapshot> {
    const { snapshot, fetched } = this.source.snapshot();
    if (fetched) this.upstreamCalls += 1;
    return snapshot;
  }

  streams(): Promise<Stream[]> {
    return Promise.resolve([new NotificationRecordStream(this)]);
  }

  async findEvent(naturalId: readonly unknown[]): Promise<SecretNotificationEventRecord | null> {
    const [at, digest, n] = naturalId;
    if (typeof at !== 'number' || typeof digest !== 'string' || typeof n !== 'number') return null;
    const wanted = encodeEventId(this.source.name, naturalId);
    const { events } = await this.snapshot();
    return events.find((event) => event.id === wanted) ?? null;
  }
}

/** The records, filtered, ordered and paged from the source's copy. */
class NotificationRecordStream implements Stream {
  readonly key: string;
  readonly sourceName: string;

  constructor(private readonly session: CsmsSession) {
    this.key = csmsStreamKey(session.source.name);
    this.sourceName = session.source.name;
  }

  /**
   * Every field is applied by the source on its copy, so each counts as pushed down and the
   * total stays exact. Notification records name no actor: an actor filter rules them out.
   */
  plan(filter: EventFilter): StreamPlan {
    const upstream: FilterField[] = ['since', 'until', 'outcomes', 'resource', 'search'];
    if (filter.actor !== undefined) return { skip: true, upstream };
    if (filter.outcomes && !filter.outcomes.includes(EventOutcome.SUCCESS) && !filter.outcomes.includes(EventOutcome.FAILURE)) {
      return { skip: true, upstream };
    }
    return { skip: false, upstream };
  }

  open(query: StreamQuery): StreamReader {
    const ascending = query.order === SortDirection.ASC;
    const window: EventFilter = { ...query.filter, since: query.since, until: query.until };
    let pending: SecretNotificationEventRecord[] | undefined;
    let total = 0;
    const size = Math.max(query.want, 1);
    return {
      next: async (): Promise<StreamChunk> => {
        if (!pending) {
          const { sorted } = await this.session.snapshot();
          const matching = sorted.filter((event) => matchesFilter(event, window));
          if (!ascending) matching.reverse();
          total = matching.length;
          // Keyset: skip what lies before the cursor's millisecond; the timeline drops its ties.
          const after = query.after;
          pending = after
            ? matching.filter((event) => (ascending ? event.occurredAt >= after.at : event.occurredAt <= after.at))
            : matching;
          const events = pending.splice(0, size);
          return { events, done: pending.length === 0, total };
        }
        const events = pending.splice(0, size);
        return { events, done: pending.length === 0 };
      },
    };
  }
}
