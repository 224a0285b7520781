import { LRUCache } from 'lru-cache';

/** Queries × streams remembered; a forgotten one is read in full once, then remembered again. */
const MAX_REMEMBERED = 20_000;

/**
 * How much to ask each stream for on a page's first read. A page of `first: N` may take all
 * N + 1 events from any one stream, but over dozens of streams most give one or two: reading
 * N + 1 from each parses, validates and maps dozens of times what the page uses, on the
 * server and upstream alike. So the plan remembers what share of the last page of the same
 * query (its filter, time bounds aside, its order, and whether it is a first page) each
 * stream gave, and asks for about that, with a margin. A stream that gives more than that
 * this time is read on, from the last event it gave, for all the page could still take (the
 * lane's `readOnInFull`): one more round trip on that page, never a wrong page. A query
 * not seen yet reads every stream in full.
 */
export class ReadPlan {
  private readonly shares = new LRUCache<string, number>({ max: MAX_REMEMBERED });

  /** What to ask `stream` for first, for a page that could take up to `full` of its events. */
  want(query: string, stream: string, full: number): number {
    const share = this.shares.get(`${query}\n${stream}`);
    if (share === undefined) return full;
    // A margin of a quarter plus four: the merge needs one event past the last it takes, and
    // events of the last millisecond read wait for the next read. Rounded up to a few fixed
    // sizes, so that small changes ask the same question and the cache can answer it.
    return Math.min(full, roundUp(Math.ceil(share * full * 1.25) + 4));
  }

  /** After a page: the stream gave `taken` of the `full` events the page could take from it. */
  remember(query: string, stream: string, taken: number, full: number): void {
    this.shares.set(`${query}\n${stream}`, taken / full);
  }
}

/** The next of 2, 3, 4, 6, 8, 12, 16, 24, … at or above `n`. */
function roundUp(n: number): number {
  let size = 2;
  while (size < n) size = size % 3 === 0 ? (size / 3) * 4 : (size / 2) * 3;
  return size;
}
