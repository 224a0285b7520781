import type { EventRecord } from '../../model/event.model.js';

/**
 * Mapping memos. An answer served again, by the cross-request cache or by the request's
 * deduplication, is the very same parsed object, so what was built from it last time can
 * be handed out again: a warm page then maps no record and hashes nothing. Weak keys: what
 * is kept lives as long as the answer it came from. (CSMS keeps what it mapped of an answer
 * the same way, in csms.snapshot.ts.)
 */

/** A per-record value that depends on the record alone (a digest), computed once. */
export function oncePerRecord<R extends object, V>(compute: (record: R) => V): (record: R) => V {
  const values = new WeakMap<R, V>();
  return (record) => {
    if (values.has(record)) return values.get(record)!;
    const value = compute(record);
    values.set(record, value);
    return value;
  };
}

/**
 * Numbers identical records within one instant (0, 1, …), so that twins get two ids.
 * Records have no id of their own at any vendor but CSMS; ours hold the instant, a digest of
 * the record and this number. A read that starts at the first record of an instant, which
 * every stream's does, numbers the same way on every page and in `event(id)`.
 */
export class TwinNumbering<R> {
  private instant: string | number | undefined;
  private seen = new Map<string, number>();

  constructor(
    private readonly instantOf: (record: R) => string | number,
    private readonly digestOf: (record: R) => string,
  ) {}

  /** Nothing numbered yet: a page mapped from here maps the same way every time. */
  get fresh(): boolean {
    return this.instant === undefined;
  }

  number(record: R): { digest: string; n: number } {
    const instant = this.instantOf(record);
    if (instant !== this.instant) {
      this.instant = instant;
      this.seen.clear();
    }
    const digest = this.digestOf(record);
    const n = this.seen.get(digest) ?? 0;
    this.seen.set(digest, n + 1);
    return { digest, n };
  }

  clone(): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    copy.seen = new Map(this.seen);
    return copy;
  }
}

/**
 * The events of a whole upstream page, per answer. Only a page mapped from a fresh
 * numbering (a stream's first page) is kept, with the numbering as it stood after it, so
 * that the page after it numbers on exactly as it would have.
 */
export class PageMemo<P extends object, E extends EventRecord, N extends TwinNumbering<never>> {
  private readonly pages = new WeakMap<P, { variant: string; events: readonly E[]; after: N }>();

  /** `variant`: what the events depend on besides the page (a name from elsewhere). */
  map(page: P, variant: string, numbering: N, build: () => E[]): { events: readonly E[]; numbering: N } {
    if (!numbering.fresh) return { events: build(), numbering };
    const known = this.pages.get(page);
    if (known?.variant === variant) return { events: known.events, numbering: known.after.clone() };
    // Frozen: the same array goes to every request that reads this answer.
    const events = Object.freeze(build());
    this.pages.set(page, { variant, events, after: numbering.clone() });
    return { events, numbering };
  }
}
