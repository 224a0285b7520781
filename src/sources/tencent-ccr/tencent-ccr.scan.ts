import type { TriggerLog } from './tencent-ccr.schemas.js';
import type { ListTriggerLogParams } from './tencent-ccr.client.js';
import type { TriggerLogPage } from './tencent-ccr.schemas.js';

/**
 * A forward scan of one repository's trigger log in invoke_time order, bounded by a time
 * window that the upstream cannot filter on.
 *
 * `ListTriggerLog` has no time filter: only offset/limit over records sorted by a
 * second-resolution `invokeTime`. Reading from offset 0 on every page would make page N
 * cost N upstream pages, and a cursor deep into the history (or an old `since`) would read
 * the whole history first. Instead the scan binary-searches the offsets, using the
 * `totalCount` of the first answer, for the FIRST record at or past the window's leading
 * bound, then reads forward with pages of about the merge's `want`, and stops as soon as a
 * record passes the trailing bound. The probes are ordinary pages, so a probe that
 * straddles the boundary already holds the first page of the answer.
 *
 * Landing on the first record of a second matters: many records share one second, the
 * timeline's cursor points inside such a run, and event ids number identical records in
 * a second from the start of that second. The predicate "at or past the bound" is
 * monotonic over offsets, and the record before the first match is strictly before the
 * bound, so the match always opens its second.
 */

export interface TimedLog {
  log: TriggerLog;
  /** Epoch ms of `invokeTime`, read in the source's zone. */
  at: number;
}

export interface ScanOptions {
  repoName: string;
  order: 'asc' | 'desc';
  /** Leading bound, inclusive: asc reads from the first record at or after it, desc from the first at or before it. */
  from?: number;
  /** Trailing bound, inclusive: the scan ends at the first record past it. */
  to?: number;
  /** Records per upstream call. */
  pageSize: number;
  list(params: ListTriggerLogParams): Promise<TriggerLogPage>;
  timeOf(log: TriggerLog): number;
}

export interface ScanBatch {
  logs: TimedLog[];
  done: boolean;
}

export class TriggerLogScan {
  /** `totalCount` as last seen. */
  total: number | undefined;
  /** Offset of the first record inside the window, once located. */
  startIndex: number | undefined;
  private offset = 0;
  private finished = false;
  private lastAt: number | undefined;

  constructor(private readonly options: ScanOptions) {}

  private get ascending(): boolean {
    return this.options.order === 'asc';
  }

  private reached(at: number): boolean {
    const { from } = this.options;
    return from === undefined || (this.ascending ? at >= from : at <= from);
  }

  private passed(at: number): boolean {
    const { to } = this.options;
    return to !== undefined && (this.ascending ? at > to : at < to);
  }

  private async fetch(offset: number): Promise<{ logs: TimedLog[]; total: number }> {
    const page = await this.options.list({
      repoName: this.options.repoName,
      offset,
      limit: this.options.pageSize,
      order: this.options.order,
      orderBy: 'invoke_time',
    });
    return { total: page.totalCount, logs: page.logs.map((log) => ({ log, at: this.options.timeOf(log) })) };
  }

  async next(): Promise<ScanBatch> {
    if (this.finished) return { logs: [], done: true };
    let batch: TimedLog[];
    if (this.startIndex === undefined) {
      batch = await this.locate();
    } else {
      const page = await this.fetch(this.offset);
      batch = page.logs;
      // Records that arrived since the last call come first in desc order and push every
      // offset down by as many: skip the ones already read instead of returning them twice.
      if (!this.ascending && this.total !== undefined && page.total > this.total) batch = batch.slice(page.total - this.total);
      this.offset += page.logs.length;
      this.total = page.total;
      if (page.logs.length < this.options.pageSize) this.finished = true;
    }
    const cut = batch.findIndex((entry) => this.passed(entry.at));
    if (cut >= 0) {
      batch = batch.slice(0, cut);
      this.finished = true;
    }
    if (this.total !== undefined && this.offset >= this.total) this.finished = true;
    // Never backwards in time: a record inserted behind the scan since it started belongs
    // to a part of the history already read.
    batch = batch.filter((entry) => this.lastAt === undefined || (this.ascending ? entry.at >= this.lastAt : entry.at <= this.lastAt));
    if (batch.length > 0) this.lastAt = batch[batch.length - 1]!.at;
    return { logs: batch, done: this.finished };
  }

  /** The first batch: the records from the first one inside the window, and where it is. */
  private async locate(): Promise<TimedLog[]> {
    const first = await this.fetch(0);
    let total = first.total;
    this.total = total;
    const inFirst = first.logs.findIndex((entry) => this.reached(entry.at));
    if (inFirst >= 0 || first.logs.length >= total || first.logs.length < this.options.pageSize) {
      const start = inFirst >= 0 ? inFirst : first.logs.length;
      return this.found(start, 0, first.logs);
    }
    // The first match is in [lo, hi]; hi = total means there is none.
    const cached = new Map<number, TimedLog[]>();
    let lo = first.logs.length;
    let hi = total;
    while (lo < hi) {
      const mid = lo + ((hi - lo) >> 1);
      const page = await this.fetch(mid);
      total = Math.min(total, page.total);
      if (page.logs.length === 0) {
        hi = mid;
        continue;
      }
      const j = page.logs.findIndex((entry) => this.reached(entry.at));
      if (j < 0) {
        lo = Math.min(hi, mid + page.logs.length);
      } else if (j > 0 || mid === lo) {
        return this.found(mid + j, mid, page.logs);
      } else {
        hi = mid;
        cached.set(mid, page.logs);
      }
    }
    if (lo >= total) return this.found(total, total, []);
    const logs = cached.get(lo) ?? (await this.fetch(lo)).logs;
    return this.found(lo, lo, logs);
  }

  private found(startIndex: number, pageOffset: number, logs: TimedLog[]): TimedLog[] {
    this.startIndex = startIndex;
    this.offset = pageOffset + logs.length;
    if (logs.length < this.options.pageSize) this.finished = true;
    return logs.slice(startIndex - pageOffset);
  }
}
