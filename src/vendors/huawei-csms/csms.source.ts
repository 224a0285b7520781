import type { CsmsSourceConfig } from './csms.config.js';
import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { HUAWEI_CLOUD, SECRET_NOTIFICATION_KIND, type SecretNotificationEventRecord } from './secret-notification-event.record.js';
import { matchesFilter, type EventFilter, type FilterField } from '../../timeline/event-filter.js';
import { keysetWindow, type Stream, type StreamChunk, type StreamPlan, type StreamQuery, type StreamReader } from '../../timeline/stream.js';
import { encodeEventId } from '../../timeline/event-id.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import type { EventSource, SourceSession } from '../../timeline/event-source.js';
import { CsmsClient, type CsmsClientOptions } from './csms.client.js';
import { csmsStreamKey } from './csms.mapper.js';
import type { CsmsRecords } from './csms.schemas.js';
import { CsmsSnapshot } from './csms.snapshot.js';

/**
 * Huawei CSMS secret notification records (docs/vendors/huawei-csms.md). The API answers everything in
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
  static readonly kind = SECRET_NOTIFICATION_KIND.name;
  readonly kind = CsmsSource.kind;
  readonly vendor = HUAWEI_CLOUD.name;
  readonly name: string;
  readonly endpoint: string;
  readonly projectId: string;
  readonly client: CsmsClient;
  /**
   * One snapshot per answer: the cache hands every request the same answer object, so what
   * a request mapped of it (see CsmsSnapshot) serves the next requests too.
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

  async snapshot(calls?: UpstreamCallCounts): Promise<CsmsSnapshot> {
    const answer = await this.client.listNotificationRecords(calls);
    let snapshot = this.snapshots.get(answer);
    if (!snapshot) {
      snapshot = new CsmsSnapshot(this.name, answer);
      this.snapshots.set(answer, snapshot);
    }
    return snapshot;
  }

  /** One stream, cut from one answer: any page is one call (none while it is cached). */
  estimateStreams() {
    return { streams: 1, maxPageSize: Number.POSITIVE_INFINITY };
  }
}

export class CsmsSession implements SourceSession {
  constructor(readonly source: CsmsSource) {}

  /**
   * The records: one call per request at most, and none while the cache holds them. A
   * stream passes its page's tally; the native query and `findEvent` pass none.
   */
  snapshot(calls?: UpstreamCallCounts): Promise<CsmsSnapshot> {
    return this.source.snapshot(calls);
  }

  streams(): Promise<Stream[]> {
    return Promise.resolve([new NotificationRecordStream(this)]);
  }

  async findEvent(naturalId: readonly unknown[]): Promise<SecretNotificationEventRecord | null> {
    const [at, digest, n] = naturalId;
    if (typeof at !== 'number' || typeof digest !== 'string' || typeof n !== 'number') return null;
    const snapshot = await this.snapshot();
    return snapshot.find(encodeEventId(this.source.name, naturalId), at);
  }
}

/** The records, filtered, ordered and paged from the source's copy. */
class NotificationRecordStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  /** Pages are cut from the source's copy, not asked of the upstream: any size serves. */
  readonly maxPageSize = Number.POSITIVE_INFINITY;

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

  /**
   * The events in `order`, a millisecond mapped only when the read reaches it: a page maps
   * about its own size of the snapshot, not the whole answer. The total is that of the
   * window, cursor aside, as if every event had been mapped and filtered.
   */
  open(query: StreamQuery): StreamReader {
    const ascending = query.order === SortDirection.ASC;
    const window: EventFilter = { ...query.filter, since: query.since, until: query.until };
    const size = query.want;
    let read: Iterator<SecretNotificationEventRecord> | undefined;
    let upNext: IteratorResult<SecretNotificationEventRecord>;
    const take = (): StreamChunk => {
      const events: SecretNotificationEventRecord[] = [];
      while (events.length < size && !upNext.done) {
        events.push(upNext.value);
        upNext = read!.next();
      }
      // One event read ahead, so `done` is known with the last page rather than after it.
      return { events, done: upNext.done === true };
    };
    return {
      next: async (): Promise<StreamChunk> => {
        if (read) return take();
        const snapshot = await this.session.snapshot(query.calls);
        const [start, end] = snapshot.groupsWithin(query.since, query.until);
        const total = everyEventMatches(query.filter)
          ? snapshot.count(start, end)
          : [...matching(snapshot, start, end, ascending, window)].length;
        // Keyset: skip what lies before the cursor's millisecond; the timeline drops its ties.
        const keyset = keysetWindow(query);
        const [from, to] = snapshot.groupsWithin(keyset.since, keyset.until);
        read = matching(snapshot, from, to, ascending, window);
        upNext = read.next();
        return { ...take(), total };
      },
    };
  }
}

/**
 * True when the filter keeps every event of the window: then the window's records can be
 * counted without mapping them. (kinds, vendors and sources are the timeline's to apply.)
 */
function everyEventMatches(filter: EventFilter): boolean {
  const bothOutcomes = !filter.outcomes || (filter.outcomes.includes(EventOutcome.SUCCESS) && filter.outcomes.includes(EventOutcome.FAILURE));
  return bothOutcomes && filter.actor === undefined && filter.resource === undefined && filter.search === undefined;
}

/** The events of the groups [start, end) that match `filter`, in order, mapped as reached. */
function* matching(
  snapshot: CsmsSnapshot,
  start: number,
  end: number,
  ascending: boolean,
  filter: EventFilter,
): Generator<SecretNotificationEventRecord> {
  for (let i = 0; i < end - start; i++) {
    const events = snapshot.eventsOf(ascending ? start + i : end - 1 - i);
    for (let j = 0; j < events.length; j++) {
      const event = events[ascending ? j : events.length - 1 - j]!;
      if (matchesFilter(event, filter)) yield event;
    }
  }
}
