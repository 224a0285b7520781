import type { ListTriggerLogParams } from './tencent-ccr.client.js';
import type { TriggerLog, TriggerLogPage } from './tencent-ccr.schemas.js';

/**
 * Counts one repository's trigger logs in an inclusive time window, for histograms, though
 * `ListTriggerLog` has no time filter and its `totalCount` is of the whole log.
 *
 * Read newest first (`order=desc&orderby=invoke_time`), the times of the records never
 * increase with the offset, so for any instant X the records at or before X are a suffix:
 * they start at the first offset b(X) whose record is at or before X (b(X) = the total when
 * there is none), found by binary search over the offsets. Records are stamped to the
 * millisecond by the same reading of `invokeTime` that the stream maps (`timeOf`), so the
 * records with since ≤ t ≤ until are those at offsets [b(until), b(since - 1)): the count is
 * b(since - 1) − b(until). Ties (many records in one second) do not matter: the predicate
 * depends on the time alone, whatever order the upstream gives records of one second.
 *
 * Each probe is one call that reads `limit` records from an offset and so shows the
 * predicate for all of them: the two searches share what every probe showed, and the first
 * probe (offset 0, the newest records) often settles a recent window by itself. A search
 * over n records costs about log2(n / limit) + 1 calls per bound, so a count costs at most
 * about 2·log2(n / limit) + 2 calls: more than one, unlike a total under a time filter.
 *
 * Exact for a log that holds still during the count: every answer must carry the
 * `totalCount` of the first (the log only grows, so the same total is the same data). When
 * one does not (records landed mid-search, or the request's deduplication or the short
 * cross-request cache served an answer of older data), the count starts again with another
 * `limit`, which is a question nobody asked yet and so is answered by the upstream as it is
 * now. After `MAX_ATTEMPTS` such restarts it gives up (`TriggerLogCountChurnError`).
 * A record removed and another added between two calls would keep the total and go unseen:
 * the scan (`tencent-ccr.scan.ts`) assumes the same append-only log.
 */

export interface CountOptions {
  repoName: string;
  list(params: ListTriggerLogParams): Promise<TriggerLogPage>;
  timeOf(log: TriggerLog): number;
  /** Records per probe. */
  limit: number;
}

/** Restarts after a change of `totalCount`, before the count gives up. */
export const MAX_ATTEMPTS = 4;

/** The log changed (or answers of older data came) at every attempt. */
export class TriggerLogCountChurnError extends Error {
  override readonly name = 'TriggerLogCountChurnError';
}

/** The answers put records out of time order within one frame: the upstream sorts otherwise than `timeOf` reads. */
export class TriggerLogOrderError extends Error {
  override readonly name = 'TriggerLogOrderError';
}

/** The frame changed under the count: start again. */
class FrameChanged extends Error {}

/** Number of records with since ≤ time ≤ until, in the newest-first log of one repository. */
export async function countTriggerLogs(options: CountOptions, since: number, until: number): Promise<number> {
  if (since > until) return 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      return await countOnce(options, since, until, Math.max(1, options.limit - attempt));
    } catch (error) {
      if (!(error instanceof FrameChanged)) throw error;
    }
  }
  throw new TriggerLogCountChurnError(
    `the trigger log of ${options.repoName} changed during each of ${MAX_ATTEMPTS} counts: it cannot be counted`,
  );
}

async function countOnce(options: CountOptions, since: number, until: number, limit: number): Promise<number> {
  /** offset → time, of every record the probes showed, all of one frame (`total`). */
  const seen = new Map<number, number>();
  let total: number | undefined;
  const probe = async (offset: number): Promise<void> => {
    const page = await options.list({ repoName: options.repoName, offset, limit, order: 'desc', orderBy: 'invoke_time' });
    if (total === undefined) total = page.totalCount;
    else if (page.totalCount !== total) throw new FrameChanged();
    // Records past the end, or none before it, are no answer of this frame either. (A page
    // shorter than asked is fine: an upstream may cap `limit`; what it shows still holds.)
    if (page.logs.length > Math.max(0, total - offset) || (offset < total && page.logs.length === 0)) throw new FrameChanged();
    page.logs.forEach((log, k) => seen.set(offset + k, options.timeOf(log)));
  };
  await probe(0);
  const bound = async (x: number): Promise<number> => {
    for (;;) {
      // lo: one past the last offset seen after x; hi: the first offset seen at or before x.
      let lo = 0;
      let hi = total!;
      for (const [offset, at] of seen) {
        if (at > x) lo = Math.max(lo, offset + 1);
        else hi = Math.min(hi, offset);
      }
      if (lo > hi) throw new TriggerLogOrderError(`the trigger log of ${options.repoName} is not in invoke_time order`);
      if (lo === hi) return lo;
      // The offsets [lo, hi) are unknown: read the middle `limit` of them (all, if they fit).
      await probe(hi - lo <= limit ? lo : lo + Math.floor((hi - lo - limit) / 2));
    }
  };
  const first = await bound(until);
  const last = await bound(since - 1);
  // Time never increases with the offset in one frame; an answer that broke it would make
  // the difference meaningless.
  const sorted = [...seen.entries()].sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]![1] > sorted[k - 1]![1]) throw new TriggerLogOrderError(`the trigger log of ${options.repoName} is not in invoke_time order`);
  }
  return last - first;
}
