import type { HssSourceConfig } from './hss.config.js';
import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { HUAWEI_CLOUD, IMAGE_KIND, type ImageEventRecord } from './image-event.record.js';
import type { EventFilter, FilterField } from '../../timeline/event-filter.js';
import { keysetWindow, type CountQuery, type Stream, type StreamChunk, type StreamPlan, type StreamQuery, type StreamReader } from '../../timeline/stream.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamError } from '../../upstream/upstream.errors.js';
import type { EventSource, SourceSession } from '../../timeline/event-source.js';
import { HSS_LIMITS, HssClient, type ListImageEventsParams } from './hss.client.js';
import { hssStreamKey, toImageEvent, type HssStreamRef } from './hss.mapper.js';
import type { HssImageEvent, HssImageEventPage } from './hss.schemas.js';

type FixedFilters = NonNullable<HssSourceConfig['scope']['filters']>;

/**
 * Huawei HSS container-image operation logs (docs/vendors/huawei-hss.md). One stream per source: the
 * project's log, narrowed by the configured fixed native filters.
 */
export class HssSource implements EventSource {
  static readonly kind = IMAGE_KIND.name;
  readonly kind = HssSource.kind;
  readonly vendor = HUAWEI_CLOUD.name;
  readonly name: string;
  readonly endpoint: string;
  readonly projectId: string;
  readonly fixed: FixedFilters;
  readonly client: HssClient;

  constructor(config: HssSourceConfig) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.projectId = config.scope.projectId;
    this.fixed = { ...(config.scope.filters ?? {}) };
    this.client = new HssClient(config);
  }

  openSession(): HssSession {
    return new HssSession(this);
  }

  /** One stream, the project's log, read at most HSS's `limit` a call. */
  estimateStreams() {
    return { streams: 1, maxPageSize: HSS_LIMITS.maxLimit };
  }
}

export class HssSession implements SourceSession {
  constructor(readonly source: HssSource) {}

  get ref(): HssStreamRef {
    return { sourceName: this.source.name, streamKey: hssStreamKey(this.source.name) };
  }

  streams(): Promise<Stream[]> {
    return Promise.resolve([new HssImageEventStream(this)]);
  }

  /**
   * The id carries the record's millisecond: the log of that one millisecond is read (page
   * by page, should it hold more than a page) until `event_id` turns up. The source's fixed
   * filters are left out, so an id that the native query gave is found too.
   */
  async findEvent(naturalId: readonly unknown[]): Promise<ImageEventRecord | null> {
    const [time, eventId] = naturalId;
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0 || typeof eventId !== 'string' || eventId === '') {
      return null;
    }
    for (let offset = 0; offset <= HSS_LIMITS.maxOffset; offset += HSS_LIMITS.maxLimit) {
      const page = await this.listImageEvents({ startTime: time, endTime: time, offset, limit: HSS_LIMITS.maxLimit });
      const found = page.data_list.find((record) => record.event_id === eventId && record.time === time);
      if (found) return toImageEvent(this.ref, found);
      if (page.data_list.length < HSS_LIMITS.maxLimit || offset + page.data_list.length >= page.total_num) return null;
    }
    return null;
  }

  /** The native `imageEvents` query, and every stream page (with the page's tally). */
  listImageEvents(params: ListImageEventsParams, calls?: UpstreamCallCounts): Promise<HssImageEventPage> {
    return this.source.client.listImageEvents(params, calls);
  }
}

/**
 * The project's container-image log, read in time order although the API has no sort
 * parameter. See docs/vendors/huawei-hss.md ("HSS ordering") for what is assumed and checked:
 *
 * - The upstream answers newest first. Every page is checked against that: inside the page,
 *   and across the boundary with the page before. Records of one millisecond may come in
 *   any order (the timeline re-sorts ties). A page that breaks the order fails the stream
 *   with UPSTREAM_BAD_RESPONSE: the records already handed to the merge cannot be taken
 *   back, and serving on would skip or repeat events without anyone knowing.
 * - DESC: keyset by time. The window ends at the cursor's millisecond (inclusive; the
 *   timeline drops the ties already served) and is read with offsets from 0.
 * - ASC: the same window read from its old end. The first call learns `total_num`; then
 *   offset = total - k·limit, each page reversed. Offsets count from the newest record and
 *   the window's end is pinned, so records expiring at the old end do not shift them.
 */
class HssImageEventStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  readonly maxPageSize = HSS_LIMITS.maxLimit;
  private readonly fixed: FixedFilters;

  constructor(private readonly session: HssSession) {
    this.key = hssStreamKey(session.source.name);
    this.sourceName = session.source.name;
    this.fixed = session.source.fixed;
  }

  plan(filter: EventFilter): StreamPlan {
    const upstream: FilterField[] = ['since', 'until'];
    if (filter.outcomes) {
      // Every HSS event is UNKNOWN: the filter keeps all of them or none.
      if (!filter.outcomes.includes(EventOutcome.UNKNOWN)) return { skip: true, upstream };
      upstream.push('outcomes');
    }
    for (const [field, param] of [
      ['actor', 'userName'],
      ['resource', 'resourceName'],
    ] as const) {
      const wanted = filter[field];
      if (wanted === undefined) continue;
      // An empty name is mapped to null, so '' matches nothing; so does a value that
      // contradicts the source's fixed filter.
      if (wanted === '' || (this.fixed[param] !== undefined && this.fixed[param] !== wanted)) return { skip: true, upstream };
      // Longer than the upstream accepts: applied here only, rather than refused upstream.
      if ([...wanted].length <= HSS_LIMITS.length[param]) upstream.push(field);
    }
    return { skip: false, upstream };
  }

  /**
   * For histograms: `total_num` of one `limit=0` call (HSS documents `limit` 0..200; 0 answers
   * the count alone) under `start_time`/`end_time` and the source's fixed filters, exactly
   * what a read of the window would fetch. Exact because:
   * - `time` is epoch ms, an integer (the schema refuses anything else), and both bounds are
   *   inclusive epoch ms upstream: [since, until] is sent as is, whatever its alignment;
   * - the fixed filters narrow a read the same way, and nothing re-checks them here;
   * - `outcomes` either keeps every event (all are UNKNOWN) or skips the stream: 0, no call.
   *
   * Null (no call) for `search` (applied here only), and for `actor` and `resource`: they are
   * pushed as `user_name`/`resource_name`, but HSS does not document that these match exactly,
   * so a total under them could count records that the timeline's exact check drops. Also
   * null for a window that is not whole milliseconds.
   */
  async count(query: CountQuery): Promise<number | null> {
    const since = Math.max(query.since, query.filter.since ?? query.since);
    const until = Math.min(query.until, query.filter.until ?? query.until);
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until)) return null;
    const filter: EventFilter = { ...query.filter, since, until };
    const plan = this.plan(filter);
    if (plan.skip) return 0;
    if (filter.search != null || filter.actor != null || filter.resource != null) return null;
    if (filter.outcomes && !plan.upstream.includes('outcomes')) return null;
    // Records are never older than the epoch: an earlier start is the same as 0.
    if (until < 0 || since > until) return 0;
    const page = await this.session.listImageEvents({ ...this.fixed, startTime: Math.max(0, since), endTime: until, offset: 0, limit: 0 }, query.calls);
    return page.total_num;
  }

  open(query: StreamQuery): StreamReader {
    const ascending = query.order === SortDirection.ASC;
    const { since: startTime, until: endTime } = keysetWindow(query);
    const pushed = query.plan.upstream;
    const params: ListImageEventsParams = {
      ...this.fixed,
      ...(pushed.includes('actor') ? { userName: query.filter.actor } : {}),
      ...(pushed.includes('resource') ? { resourceName: query.filter.resource } : {}),
      startTime,
      endTime,
    };
    const limit = query.want;
    if (startTime !== undefined && startTime > endTime) {
      return { next: () => Promise.resolve({ events: [], done: true, total: 0 }) };
    }
    return ascending ? this.ascending(params, limit, query.calls) : this.descending(params, limit, query.calls);
  }

  /**
   * DESC reads the window from its new end, offsets from 0. A record that lands between two
   * calls newer than the read position (inside the window, behind it) pushes the records
   * already read one offset further, so the next page starts with records newer than the
   * last one read: repeats, dropped by `event_id`, and the late records themselves, which
   * belong to the part already read (the timeline drops them too). That is no breach of the
   * order, as long as there are no more of them than the window's total grew by since the
   * walk's first answer; beyond that they are. Records landing ahead of the read position
   * move nothing that is still to be read, and none can land after the window's pinned end.
   */
  private descending(window: ListImageEventsParams, limit: number, calls: UpstreamCallCounts): StreamReader {
    const check = new OrderCheck(this.sourceName, 'desc');
    const seen = new Set<string>();
    let params = window;
    let offset = 0;
    /** The total of the first answer in the current window. */
    let firstTotal: number | undefined;
    return {
      next: async (): Promise<StreamChunk> => {
        if (offset + limit > HSS_LIMITS.maxOffset) {
          // The offset cap (2,000,000) is near: start a new window at the last millisecond
          // read, skipping the records of it already read.
          const at = check.lastAt!;
          params = { ...params, endTime: at };
          offset = check.countAtLast;
          firstTotal = undefined;
        }
        const page = await this.session.listImageEvents({ ...params, offset, limit }, calls);
        firstTotal ??= page.total_num;
        const grown = Math.max(0, page.total_num - firstTotal);
        const last = check.lastAt;
        let pushed = 0;
        while (last !== undefined && pushed < grown && pushed < page.data_list.length && page.data_list[pushed]!.time > last) pushed += 1;
        const records = page.data_list.slice(pushed);
        check.page(records, offset + pushed);
        offset += page.data_list.length;
        return {
          events: this.fresh(records, seen),
          done: page.data_list.length < limit || offset >= page.total_num,
          total: page.total_num,
        };
      },
    };
  }

  /**
   * ASC reads the window from its old end, with offsets that count from the newest record.
   * A record that lands between two calls, newer than the records still to read, pushes
   * them one offset further from the new end, so a page placed with the total of an earlier
   * answer starts that much too new and the oldest unread records fall between it and the
   * ones already read. Every answer carries the window's fresh `total_num`, so the stream
   * knows how far a page can have slid: when the total grew by d since the answer before,
   * the d offsets just past the page (older than it) are read as well, until an answer shows
   * no growth, and the next page is placed as if all of it had landed newer than this one.
   * Growth elsewhere (behind the read position) makes those reads repeat records, which are
   * dropped by `event_id`, or late ones behind the read position, which the timeline drops
   * too; neither can skip a record. (A record can also expire at the old end; that moves no
   * offset counted from the new end, so a shrinking total is not growth.)
   */
  private ascending(params: ListImageEventsParams, limit: number, calls: UpstreamCallCounts): StreamReader {
    const check = new OrderCheck(this.sourceName, 'asc');
    const seen = new Set<string>();
    /** The total that `remaining` counts in: that of the latest answer. */
    let total: number | undefined;
    /** Offsets, from the new end, of the records still to read (all those below it). */
    let remaining = 0;
    const read = (offset: number, count: number): Promise<HssImageEventPage> => {
      if (offset > HSS_LIMITS.maxOffset) {
        throw new UpstreamError({
          code: 'UPSTREAM_BAD_RESPONSE',
          source: this.sourceName,
          message: `HSS cannot read ${total} records oldest first: the offset would pass ${HSS_LIMITS.maxOffset}; narrow the time range`,
        });
      }
      return this.session.listImageEvents({ ...params, offset, limit: count }, calls);
    };
    return {
      next: async (): Promise<StreamChunk> => {
        if (total === undefined) {
          const page = await this.session.listImageEvents({ ...params, offset: 0, limit }, calls);
          total = page.total_num;
          remaining = total;
          if (page.data_list.length >= total) {
            // The whole window fits in one page.
            const records = [...page.data_list].reverse();
            check.page(records, 0);
            remaining = 0;
            return { events: this.fresh(records, seen), done: true, total };
          }
          // The newest records are of no use yet; the next call starts at the old end.
          return { events: [], done: false, total };
        }
        const take = Math.min(limit, remaining);
        const offset = remaining - take;
        const page = await read(offset, take);
        new OrderCheck(this.sourceName, 'desc').page(page.data_list, offset);
        const pageTotal = page.total_num;
        // What lies past the page (older than it), read because the total grew.
        const past: HssImageEvent[] = [];
        let next = offset + take;
        let known = total;
        let unread = Math.max(0, pageTotal - known);
        known = pageTotal;
        while (unread > 0) {
          const count = Math.min(HSS_LIMITS.maxLimit, unread);
          const gap = await read(next, count);
          new OrderCheck(this.sourceName, 'desc').page(gap.data_list, next);
          past.push(...gap.data_list);
          next += count;
          unread += Math.max(0, gap.total_num - known) - count;
          known = gap.total_num;
        }
        total = known;
        // The newest record of the page sat at `offset` when it was read; records that landed
        // newer than it since then moved it by at most the growth since.
        remaining = offset + Math.max(0, total - pageTotal);
        // The answers came from different states of the log, so records can repeat across
        // them and a late one can sit anywhere: each answer was checked on its own, and their
        // union is put in time order. Of what only the reads past the page gave, records met
        // before and late ones behind the read position are no part of what is left to read.
        const onPage = new Set(page.data_list.map((record) => record.event_id));
        const behind = check.lastAt;
        const extra = new Map<string, HssImageEvent>();
        for (const record of past) {
          if (onPage.has(record.event_id) || seen.has(record.event_id)) continue;
          if (behind !== undefined && record.time < behind) continue;
          extra.set(record.event_id, record);
        }
        const records = [...[...page.data_list].reverse(), ...extra.values()].sort((a, b) => a.time - b.time);
        check.page(records, offset);
        return { events: this.fresh(records, seen), done: remaining <= 0 || (page.data_list.length === 0 && past.length === 0) };
      },
    };
  }

  /** Maps the records not read before in this walk (offsets can shift when records arrive late). */
  private fresh(records: readonly HssImageEvent[], seen: Set<string>): ImageEventRecord[] {
    const out: ImageEventRecord[] = [];
    for (const record of records) {
      if (seen.has(record.event_id)) continue;
      seen.add(record.event_id);
      out.push(toImageEvent(this.session.ref, record));
    }
    return out;
  }
}

/**
 * Checks that the records read so far are in time order (`desc`: never newer than the one
 * before; `asc`: never older), ties in any order. Throws UPSTREAM_BAD_RESPONSE otherwise.
 */
export class OrderCheck {
  lastAt: number | undefined;
  /** How many records of `lastAt` have been read. */
  countAtLast = 0;

  constructor(
    private readonly sourceName: string,
    private readonly order: 'asc' | 'desc',
  ) {}

  page(records: readonly Pick<HssImageEvent, 'time' | 'event_id'>[], offset: number): void {
    records.forEach((record, i) => {
      if (this.lastAt !== undefined && (this.order === 'desc' ? record.time > this.lastAt : record.time < this.lastAt)) {
        throw new UpstreamError({
          code: 'UPSTREAM_BAD_RESPONSE',
          source: this.sourceName,
          message:
            `HSS answered out of time order: record ${record.event_id} (time ${record.time}) at offset ${offset} + ${i} ` +
            `comes after a record of time ${this.lastAt} in a ${this.order === 'desc' ? 'newest' : 'oldest'}-first read. ` +
            'The timeline needs the documented newest-first order to page without skipping; see docs/vendors/huawei-hss.md, "HSS ordering".',
        });
      }
      if (record.time === this.lastAt) this.countAtLast += 1;
      else {
        this.lastAt = record.time;
        this.countAtLast = 1;
      }
    });
  }
}

