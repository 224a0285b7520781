import type { SortDirection } from '../model/event.model.js';
import {
  checkCursorClient,
  checkCursorQuery,
  checkCursorSources,
  cursorArgument,
  decodeCursorOf,
  digest,
  NO_CLIENT,
  type CursorCodec,
  type CursorState,
} from './cursor.js';
import { activeFields, canonicalFilter, definedFilter, type EventFilter, type FilterField } from './event-filter.js';
import { reverse } from './event-order.js';
import type { EventSource, SourceSession } from './event-source.js';
import { pageWant } from './read-contract.js';
import type { EventKey } from './stream.js';
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
  /**
   * Who asks, as an opaque text the caller chooses (the GraphQL layer: the principal's name
   * and scope). Cursors are bound to it: one issued for another client is refused. A
   * request without it is the client "no one in particular".
   */
  client?: string;
}

/** Everything a page is read by, decided before any upstream call. */
export interface PagePlan {
  filter: EventFilter;
  /** Paging backward (`last`/`before`): the streams are read in the reverse order. */
  backward: boolean;
  /** The page size. */
  limit: number;
  readOrder: SortDirection;
  /** The cursor the page continues from; undefined on a first page. */
  cursor: CursorState | undefined;
  queryHash: string;
  sourcesHash: string;
  /** Hash of the request's client: every cursor of the page carries it. */
  clientHash: string;
  /** The snapshot time: the first page's, carried by every cursor after it. */
  asOf: number;
  /** The filter, its window ending at the snapshot at the latest. */
  window: EventFilter & { until: number };
  /** Streams behind the cursor that resume from their own position (forward pages only). */
  incomingLags: Record<string, EventKey | null>;
  active: FilterField[];
  /** What the read plan remembers this page's shares under. */
  planKey: string;
  /** The most the page asks of one stream. */
  full: number;
  /** The sessions the filter leaves in; the others make no upstream call. */
  selected: SourceSession[];
}

/** What a cursor carries of the filter and order it was made for. */
export function queryHashOf(filter: EventFilter, order: SortDirection): string {
  return digest([canonicalFilter(filter), order]);
}

/** What a cursor carries of the sources the filter selected. */
export function sourcesHashOf(selected: readonly SourceSession[]): string {
  return digest(selected.map((session) => session.source.name).sort());
}

/** What a cursor carries of the client it was issued to. */
export function clientHashOf(client: string | null | undefined): string {
  return client == null ? NO_CLIENT : digest(client);
}

/** Checks the request and decides how the page is read. Throws TimelineInputError on bad input. */
export function planPage(request: TimelineRequest, sessions: SourceSession[], cursors: CursorCodec, now: number): PagePlan {
  const { order } = request;
  const filter = definedFilter(request.filter);
  const backward = request.last != null || request.before != null;
  const limit = pageSize(request, backward);
  checkFilter(filter, sessions);

  const selected = sessions.filter((session) => isSelected(session.source, filter));
  const queryHash = queryHashOf(filter, order);
  const sourcesHash = sourcesHashOf(selected);
  const clientHash = clientHashOf(request.client);
  const cursor = decodeCursorOf(cursors, request, backward);
  if (cursor) {
    checkCursorClient(cursor, clientHash, cursorArgument(backward));
    checkCursorQuery(cursor, queryHash, cursorArgument(backward));
    checkCursorSources(cursor, sourcesHash, cursorArgument(backward));
  }

  const asOf = cursor?.asOf ?? now;
  const until = Math.min(filter.until ?? asOf, asOf);
  const readOrder = backward ? reverse(order) : order;
  return {
    filter,
    backward,
    limit,
    readOrder,
    cursor,
    queryHash,
    sourcesHash,
    clientHash,
    asOf,
    window: { ...filter, until },
    // Lags let a stream that failed earlier catch up. They are kept for forward paging
    // only: a backward page starts every stream at the cursor (docs/api.md, "Sources and partial failure").
    incomingLags: backward ? {} : (cursor?.lags ?? {}),
    active: activeFields(filter),
    // The time bounds are left out: a dashboard's window moves at every refresh, and the
    // streams' shares of a page move far less. First pages and pages after a cursor are
    // planned apart: the newest events are shared out otherwise than a walk's further on.
    planKey: digest([canonicalFilter({ ...filter, since: undefined, until: undefined }), readOrder, cursor === undefined]),
    full: pageWant(limit, 0),
    selected,
  };
}

function pageSize(request: TimelineRequest, backward: boolean): number {
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

/** Refuses a filter that cannot select anything sensible: an empty window, an unknown source. */
export function checkFilter(filter: EventFilter, sessions: SourceSession[]): void {
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new TimelineInputError('filter.since is later than filter.until', 'filter');
  }
  const known = new Set(sessions.map((session) => session.source.name));
  const unknown = [...new Set(filter.sources ?? [])].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    // A few names, each cut short: the message says what is wrong without echoing a whole list back.
    const named = unknown.slice(0, 5).map((name) => `"${name.length > 64 ? `${name.slice(0, 64)}…` : name}"`);
    const more = unknown.length > named.length ? ` and ${unknown.length - named.length} more` : '';
    throw new TimelineInputError(
      `filter.sources: unknown source ${named.join(', ')}${more}; configured: ${[...known].join(', ') || 'none'}`,
      'filter',
    );
  }
}

/** Whether the filter's kinds, vendors and source names leave the source in. */
export function isSelected(source: EventSource, filter: EventFilter): boolean {
  return (
    (!filter.kinds || filter.kinds.includes(source.kind)) &&
    (!filter.vendors || filter.vendors.includes(source.vendor)) &&
    (!filter.sources || filter.sources.includes(source.name))
  );
}
