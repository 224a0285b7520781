import type { BkRepoSourceConfig } from './bkrepo.config.js';
import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { AUDIT_KIND, type AuditEventRecord, BLUEKING } from './audit-event.record.js';
import { activeFields, type EventFilter, type FilterField } from '../../timeline/event-filter.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { keysetWindow, type CountQuery, type Stream, type StreamPlan, type StreamQuery, type StreamReader } from '../../timeline/stream.js';
import { encodeEventId } from '../../timeline/event-id.js';
import type { EventSource, SourceSession } from '../../timeline/event-source.js';
import { PageMemo } from '../common/event-memo.js';
import { readWindowByPages } from '../common/window-pages.js';
import { BkRepoClient, type ListLogsParams, type LogEntry, type LogListAnswer } from './bkrepo.client.js';
import { RecordNumbering, streamKeyOf, toAuditEvent, type LogStreamRef } from './bkrepo.mapper.js';
import { matchesResourcePattern, pushableResourcePrefix } from './bkrepo.resource-key.js';
import { repositoryOutOfScope } from './bkrepo.scope.js';

/**
 * bk-repo has no documented page maximum; 1000 keeps one answer (and one Mongo query on the
 * server) reasonable while a page of the timeline (at most 501 events) still takes one call.
 */
export const MAX_PAGE_SIZE = 1000;

/**
 * BlueKing bk-repo operation logs (docs/vendors/bkrepo.md). One query names exactly one repository
 * and one event type, so each (repository, event type) pair of the scope is one stream.
 */
export class BkRepoSource implements EventSource {
  static readonly kind = AUDIT_KIND.name;
  readonly kind = BkRepoSource.kind;
  readonly vendor = BLUEKING.name;
  readonly name: string;
  readonly endpoint: string;
  readonly client: BkRepoClient;

  constructor(readonly config: BkRepoSourceConfig) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.client = new BkRepoClient(config);
  }

  get scope(): BkRepoSourceConfig['scope'] {
    return this.config.scope;
  }

  openSession(): BkRepoSession {
    return new BkRepoSession(this);
  }

  /** One stream per (repository, event type) pair of the scope. */
  estimateStreams() {
    return { streams: this.scope.repositories.length * this.scope.eventTypes.length, maxPageSize: MAX_PAGE_SIZE };
  }
}

export class BkRepoSession implements SourceSession {
  constructor(readonly source: BkRepoSource) {}

  streams(): Promise<Stream[]> {
    const { projectId, repositories, eventTypes } = this.source.scope;
    return Promise.resolve(
      repositories.flatMap((repoName) =>
        eventTypes.map((eventType) => new LogStream(this, { sourceName: this.source.name, projectId, repoName, eventType })),
      ),
    );
  }

  async findEvent(naturalId: readonly unknown[]): Promise<AuditEventRecord | null> {
    const [projectId, repoName, eventType, at] = naturalId;
    if (typeof projectId !== 'string' || typeof repoName !== 'string' || typeof eventType !== 'string') return null;
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return null;
    // An id naming a project or repository outside the source's scope was not issued by
    // this source (or was forged to reach further than it may): no event, and no call.
    if (repositoryOutOfScope(this.source.name, this.source.scope, projectId, repoName)) return null;
    // Every record of that millisecond within the scope's key prefix, numbered the way the
    // timeline numbers them: twins share their key, so the other keys change no number; the
    // digest in the id tells the record apart.
    const ref: LogStreamRef = { sourceName: this.source.name, projectId, repoName, eventType };
    const numbering = new RecordNumbering();
    const wanted = encodeEventId(this.source.name, naturalId);
    for (let pageNumber = 1; ; pageNumber += 1) {
      const answer = await this.listLogs({
        projectId,
        repoName,
        eventType,
        resourceKey: this.source.scope.resourceKeyPrefix,
        startTime: at,
        endTime: at,
        direction: 'ASC',
        pageNumber,
        pageSize: MAX_PAGE_SIZE,
      });
      const found = answer.entries.map((entry) => toAuditEvent(ref, entry, numbering)).find((event) => event.id === wanted);
      if (found) return found;
      if (answer.entries.length < MAX_PAGE_SIZE) return null;
    }
  }

  /** The native `auditLogs` query, and every stream page (with the page's tally). */
  listLogs(params: ListLogsParams, calls?: UpstreamCallCounts): Promise<LogListAnswer> {
    return this.source.client.listLogs(params, calls);
  }
}

/** Mapped pages, per answer: a warm page maps nothing (see event-memo.ts). */
const pages = new PageMemo<LogEntry[], AuditEventRecord, RecordNumbering>();

/** One repository's records of one event type, read page by page. */
class LogStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  readonly maxPageSize = MAX_PAGE_SIZE;

  constructor(
    private readonly session: BkRepoSession,
    private readonly ref: LogStreamRef,
  ) {
    this.key = streamKeyOf(ref);
    this.sourceName = ref.sourceName;
  }

  plan(filter: EventFilter): StreamPlan {
    const upstream: FilterField[] = ['since', 'until'];
    // Every record is SUCCESS (bkrepo.mapper.ts): the outcome filter keeps all or nothing.
    if (filter.outcomes) {
      if (!filter.outcomes.includes(EventOutcome.SUCCESS)) return { skip: true, upstream };
      upstream.push('outcomes');
    }
    if (filter.actor !== undefined) upstream.push('actor');
    // `resource` narrows the upstream query, but as a prefix: the upstream may return other
    // keys that start with it, so its count is not the filter's and the field stays local.
    if (filter.resource !== undefined && !matchesResourcePattern(this.session.source.scope.resourceKeyPrefix, filter.resource)) {
      return { skip: true, upstream };
    }
    return { skip: false, upstream };
  }

  /**
   * The number of records in [since, until] that the filter keeps: the `totalRecords` of one
   * call (`pageSize` 1) under that window and the pushed-down filters; two when the server's
   * zone must be learnt first (see `BkRepoClient.listLogs`). It is exact because:
   * - the server counts the records of the very query it pages (`count(query)` beside
   *   `find(query)`), `createdDate` between `startTime` and `endTime` inclusive, to the
   *   millisecond, and every record of that query is an event of this stream;
   * - the server's wall-clock comparison keeps the records whose instant the timeline
   *   compares: `wallClockWindow` (no daylight-saving fall-back near the window, bounds that
   *   read back) in the zone the client writes in, checked before the call (null, no call)
   *   and again after it, in the zone the answer names (null when it differs);
   * - every filter field is one the upstream applies exactly: `actor` as `userId` (not an
   *   empty or blank one, which a server may take for no filter), `outcomes` (every record
   *   is SUCCESS). `resource` goes upstream as a prefix, and `search` not at all: null, with
   *   no call.
   */
  async count(query: CountQuery): Promise<number | null> {
    const filter = query.filter;
    const since = Math.max(query.since, filter.since ?? query.since);
    const until = Math.min(query.until, filter.until ?? query.until);
    const plan = this.plan(filter);
    if (plan.skip || query.plan.skip) return 0;
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until)) return null;
    if (since > until) return 0;
    const local = activeFields(filter).filter((field) => !plan.upstream.includes(field));
    if (local.length > 0) return null;
    if (filter.outcomes && !filter.outcomes.includes(EventOutcome.SUCCESS)) return 0;
    if (filter.actor !== undefined && filter.actor.trim() === '') return null;
    const window = this.session.source.client.exactWindow(since, until);
    if (!window) return null;
    const answer = await this.session.listLogs(
      {
        projectId: this.ref.projectId,
        repoName: this.ref.repoName,
        eventType: this.ref.eventType,
        resourceKey: this.session.source.scope.resourceKeyPrefix,
        ...(filter.actor === undefined ? {} : { userId: filter.actor }),
        startTime: window.start,
        endTime: window.end,
        direction: 'DESC',
        pageNumber: 1,
        pageSize: 1,
      },
      query.calls,
    );
    // The request was written in the zone the answer names, and that zone (now the client's,
    // when the answer taught it another) allows the same window: else the server's wall-clock
    // window may be another one.
    const after = this.session.source.client.exactWindow(since, until);
    if (!answer.windowExact || !after || after.zone !== answer.zone || after.start !== window.start || after.end !== window.end) return null;
    return answer.page.totalRecords;
  }

  open(query: StreamQuery): StreamReader {
    const pageSize = query.want;
    const scopePrefix = this.session.source.scope.resourceKeyPrefix;
    const params: ListLogsParams = {
      projectId: this.ref.projectId,
      repoName: this.ref.repoName,
      eventType: this.ref.eventType,
      resourceKey: query.filter.resource === undefined ? scopePrefix : pushableResourcePrefix(query.filter.resource, scopePrefix),
      ...(query.filter.actor === undefined ? {} : { userId: query.filter.actor }),
      direction: query.order === SortDirection.ASC ? 'ASC' : 'DESC',
      pageSize,
    };
    // createdDate has milliseconds, so the cursor's millisecond maps exactly; the start is
    // always sent, since the server's default would hide records older than 3 months.
    const window = keysetWindow(query);
    return readWindowByPages({
      order: query.order,
      window: { since: window.since ?? 0, until: window.until },
      pageSize,
      fetch: (window, page) =>
        this.session.listLogs({ ...params, startTime: window.since ?? 0, endTime: window.until, pageNumber: page + 1 }, query.calls),
      countOf: (answer) => answer.entries.length,
      totalOf: (answer) => answer.page.totalRecords,
      numbering: () => new RecordNumbering(),
      map: (answer, numbering) =>
        pages.map(answer.entries, this.key, numbering, () => answer.entries.map((entry) => toAuditEvent(this.ref, entry, numbering))),
    });
  }
}
