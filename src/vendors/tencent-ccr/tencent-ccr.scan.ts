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
 *
 * A walk's next page need not search again: the scan remembers the offset and time of every
 * record it read, so it can tell where a scan from the cursor's instant would start
 * (`position`), and the timeline carries that in the cursor. The next page's scan reads
 * one page from just before that offset and keeps it only if it still shows the start: the
 * record before it not reached and the record at it reached. Records arrive between pages
 * and move offsets, so the hint is checked, never trusted; when it fails the search runs
 * as before, within the bounds the failed page already gives.
 *
 * Records also land between two calls of one scan. Offsets are only trusted while the
 * `totalCount` stays the same (the upstream only appends, so the same total is the same
 * data): when an answer shows another total, the scan re-anchors. It searches again, in
 * the new frame, for the first record of the last second it returned, as a scan with
 * `from` at that second would, and reads on from there (`ScanBatch.restarted`). The records
 * of that second come again, numbered from its first record as before, so under the same
 * ids (which the timeline drops as already read), and nothing after them is skipped
 * whichever side of the read position the new records landed on. The request's
 * deduplication and the cross-request cache answer a question asked again as it was
 * answered before, so the scan never asks the same one twice (`limitAt`); an answer of
 * older data may still come (kept from another read of the same pages), and the search
 * takes from it only what still holds (`examine`).
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
  /** The most records one call may ask for (default `pageSize`): a re-anchor asks for more than `pageSize` (see `limitAt`). */
  maxPageSize?: number;
  list(params: ListTriggerLogParams): Promise<TriggerLogPage>;
  timeOf(log: TriggerLog): number;
  /** A `position` from an earlier scan, for `from`: tried before searching, ignored when it does not hold. */
  resume?: ScanPosition;
}

/**
 * [order, offset, total]: order 0 for asc and 1 for desc; the offset, in that order, of the
 * first record reached from an instant (`total` when there is none); and the `totalCount`
 * that the offset counts in. In desc order the records that arrive later come first and
 * push every offset down by as many, which the total tells; in asc order they go last.
 */
export type ScanPosition = readonly number[];

/** One upstream answer as read: which offsets (in the frame of `total`) had which times. */
interface ReadRun {
  offset: number;
  total: number;
  ats: number[];
}

/** One upstream answer. */
interface Answer {
  logs: TimedLog[];
  total: number;
  /** The `limit` it was asked with: fewer records means the end. */
  limit: number;
}

/**
 * How many times in a row a scan re-anchors with nothing gained (no record returned that it
 * had not returned) before it gives up (`TriggerLogChurnError`): records that land at every
 * call while it reads a second of more records than one call may ask for.
 */
export const MAX_REANCHORS = 16;

/**
 * Calls one search may make, beyond twice the binary search's: answers that contradict each
 * other (records removed upstream, or answers of older data) could otherwise keep it going.
 */
const SEARCH_SLACK = 32;

/** The upstream kept changing under the scan, or its answers contradicted each other, past the limits above. */
export class TriggerLogChurnError extends Error {
  override readonly name = 'TriggerLogChurnError';
}

/**
 * The binary search's state: every record before `lo` is not reached, and the first reached
 * one is at or before `hi` (`hi` = the end when none is), in the frame of `total`.
 *
 * Records that land during the search keep `lo` true (a record not reached lands before
 * the first reached one, a reached one after it), and move the first reached record by at
 * most as many as landed, which the total tells: `hi` moves by that much. For the same
 * reason an answer of older data (a smaller total) still tells a `lo`, and a `hi` once
 * moved by the difference.
 */
interface SearchBounds {
  lo: number;
  hi: number;
  /** The largest `totalCount` seen, of the newest data: the frame of `lo`, `hi` and `cached`. */
  total: number | undefined;
  /** Pages of the frame of `total` that started exactly at a reached record, by offset, in case `lo` ends there. */
  cached: Map<number, Answer>;
}

export interface ScanBatch {
  logs: TimedLog[];
  done: boolean;
  /**
   * The upstream changed under the scan, which read again from the first record of the
   * last second it had returned: this batch starts there, and twins are numbered afresh.
   */
  restarted?: true;
}

export class TriggerLogScan {
  /** `totalCount` that the read offsets count in: that of the page the scan (or its last re-anchor) started with, then of every page read, all the same. */
  total: number | undefined;
  /** Offset of the first record inside the window, once located (in the frame it was located in). */
  startIndex: number | undefined;
  private offset = 0;
  private finished = false;
  private lastAt: number | undefined;
  /** How many records of the second `lastAt` the scan returned, since it last (re)started that second. */
  private lastCount = 0;
  /** Re-anchors in a row with nothing gained. */
  private reanchors = 0;
  /** During a re-anchor: the records of the last second returned, and the one before them. */
  private rereading = 0;
  /** The limits each offset was asked with: never the same question twice (`limitAt`). */
  private readonly asked = new Map<number, Set<number>>();
  /** What the search looks for the first record reached from: `options.from`, then the last second returned once the scan re-anchors. */
  private from: number | undefined;
  /** Every page read, probes included: what `position` answers from (those of the current total only). */
  private readonly runs: ReadRun[] = [];

  constructor(private readonly options: ScanOptions) {
    this.from = options.from;
  }

  private get ascending(): boolean {
    return this.options.order === 'asc';
  }

  private reached(at: number): boolean {
    const { from } = this;
    return from === undefined || (this.ascending ? at >= from : at <= from);
  }

  private passed(at: number): boolean {
    const { to } = this.options;
    return to !== undefined && (this.ascending ? at > to : at < to);
  }

  /**
   * The `limit` to ask for the page at `offset` with: `want` if this scan never asked for
   * that page with it, else the nearest one it never did (larger first, up to
   * `maxPageSize`). The same question gets the same answer for the rest of a GraphQL
   * request (its deduplication), and from the cross-request cache for a while: a page read
   * again after the upstream changed (by a re-anchor, mostly) would show it as it was. A
   * limit not asked with yet shows it as it is, and changes nothing else.
   */
  private limitAt(offset: number, want: number): number {
    const most = Math.max(this.options.pageSize, this.options.maxPageSize ?? this.options.pageSize);
    let used = this.asked.get(offset);
    if (!used) this.asked.set(offset, (used = new Set()));
    let limit = Math.min(want, most);
    while (used.has(limit) && limit < most) limit += 1;
    while (used.has(limit) && limit > 1) limit -= 1;
    // Every limit allowed was asked with (never in practice): larger than allowed rather than the same question.
    if (used.has(limit)) limit = most + used.size;
    used.add(limit);
    return limit;
  }

  /**
   * Reads the page at `offset`: `pageSize` records, and during a re-anchor as many more as
   * it reads again (`rereading`), so that it gets as far as a page would have.
   */
  private async fetch(offset: number): Promise<Answer> {
    const limit = this.limitAt(offset, this.options.pageSize + this.rereading);
    const page = await this.options.list({
      repoName: this.options.repoName,
      offset,
      limit,
      order: this.options.order,
      orderBy: 'invoke_time',
    });
    const logs = page.logs.map((log) => ({ log, at: this.options.timeOf(log) }));
    this.runs.push({ offset, total: page.totalCount, ats: logs.map((entry) => entry.at) });
    return { total: page.totalCount, logs, limit };
  }

  async next(): Promise<ScanBatch> {
    if (this.finished) return { logs: [], done: true };
    let batch: TimedLog[];
    let restarted = false;
    if (this.startIndex === undefined) {
      batch = await this.locate(this.hint());
    } else {
      const offset = this.offset;
      const page = await this.fetch(offset);
      if (page.total !== this.total) {
        // Records landed since the last call, before or after the read position: the offsets
        // no longer say which records are still to read.
        batch = await this.reanchor(offset, page);
        restarted = true;
      } else {
        batch = page.logs;
        this.offset += page.logs.length;
        if (page.logs.length < page.limit) this.finished = true;
      }
    }
    const cut = batch.findIndex((entry) => this.passed(entry.at));
    if (cut >= 0) {
      batch = batch.slice(0, cut);
      this.finished = true;
    }
    if (this.total !== undefined && this.offset >= this.total) this.finished = true;
    // Never backwards in time: a record inserted behind the scan since it started belongs
    // to a part of the history already read. (A re-anchored batch starts at the last
    // second returned, so it keeps all of that second.)
    batch = batch.filter((entry) => this.lastAt === undefined || (this.ascending ? entry.at >= this.lastAt : entry.at <= this.lastAt));
    if (batch.length > 0) {
      const at = batch[batch.length - 1]!.at;
      let count = 0;
      for (let i = batch.length - 1; i >= 0 && batch[i]!.at === at; i--) count += 1;
      // A batch that restarted the second, or began a later one, counts its records from
      // its start; one that goes on in the same second adds to them.
      if (!restarted && at === this.lastAt && count === batch.length) count += this.lastCount;
      // Something not returned before: a later second, or more of the same one.
      if (at !== this.lastAt || count > this.lastCount) this.reanchors = 0;
      this.lastAt = at;
      this.lastCount = count;
    }
    return restarted ? { logs: batch, done: this.finished, restarted: true } : { logs: batch, done: this.finished };
  }

  /**
   * Searches again, in the frame of `page` (just read at `offset`, with a total other than
   * `this.total`), for the first record of the last second returned, and returns the
   * records from there. Where that second started in the old frame is the hint, checked
   * like a cursor's; `page` itself is the search's first probe.
   */
  private async reanchor(offset: number, page: Answer): Promise<TimedLog[]> {
    if (this.reanchors >= MAX_REANCHORS) {
      throw new TriggerLogChurnError(`the trigger log of ${this.options.repoName} changed at every call, ${MAX_REANCHORS} times in a row: it cannot be read in order`);
    }
    this.reanchors += 1;
    const at = this.lastAt ?? this.options.from;
    let hint: { offset: number; total: number } | undefined;
    if (this.total !== undefined) {
      // Nothing returned and no leading bound: the window starts at the first record.
      const known = at === undefined ? [0, 0] : this.position(at);
      const start = known ? known[1]! : this.firstReadOffset(at!);
      if (start !== undefined) hint = { offset: start, total: this.total };
    }
    this.from = at;
    this.rereading = this.lastAt === undefined ? 0 : this.lastCount + 1;
    try {
      return await this.locate(hint, { offset, page });
    } finally {
      this.rereading = 0;
    }
  }

  /** The smallest offset, in the frame of `this.total`, of a record read at `at`. */
  private firstReadOffset(at: number): number | undefined {
    let first: number | undefined;
    for (const run of this.runs) {
      if (run.total !== this.total) continue;
      const k = run.ats.indexOf(at);
      if (k >= 0 && (first === undefined || run.offset + k < first)) first = run.offset + k;
    }
    return first;
  }

  /**
   * The first batch, or the one after a re-anchor: the records from the first one reached
   * (from `this.from`), and where it is. `hint`: where that was in the frame of its total;
   * `seen`: a page already read, taken as the first probe.
   */
  private async locate(hint: { offset: number; total: number } | undefined, seen?: { offset: number; page: Answer }): Promise<TimedLog[]> {
    const bounds: SearchBounds = { lo: 0, hi: Number.POSITIVE_INFINITY, total: undefined, cached: new Map() };
    let latest: number | undefined;
    if (seen) {
      const landed = this.examine(seen.offset, seen.page, bounds);
      if (landed) return landed;
      latest = seen.page.total;
    }
    if (hint || !seen) {
      // A hinted start is read from one record early, so that the page shows the record
      // before it as well: only that proves it opens its second.
      const firstOffset = hint ? Math.max(0, hint.offset - 1) : 0;
      if (firstOffset !== seen?.offset) {
        const first = await this.probe(firstOffset, bounds);
        if (first.landed) return first.landed;
        latest = first.total;
      }
      if (hint && latest !== undefined && latest > hint.total) {
        // More records arrived than the page could absorb. In desc order the newer ones come
        // first and push the start down by as many; in asc order only late ones stamped
        // before it do, and the new total bounds how far. Either way, now that the answer
        // tells how many arrived, look there before searching.
        const shifted = Math.max(bounds.lo, hint.offset + (latest - hint.total) - 1);
        if (shifted !== firstOffset && shifted !== seen?.offset && shifted < bounds.hi) {
          const second = await this.probe(shifted, bounds);
          if (second.landed) return second.landed;
        }
      }
    }
    // Twice a binary search's calls, and then some: only answers that contradict each other
    // take more.
    const most = 2 * Math.ceil(Math.log2((bounds.total ?? 0) + 2)) + SEARCH_SLACK;
    for (let calls = 0; ; calls++) {
      if (calls > most) throw new TriggerLogChurnError(`the trigger log of ${this.options.repoName} gave answers that contradict each other`);
      const { lo, hi } = bounds;
      if (lo >= hi) {
        // The start is `lo`: a page that began there in this frame shows it already.
        const page = bounds.cached.get(lo);
        if (page) return this.found(lo, lo, page);
      }
      const probe = await this.probe(lo < hi ? lo + ((hi - lo) >> 1) : lo, bounds);
      if (probe.landed) return probe.landed;
    }
  }

  private async probe(offset: number, bounds: SearchBounds): Promise<{ landed?: TimedLog[]; total: number }> {
    const page = await this.fetch(offset);
    const landed = this.examine(offset, page, bounds);
    return landed ? { landed, total: page.total } : { total: page.total };
  }

  /**
   * Looks at the page read at `offset`. It is the batch when it shows where the window
   * starts: a reached record after one that is not, a reached record at `bounds.lo`, or the
   * end with nothing reached. Otherwise it narrows the bounds.
   */
  private examine(offset: number, page: Answer, bounds: SearchBounds): TimedLog[] | undefined {
    const { logs, total } = page;
    if (bounds.total === undefined || total > bounds.total) {
      // Records landed since the last answer: the start moved by at most as many.
      if (bounds.total !== undefined) bounds.hi += total - bounds.total;
      bounds.total = total;
      bounds.cached.clear();
    }
    const j = logs.findIndex((entry) => this.reached(entry.at));
    if (total < bounds.total) {
      // An answer of older data (fewer records): what it shows before the start holds now
      // too, its start is now later by at most as many as landed since, and it is no batch.
      const landed = bounds.total - total;
      const unreached = j < 0 ? logs.length : j;
      if (unreached > 0) bounds.lo = Math.max(bounds.lo, offset + unreached);
      if (j >= 0) bounds.hi = Math.min(bounds.hi, offset + j + landed);
      bounds.hi = Math.max(bounds.hi, bounds.lo);
      return undefined;
    }
    bounds.hi = Math.max(bounds.lo, Math.min(bounds.hi, total));
    if (j > 0 || (j === 0 && offset === bounds.lo)) return this.found(offset + j, offset, page);
    if (j === 0) {
      if (offset <= bounds.hi) {
        bounds.hi = Math.max(bounds.lo, offset);
        bounds.cached.set(offset, page);
      }
    } else if (logs.length === 0) {
      // Past the end: nothing is known about the records before it.
      if (offset <= bounds.lo) return this.found(offset, offset, page);
      bounds.hi = Math.max(bounds.lo, Math.min(bounds.hi, offset));
    } else if (logs.length < page.limit || offset + logs.length >= total) {
      // Nothing reached up to the end: the window starts after the last record.
      return this.found(offset + logs.length, offset, page);
    } else {
      bounds.lo = Math.max(bounds.lo, offset + logs.length);
      bounds.hi = Math.max(bounds.hi, bounds.lo);
    }
    return undefined;
  }

  private found(startIndex: number, pageOffset: number, page: Answer): TimedLog[] {
    const { logs } = page;
    this.startIndex ??= startIndex;
    this.offset = pageOffset + logs.length;
    this.total = page.total;
    if (logs.length < page.limit) this.finished = true;
    return logs.slice(startIndex - pageOffset);
  }

  /** `options.resume` when it is a position of this order that could hold; anything else is ignored. */
  private hint(): { offset: number; total: number } | undefined {
    const { resume, from } = this.options;
    if (resume === undefined || from === undefined || resume.length !== 3) return undefined;
    const [order, offset, total] = resume as [number, number, number];
    if (order !== (this.ascending ? 0 : 1)) return undefined;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(total) || offset < 0 || offset > total) return undefined;
    return { offset, total };
  }

  /**
   * Where a scan in this order with `from = at` would start, from the records read so far:
   * known once the first record reached from `at` and the one before it have both been
   * read (or it is the first record, or nothing is reached and the last record was read).
   * Undefined otherwise: the next page then searches.
   */
  position(at: number): ScanPosition | undefined {
    const total = this.total;
    if (total === undefined) return undefined;
    let firstReached = Number.POSITIVE_INFINITY;
    let lastBefore = -1;
    for (const run of this.runs) {
      // Only answers of the same total count in its frame: where the records that landed
      // in between went, before or after a given offset, no answer tells.
      if (run.total !== total) continue;
      const base = run.offset;
      const k = firstReachedIndex(run.ats, at, this.ascending);
      if (k < run.ats.length) firstReached = Math.min(firstReached, base + k);
      if (k > 0) lastBefore = Math.max(lastBefore, base + k - 1);
    }
    const order = this.ascending ? 0 : 1;
    if (firstReached === Number.POSITIVE_INFINITY) return lastBefore === total - 1 ? [order, total, total] : undefined;
    return lastBefore === firstReached - 1 ? [order, firstReached, total] : undefined;
  }
}

/** The first of `values` (times in scan order) reached from `at`; `values.length` when none. */
function firstReachedIndex(values: readonly number[], at: number, ascending: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending ? values[mid]! >= at : values[mid]! <= at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
