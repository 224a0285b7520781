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
 * one call and filters nothing, so filtering, ordering and paging are served from that one
 * answer.
 *
 * The answer goes through the upstream core like every other read: shared by every question
 * of one GraphQL request, and cached across requests for the source's `cacheTtlSeconds`
 * (60 s by default for this kind, longer than the others because each read is the whole
 * history). The call has no parameter, so every question shares the one answer. A failed
 * read is not cached; the next question tries again.
 */
export class CsmsSource implements EventSource {
  readonly kind = EventKind.SECRET_NOTIFICATION;
  readonly vendor = Vendor.HUAWEI_CLOUD;
  readonly name: string;
  readonly endpoint: string;
  readonly projectId: string;
  readonly client: CsmsClient;
  /**
   * Each answer mapped and sorted once: the cache hands every request the same answer
   * object, and mapping up to 1000 records per request would cost more than the hit saves.
   */
  private readonly snapshots = new WeakMap<CsmsRecords, CsmsSnapshot>();

  constructor(config: CsmsSourceConfig, options: CsmsClientOptions = {}) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.projectId = config.scope.projectId;
    this.client = new CsmsClient(config, options);
  }

  openSession(): CsmsSession {
    return new CsmsSession(this);
  }

  async snapshot(): Promise<CsmsSnapshot> {
    const answer = await this.client.listNotificationRecords();
    let snapshot = this.snapshots.get(answer);
    if (!snapshot) {
      snapshot = this.map(answer);
      this.snapshots.set(answer, snapshot);
    }
    return snapshot;
  }

  private map(answer: CsmsRecords): CsmsSnapshot {
    const numbering = new RecordNumbering();
    const events = answer.records.map((record) => toSecretNotificationEvent(this.name, record, numbering));
    const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { answer, events, sorted };
  }
}

export class CsmsSession implements SourceSession {
  constructor(readonly source: CsmsSource) {}

  /** The records: one call per request at most, and none while the cache holds them. */
  snapshot(): Promise<CsmsSnapshot> {
    return this.source.snapshot();
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
          const matching = inWindow(sorted, query.since, query.until).filter((event) => matchesFilter(event, window));
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

/**
 * The events of `sorted` (oldest first) within [since, until], found by binary search, so a
 * page of a large copy does not test every record against the window.
 */
function inWindow<T extends { occurredAt: number }>(sorted: readonly T[], since: number | undefined, until: number): T[] {
  const firstAfter = (bound: number, inclusive: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const at = sorted[mid]!.occurredAt;
      if (inclusive ? at < bound : at <= bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return sorted.slice(since === undefined ? 0 : firstAfter(since, true), firstAfter(until, false));
}
