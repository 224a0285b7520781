import type { TencentCcrSourceConfig } from './tencent-ccr.config.js';
import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { TENCENT_CLOUD, TRIGGER_KIND, type TriggerEventRecord } from './trigger-event.record.js';
import type { EventFilter } from '../../timeline/event-filter.js';
import {
  keysetWindow,
  type CountQuery,
  type EventKey,
  type Stream,
  type StreamChunk,
  type StreamPlan,
  type StreamPosition,
  type StreamQuery,
  type StreamReader,
} from '../../timeline/stream.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamError } from '../../upstream/upstream.errors.js';
import { encodeEventId } from '../../timeline/event-id.js';
import { oncePerRecord, PageMemo } from '../common/event-memo.js';
import type { EventSource, SourceSession } from '../../timeline/event-source.js';
import { TencentCcrClient, type ListTriggerLogParams } from './tencent-ccr.client.js';
import {
  invokeTimeToEpochMs,
  streamKeyOf,
  toTriggerEvent,
  TriggerLogNumbering,
  type TriggerContext,
} from './tencent-ccr.mapper.js';
import { TriggerLogChurnError, TriggerLogScan, type ScanBatch } from './tencent-ccr.scan.js';
import { countTriggerLogs, TriggerLogCountChurnError, TriggerLogOrderError } from './tencent-ccr.count.js';
import { INVOKE_TIME, type TriggerLog, type TriggerLogPage } from './tencent-ccr.schemas.js';

/**
 * The largest page the stream asks for. The legacy API documents no maximum; its API 3.0
 * successor caps `limit` at 100, and a page that size keeps each call small.
 */
export const MAX_STREAM_PAGE = 100;

/** Tencent Cloud CCR trigger logs (docs/vendors/tencent-ccr.md): one stream per configured repository. */
export class TencentCcrSource implements EventSource {
  static readonly kind = TRIGGER_KIND.name;
  readonly kind = TencentCcrSource.kind;
  readonly vendor = TENCENT_CLOUD.name;
  readonly name: string;
  readonly endpoint: string;
  readonly timeZone: string;
  readonly repositories: readonly string[];
  readonly client: TencentCcrClient;

  constructor(config: TencentCcrSourceConfig) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.timeZone = config.timeZone;
    this.repositories = config.scope.repositories;
    this.client = new TencentCcrClient(config);
  }

  /** Per record, once: a cached answer is read again on every warm page (see event-memo.ts). */
  readonly timeOf = oncePerRecord((log: TriggerLog): number => invokeTimeToEpochMs(log.record.invokeTime, this.timeZone));

  openSession(): TencentCcrSession {
    return new TencentCcrSession(this);
  }

  /** One stream per configured repository, read 100 records a call. */
  estimateStreams() {
    return { streams: this.repositories.length, maxPageSize: MAX_STREAM_PAGE };
  }
}

export class TencentCcrSession implements SourceSession {
  constructor(readonly source: TencentCcrSource) {}

  streams(): Promise<Stream[]> {
    return Promise.resolve(this.source.repositories.map((repoName) => new TriggerLogStream(this, repoName)));
  }

  /** The native `triggerLogs` query, and every page and probe of a stream (with the page's tally). */
  listTriggerLog(params: ListTriggerLogParams, calls?: UpstreamCallCounts): Promise<TriggerLogPage> {
    return this.source.client.listTriggerLog(params, calls);
  }

  contextFor(repoName: string): TriggerContext {
    return { sourceName: this.source.name, repoName, timeZone: this.source.timeZone };
  }

  timeOf = (log: TriggerLog): number => this.source.timeOf(log);

  /** The scan's next batch; a log that never holds still long enough to read is an unavailable upstream. */
  async nextOf(scan: TriggerLogScan): Promise<ScanBatch> {
    try {
      return await scan.next();
    } catch (error) {
      if (!(error instanceof TriggerLogChurnError)) throw error;
      throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: this.source.name, message: error.message, cause: error });
    }
  }

  async findEvent(naturalId: readonly unknown[]): Promise<TriggerEventRecord | null> {
    const [repoName, invokeTime] = naturalId;
    if (typeof repoName !== 'string' || typeof invokeTime !== 'string' || !INVOKE_TIME.test(invokeTime)) return null;
    if (!this.source.repositories.includes(repoName)) return null;
    let at: number;
    try {
      at = invokeTimeToEpochMs(invokeTime, this.source.timeZone);
    } catch {
      return null;
    }
    // Every record of that second, numbered from the first one, as the stream numbers them.
    const scan = new TriggerLogScan({
      repoName,
      order: 'asc',
      from: at,
      to: at,
      pageSize: MAX_STREAM_PAGE,
      maxPageSize: MAX_STREAM_PAGE,
      list: (params) => this.listTriggerLog(params),
      timeOf: this.timeOf,
    });
    let numbering = new TriggerLogNumbering();
    const wanted = encodeEventId(this.source.name, naturalId);
    const context = this.contextFor(repoName);
    for (;;) {
      const batch = await this.nextOf(scan);
      // The upstream changed under the scan, which read that second again from its first record.
      if (batch.restarted) numbering = new TriggerLogNumbering();
      for (const { log } of batch.logs) {
        const event = toTriggerEvent(context, log, numbering);
        if (event.id === wanted) return event;
      }
      if (batch.done) return null;
    }
  }
}

/** Mapped batches, per answer: a warm page maps nothing. */
const pages = new PageMemo<TriggerLog, TriggerEventRecord, TriggerLogNumbering>();

/** The trigger log of one repository, in invoke_time order. */
class TriggerLogStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  readonly maxPageSize = MAX_STREAM_PAGE;

  constructor(
    private readonly session: TencentCcrSession,
    private readonly repoName: string,
  ) {
    this.sourceName = session.source.name;
    this.key = streamKeyOf(this.sourceName, repoName);
  }

  /**
   * Nothing is pushed upstream (the API filters on nothing but the repository); the plan
   * only prunes a stream that cannot match.
   */
  plan(filter: EventFilter): StreamPlan {
    const upstream: StreamPlan['upstream'] = [];
    // Trigger logs name no actor.
    if (filter.actor !== undefined) return { skip: true, upstream };
    // `resource` is repoName:tagName, so another repository's resource rules the stream out.
    if (filter.resource !== undefined && !filter.resource.startsWith(`${this.repoName}:`)) return { skip: true, upstream };
    // returnCode gives SUCCESS or FAILURE, never UNKNOWN.
    if (filter.outcomes && !filter.outcomes.some((o) => o === EventOutcome.SUCCESS || o === EventOutcome.FAILURE)) {
      return { skip: true, upstream };
    }
    return { skip: false, upstream };
  }

  /**
   * The number of records in [since, until], by binary search of the offsets of the
   * newest-first log (`tencent-ccr.count.ts`): about 2·log2(records / 100) + 2 calls, not
   * one. Null, with no call, when a filter field other than the time would drop records here
   * (`resource`, `search`, `outcomes` naming only one of SUCCESS and FAILURE): the upstream
   * applies none. Exact for a log that does not change during the count; when it changes,
   * the count starts again, and after a few attempts fails as `UPSTREAM_UNAVAILABLE`.
   */
  async count(query: CountQuery): Promise<number | null> {
    const filter = query.filter;
    const since = Math.max(query.since, filter.since ?? query.since);
    const until = Math.min(query.until, filter.until ?? query.until);
    if (query.plan.skip || this.plan(filter).skip) return 0;
    if (filter.resource !== undefined || filter.search !== undefined || filter.actor !== undefined) return null;
    // A trigger succeeds or fails: a filter naming both keeps every record.
    if (filter.outcomes && !(filter.outcomes.includes(EventOutcome.SUCCESS) && filter.outcomes.includes(EventOutcome.FAILURE))) return null;
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until)) return null;
    if (since > until) return 0;
    try {
      return await countTriggerLogs(
        {
          repoName: this.repoName,
          limit: MAX_STREAM_PAGE,
          list: (params) => this.session.listTriggerLog(params, query.calls),
          timeOf: this.session.timeOf,
        },
        since,
        until,
      );
    } catch (error) {
      if (error instanceof TriggerLogCountChurnError) {
        throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: this.sourceName, message: error.message, cause: error });
      }
      if (error instanceof TriggerLogOrderError) {
        throw new UpstreamError({ code: 'UPSTREAM_BAD_RESPONSE', source: this.sourceName, message: error.message, cause: error });
      }
      throw error;
    }
  }

  open(query: StreamQuery): StreamReader {
    const ascending = query.order === SortDirection.ASC;
    // The cursor's instant is inclusive: the scan starts at the first record of its second
    // and the timeline drops the ties it has already served.
    const window = keysetWindow(query);
    const from = ascending ? window.since : window.until;
    const to = ascending ? window.until : window.since;
    const scan = new TriggerLogScan({
      repoName: this.repoName,
      order: ascending ? 'asc' : 'desc',
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      pageSize: query.want,
      maxPageSize: MAX_STREAM_PAGE,
      list: (params) => this.session.listTriggerLog(params, query.calls),
      timeOf: this.session.timeOf,
      ...(query.resume !== undefined ? { resume: query.resume } : {}),
    });
    const context = this.session.contextFor(this.repoName);
    let numbering = new TriggerLogNumbering();
    let first = true;
    return {
      next: async (): Promise<StreamChunk> => {
        const batch = await this.session.nextOf(scan);
        // The upstream changed under the scan, which read again from the first record of the
        // last second it had returned: number from there afresh, so that those records get
        // the ids they had (and the timeline drops them as read).
        if (batch.restarted) numbering = new TriggerLogNumbering();
        const head = batch.logs[0]?.log;
        // A batch is a run of one answer's records: its first record and its length say which.
        const mapped = head
          ? pages.map(head, `${this.key} ${batch.logs.length}`, numbering, () => batch.logs.map(({ log }) => toTriggerEvent(context, log, numbering)))
          : { events: [], numbering };
        numbering = mapped.numbering;
        const chunk: StreamChunk = { events: mapped.events, done: batch.done };
        if (first) {
          first = false;
          chunk.total = await this.totalOf(query, scan, batch.logs.length, batch.done);
        }
        return chunk;
      },
      // The next page's scan starts from the cursor's instant in this same order: where that
      // scan would land is what it needs to skip the search.
      positionAt: (key: EventKey): StreamPosition | undefined => scan.position(key.at),
    };
  }

  /**
   * The size of the window, for the first chunk. The upstream counts the whole repository
   * only, so with `since` or `until` in the filter it is unknown (null). Without them the
   * window still ends at the walk's snapshot time: in desc order the records after it are
   * the ones the scan skipped; in asc order the first chunk shows the end when it reached
   * it, and otherwise one record, the newest, tells whether anything lies after it.
   */
  private async totalOf(query: StreamQuery, scan: TriggerLogScan, firstCount: number, done: boolean): Promise<number | null> {
    if (query.filter.since !== undefined || query.filter.until !== undefined || query.after !== undefined) return null;
    if (scan.total === undefined || scan.startIndex === undefined) return null;
    if (query.order === SortDirection.DESC) return scan.total - scan.startIndex;
    if (done) return firstCount;
    const newest = await this.session.listTriggerLog(
      { repoName: this.repoName, offset: 0, limit: 1, order: 'desc', orderBy: 'invoke_time' },
      query.calls,
    );
    const last = newest.logs[0];
    if (!last) return 0;
    return this.session.timeOf(last) <= query.until ? newest.totalCount : null;
  }
}

