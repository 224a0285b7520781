import { SortDirection, type EventRecord } from '../model/event.model.js';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { EventSource, SourceSession } from './event-source.js';
import { UpstreamError } from '../upstream/upstream.errors.js';
import { objectTag } from '../upstream/object-tag.js';
import { countUpstreamCalls, UpstreamCallCounts } from '../upstream/upstream.scope.js';
import { CursorCodec, digest, type CursorState } from './cursor.js';
import { activeFields, canonicalFilter, matchesFilter, type EventFilter, type FilterField } from './event-filter.js';
import { compareEventToKey, compareEvents, compareKeys, keyOf, reverse } from './event-order.js';
import { ReadPlan } from './read-plan.js';
import type { EventKey, Stream, StreamPosition, StreamQuery, StreamReader } from './stream.js';
import { TimelineInputError } from './timeline.errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;

export interface TimelineRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  filter: EventFilter;
  order: SortDirection;
}

export enum SourceState {
  /** Every stream answered. */
  OK = 'OK',
  /** Some streams failed; the others' events are in the page. */
  PARTIAL = 'PARTIAL',
  /** Nothing came back from this source. */
  FAILED = 'FAILED',
  /** The filter rules the source out: no upstream call was made for it. */
  SKIPPED = 'SKIPPED',
}

export interface SourceReport {
  source: EventSource;
  status: SourceState;
  /** Events of this page that came from the source. */
  events: number;
  upstreamCalls: number;
  /** Active filter fields the upstream applied; the rest were applied here. */
  upstreamFilters: FilterField[];
  localFilters: FilterField[];
  streams: number;
  failedStreams: number;
  error: UpstreamError | null;
}

export interface TimelineEdge {
  cursor: string;
  node: EventRecord;
}

export interface TimelinePage {
  edges: TimelineEdge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
  asOf: number;
  sources: SourceReport[];
  /** One per failed source, for `errors[]`. */
  errors: UpstreamError[];
}

/** One stream being read for this page. */
interface Lane {
  stream: Stream;
  reader: StreamReader;
  report: SourceReport;
  /** Where the stream resumed: it yields only events after this key. */
  start: EventKey | undefined;
  /** The stream resumed behind the cursor, after an earlier failure. */
  startedBehind: boolean;
  /** Events ready to merge, in total order. */
  buffer: EventRecord[];
  /** Events of the last millisecond read, held until the next chunk shows all its ties. */
  pending: EventRecord[];
  /** The latest millisecond accepted from the upstream, and the ids accepted in it. */
  seenAt: number | undefined;
  seenIds: Set<string>;
  done: boolean;
  failed: UpstreamError | null;
  last: EventKey | undefined;
  total: number | null | undefined;
  localOnly: boolean;
  /** Events this page took from the lane. */
  taken: number;
  /** The first read asked for less than the page could take (see ReadPlan). */
  planned: boolean;
}

const sourceLagKey = (name: string) => `source:${name}`;

/** Bound of the kept pages, in edges: their cursors are most of what a kept page adds. */
const MAX_KEPT_EDGES = 20_000;

/**
 * Until when a page may be served again: while every answer it was built from may still
 * serve from the cache. Undefined when it must not be kept at all: a source that failed,
 * in part or whole (every error comes from one), or one whose answers may not serve again.
 */
function keepUntil(page: TimelinePage, calls: UpstreamCallCounts): number | undefined {
  let until = Number.POSITIVE_INFINITY;
  for (const report of page.sources) {
    if (report.status === SourceState.SKIPPED) continue;
    const servable = calls.servableUntil(report.source.name);
    if (report.status !== SourceState.OK || servable === undefined) return undefined;
    until = Math.min(until, servable);
  }
  return Number.isFinite(until) ? until : undefined;
}

/**
 * The timeline engine: plans streams, pushes filters down, reads pages and merges them
 * k-way into one total order, with keyset cursors. It knows no vendor and no GraphQL.
 */
export class Timeline {
  /**
   * Whole pages, for as long as every upstream answer they were built from may still serve
   * from the cache (`cacheTtlSeconds`, counted from when the answer arrived): a dashboard
   * asking the same page again gets it without reading, mapping or merging anything. A page
   * with an error, or from a source that caches nothing, is never kept.
   */
  private readonly pages = new InMemoryLRUCache<TimelinePage>({
    maxSize: MAX_KEPT_EDGES,
    sizeCalculation: (page) => page.edges.length + 1,
  });
  private readonly building = new Map<string, Promise<TimelinePage>>();
  /** Undefined when every stream is to be asked for a whole page (`server.adaptiveReads: false`). */
  private readonly plan: ReadPlan | undefined;

  constructor(
    private readonly cursors: CursorCodec,
    options: { adaptiveReads: boolean } = { adaptiveReads: true },
  ) {
    this.plan = options.adaptiveReads ? new ReadPlan() : undefined;
  }

  /**
   * `SourceReport.upstreamCalls` counts the real calls this page started: an answer shared
   * with another page of the same request (three panels over the same sources) counts on
   * the page that asked first, and a cache hit, or a kept page, counts nowhere.
   */
  async page(request: TimelineRequest, sessions: SourceSession[], now = Date.now()): Promise<TimelinePage> {
    const key = this.pageKey(request, sessions, now);
    const kept = (await this.pages.get(key)) ?? (await this.building.get(key));
    if (kept) return { ...kept, sources: kept.sources.map((report) => ({ ...report, upstreamCalls: 0 })) };
    const calls = new UpstreamCallCounts();
    const building = countUpstreamCalls(calls, () => this.read(request, sessions, now, calls));
    // Identical pages asked while this one is being built (a dashboard's panels refreshing
    // together) wait for it instead of building it again.
    this.building.set(key, building);
    try {
      const page = await building;
      const expires = keepUntil(page, calls);
      const ttlSeconds = expires === undefined ? 0 : (expires - Date.now()) / 1000;
      if (ttlSeconds > 0) await this.pages.set(key, page, { ttl: ttlSeconds });
      return page;
    } finally {
      this.building.delete(key);
    }
  }

  /**
   * Everything a page depends on besides the upstream answers: the arguments, the sources
   * (as objects: a new configuration is a new set) and, for a first page, the snapshot time.
   */
  private pageKey(request: TimelineRequest, sessions: SourceSession[], now: number): string {
    const { first, after, last, before, filter, order } = request;
    const sources = sessions.map((session) => objectTag(session.source));
    return JSON.stringify([sources, first ?? null, after ?? null, last ?? null, before ?? null, canonicalFilter(filter), order, after ?? before ?? now]);
  }

  private async read(request: TimelineRequest, sessions: SourceSession[], now: number, calls: UpstreamCallCounts): Promise<TimelinePage> {
    const { filter, order } = request;
    const backward = request.last != null || request.before != null;
    const limit = this.pageSize(request, backward);
    this.checkFilter(filter, sessions);

    const selected = sessions.filter((session) => isSelected(session.source, filter));
    const queryHash = digest([canonicalFilter(filter), order]);
    const sourcesHash = digest(selected.map((session) => session.source.name).sort());
    const cursorText = backward ? request.before : request.after;
    const cursor = cursorText == null ? undefined : this.cursors.decode(cursorText, backward ? 'before' : 'after');
    if (cursor && cursor.query !== queryHash) {
      throw new TimelineInputError(
        `${backward ? 'before' : 'after'}: the cursor belongs to a query with another filter or order`,
        backward ? 'before' : 'after',
      );
    }
    if (cursor && cursor.sources !== sourcesHash) {
      throw new TimelineInputError(
        `${backward ? 'before' : 'after'}: the cursor was issued when other sources were configured; start again without it`,
        backward ? 'before' : 'after',
      );
    }

    const asOf = cursor?.asOf ?? now;
    const until = Math.min(filter.until ?? asOf, asOf);
    const readOrder = backward ? reverse(order) : order;
    // Lags let a stream that failed earlier catch up. They are kept for forward paging
    // only: a backward page starts every stream at the cursor (see README, "Partial failure").
    const incomingLags = backward ? {} : (cursor?.lags ?? {});
    const active = activeFields(filter);
    // The time bounds are left out: a dashboard's window moves at every refresh, and the
    // streams' shares of a page move far less. First pages and pages after a cursor are
    // planned apart: the newest events are shared out otherwise than a walk's further on.
    const planKey = digest([canonicalFilter({ ...filter, since: undefined, until: undefined }), readOrder, cursor === undefined]);
    // The most a page asks of one stream: the page may take limit + 1 events from it (one
    // more than the page tells `hasNextPage`), and a read must show the one after those,
    // else the last one's millisecond could have ties still to come and wait for a second call.
    const full = limit + 2;
    const queryOf = (start: EventKey | undefined, want: number, resume: StreamPosition | undefined): StreamQuery => ({
      order: readOrder,
      since: filter.since,
      until,
      ...(start === undefined ? {} : { after: start }),
      filter,
      want,
      ...(resume === undefined ? {} : { resume }),
    });

    const reports = new Map<string, SourceReport>();
    for (const session of sessions) {
      reports.set(session.source.name, {
        source: session.source,
        status: selected.includes(session) ? SourceState.OK : SourceState.SKIPPED,
        events: 0,
        upstreamCalls: 0,
        upstreamFilters: [],
        localFilters: selected.includes(session) ? active : [],
        streams: 0,
        failedStreams: 0,
        error: null,
      });
    }

    // Stream expansion may call the upstream (a service list): all sources at once.
    const failedSources: string[] = [];
    const expanded = await Promise.all(
      selected.map(async (session) => {
        try {
          return { session, streams: await session.streams() };
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          const report = reports.get(session.source.name)!;
          report.status = SourceState.FAILED;
          report.error = error;
          failedSources.push(session.source.name);
          return { session, streams: [] };
        }
      }),
    );

    const lanes: Lane[] = [];
    for (const { session, streams } of expanded) {
      const report = reports.get(session.source.name)!;
      for (const stream of streams) {
        const plan = stream.plan(filter);
        if (plan.skip) continue;
        report.streams += 1;
        report.upstreamFilters = active.filter((field) => plan.upstream.includes(field));
        report.localFilters = active.filter((field) => !plan.upstream.includes(field));
        const lag = laggingStart(incomingLags, stream);
        const start = lag === undefined ? cursor?.key : (lag ?? undefined);
        const resume = lag === undefined ? cursor?.positions[stream.key] : undefined;
        const want = this.plan?.want(planKey, stream.key, full) ?? full;
        lanes.push({
          stream,
          report,
          start,
          startedBehind: lag !== undefined,
          reader: stream.open(queryOf(start, want, resume)),
          buffer: [],
          pending: [],
          seenAt: undefined,
          seenIds: new Set(),
          done: false,
          failed: null,
          last: undefined,
          total: undefined,
          localOnly: report.localFilters.length > 0,
          taken: 0,
          planned: want < full,
        });
      }
      if (report.status === SourceState.OK && report.streams === 0) report.status = SourceState.SKIPPED;
    }

    const window = { ...filter, until };
    const byKey = (a: EventRecord, b: EventRecord) => compareEvents(a, b, readOrder);
    const emitted: Array<{ event: EventRecord; state: CursorState }> = [];
    // A planned read that fell short: the stream is read again from the last event the page
    // took from it, as a next page would be, for everything the page could still take. The
    // margin covers that event's millisecond, read again, and the one held for its ties.
    const readOnInFull = (lane: Lane, from: EventKey) => {
      lane.reader = lane.stream.open(queryOf(from, full - emitted.length + 4, lane.reader.positionAt?.(from)));
      lane.planned = false;
      lane.start = from;
      lane.pending = [];
      lane.seenAt = undefined;
      lane.seenIds.clear();
    };
    const fill = async (lane: Lane) => {
      while (lane.buffer.length === 0 && !lane.failed && !(lane.done && lane.pending.length === 0)) {
        if (lane.done) {
          lane.buffer = lane.pending;
          lane.pending = [];
          break;
        }
        if (lane.planned && lane.last) readOnInFull(lane, lane.last);
        try {
          const chunk = await lane.reader.next();
          if (lane.total === undefined) lane.total = chunk.total ?? null;
          lane.done = chunk.done;
          // A lane's first answer cannot repeat what it has read; later ones may (isNew).
          const first = lane.seenAt === undefined;
          const accepted: EventRecord[] = [];
          for (const event of chunk.events) {
            if (!first && !isNew(lane, event, readOrder)) continue;
            if (lane.start !== undefined && compareEventToKey(event, lane.start, readOrder) <= 0) continue;
            if (matchesFilter(event, window)) accepted.push(event);
          }
          if (first) rememberLastInstant(lane, chunk.events);
          // Upstreams order by time only; ties in one millisecond come in their own order and
          // may straddle two pages. Events of the chunk's last millisecond wait for the next
          // chunk, and each release is sorted by the full key, so a lane is in total order.
          const combined = lane.pending.length === 0 ? accepted : [...lane.pending, ...accepted];
          if (!isSorted(combined, byKey)) combined.sort(byKey);
          let cut = combined.length;
          if (!lane.done) {
            const lastAt = combined.at(-1)?.occurredAt;
            while (cut > 0 && combined[cut - 1]!.occurredAt === lastAt) cut -= 1;
          }
          lane.buffer = combined.slice(0, cut);
          lane.pending = combined.slice(cut);
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          lane.failed = error;
        }
      }
    };

    await Promise.all(lanes.map(fill));

    let global = cursor?.key;
    /** The lane whose buffer the last event emptied: read on only if the page needs more. */
    let drained: Lane | undefined;
    while (emitted.length <= limit) {
      if (drained) await fill(drained);
      drained = undefined;
      let next: Lane | undefined;
      for (const lane of lanes) {
        const head = lane.buffer[0];
        if (head && (!next || compareEvents(head, next.buffer[0]!, readOrder) < 0)) next = lane;
      }
      if (!next) break;
      const event = next.buffer.shift()!;
      const key = keyOf(event);
      next.last = key;
      next.taken += 1;
      if (!global || compareKeys(key, global, readOrder) > 0) global = key;
      if (next.buffer.length === 0) drained = next;
      emitted.push({
        event,
        state: {
          query: queryHash,
          sources: sourcesHash,
          asOf,
          key: global,
          total: null,
          lags: backward ? {} : lagsAt(global, lanes, incomingLags, failedSources, cursor?.key, readOrder),
          positions: positionsAt(global, lanes),
        },
      });
    }

    const page = emitted.slice(0, limit);
    for (const { event } of page) reports.get(event.sourceName)!.events += 1;
    for (const lane of lanes) if (!lane.failed) this.plan?.remember(planKey, lane.stream.key, lane.taken, full);

    for (const lane of lanes) {
      if (!lane.failed) continue;
      lane.report.failedStreams += 1;
      lane.report.error ??= lane.failed;
    }
    for (const report of reports.values()) {
      if (report.failedStreams > 0) {
        report.status = report.failedStreams === report.streams ? SourceState.FAILED : SourceState.PARTIAL;
      }
    }
    for (const session of sessions) reports.get(session.source.name)!.upstreamCalls = calls.of(session.source.name);

    const totalCount = cursor ? cursor.total : exactTotal(lanes, failedSources);
    const edges = page.map(({ event, state }) => ({
      node: event,
      cursor: this.cursors.encode({ ...state, total: totalCount }),
    }));
    if (backward) edges.reverse();

    const more = emitted.length > limit;
    const lastState = page.at(-1)?.state;
    const lagging = lastState !== undefined && Object.keys(lastState.lags).length > 0;
    return {
      edges,
      pageInfo: {
        hasNextPage: backward ? request.before != null : more || lagging,
        hasPreviousPage: backward ? more : request.after != null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount,
      asOf,
      sources: [...reports.values()],
      errors: [...reports.values()].flatMap((report) => (report.error ? [report.error] : [])),
    };
  }

  private pageSize(request: TimelineRequest, backward: boolean): number {
    if (request.first != null && request.last != null) {
      throw new TimelineInputError('first and last cannot be used together', 'first');
    }
    if ((request.first != null || request.after != null) && backward) {
      throw new TimelineInputError('page forward with first/after, or backward with last/before, not both', 'before');
    }
    const argument = backward ? 'last' : 'first';
    const size = (backward ? request.last : request.first) ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
      throw new TimelineInputError(`${argument} must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, argument);
    }
    return size;
  }

  private checkFilter(filter: EventFilter, sessions: SourceSession[]): void {
    if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
      throw new TimelineInputError('filter.since is later than filter.until', 'filter');
    }
    const known = new Set(sessions.map((session) => session.source.name));
    const unknown = (filter.sources ?? []).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new TimelineInputError(
        `filter.sources: unknown source ${unknown.map((name) => `"${name}"`).join(', ')}; configured: ${[...known].join(', ')}`,
        'filter',
      );
    }
  }
}

function isSelected(source: EventSource, filter: EventFilter): boolean {
  return (
    (!filter.kinds || filter.kinds.includes(source.kind)) &&
    (!filter.vendors || filter.vendors.includes(source.vendor)) &&
    (!filter.sources || filter.sources.includes(source.name))
  );
}

/** undefined: not lagging; null: lagging from the very start; else the key to resume after. */
function laggingStart(lags: Record<string, EventKey | null>, stream: Stream): EventKey | null | undefined {
  if (stream.key in lags) return lags[stream.key];
  const sourceLag = sourceLagKey(stream.sourceName);
  if (sourceLag in lags) return lags[sourceLag];
  return undefined;
}

/**
 * Which streams are behind the cursor position `global` and must resume from their own
 * position: those that failed on this page, those that started behind and have not caught
 * up, and whole sources that could not even list their streams.
 */
function lagsAt(
  global: EventKey,
  lanes: Lane[],
  incoming: Record<string, EventKey | null>,
  failedSources: string[],
  resumedFrom: EventKey | undefined,
  order: SortDirection,
): Record<string, EventKey | null> {
  const lags: Record<string, EventKey | null> = {};
  for (const name of failedSources) {
    // The source's earlier stream lags still hold; the source as a whole resumes from
    // where this page started.
    for (const [key, lag] of Object.entries(incoming)) {
      if (key.startsWith(`${name}/`) || key === sourceLagKey(name)) lags[key] = lag;
    }
    if (!(sourceLagKey(name) in lags)) lags[sourceLagKey(name)] = resumedFrom ?? null;
  }
  for (const lane of lanes) {
    if (!lane.failed && !lane.startedBehind) continue;
    const position = lane.last ?? lane.start;
    const behind = position === undefined || compareKeys(position, global, order) < 0;
    if (!behind) continue;
    const head = lane.buffer[0];
    const caughtUp =
      !lane.failed && (head ? compareKeys(keyOf(head), global, order) > 0 : lane.done && lane.pending.length === 0);
    if (!caughtUp) lags[lane.stream.key] = position ?? null;
  }
  return lags;
}

/** Where `isNew` stands after a lane's first answer: its last millisecond and the ids in it. */
function rememberLastInstant(lane: Lane, events: readonly EventRecord[]): void {
  const last = events.at(-1);
  if (!last) return;
  lane.seenAt = last.occurredAt;
  for (let i = events.length - 1; i >= 0 && events[i]!.occurredAt === last.occurredAt; i -= 1) lane.seenIds.add(events[i]!.id);
}

function isSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i += 1) if (compare(items[i - 1]!, items[i]!) > 0) return false;
  return true;
}

/**
 * Whether the upstream shows this event to the lane for the first time. Upstreams answer in
 * time order, so anything behind the latest millisecond read is a repeat: an offset or page
 * number read that shifted because records arrived between two calls of one page request.
 * The repeat is dropped here, so it reaches the page once; records that arrive behind the
 * read position belong to a part of the history already read (README, "Snapshot").
 */
function isNew(lane: Lane, event: EventRecord, order: SortDirection): boolean {
  const at = event.occurredAt;
  if (lane.seenAt !== undefined && at !== lane.seenAt) {
    if (order === SortDirection.ASC ? at < lane.seenAt : at > lane.seenAt) return false;
  }
  if (at !== lane.seenAt) {
    lane.seenAt = at;
    lane.seenIds.clear();
  } else if (lane.seenIds.has(event.id)) {
    return false;
  }
  lane.seenIds.add(event.id);
  return true;
}

/** The upstream positions of the streams that can tell theirs, at the cursor position `key`. */
function positionsAt(key: EventKey, lanes: Lane[]): Record<string, StreamPosition> {
  const positions: Record<string, StreamPosition> = {};
  for (const lane of lanes) {
    if (lane.failed || !lane.reader.positionAt) continue;
    const position = lane.reader.positionAt(key);
    if (position !== undefined) positions[lane.stream.key] = position;
  }
  return positions;
}

/** Exact when every stream told its total for the pushed-down filter, and nothing failed. */
function exactTotal(lanes: Lane[], failedSources: string[]): number | null {
  if (failedSources.length > 0) return null;
  let total = 0;
  for (const lane of lanes) {
    if (lane.failed || lane.localOnly || typeof lane.total !== 'number') return null;
    total += lane.total;
  }
  return total;
}
