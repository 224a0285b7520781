/**
 * What one reader of the upstreams (a timeline page, a GraphQL request) asked of them: real
 * upstream calls, per source name; and until when every answer it used may still serve.
 *
 * A tally is a value its owner hands to every call it makes (`UpstreamClient.request(...,
 * calls)`): a page learns what it cost and how long it may be kept from what it passed
 * down, never from the context it happened to run in. A call given no tally counts nowhere
 * but in its request's.
 */
export class UpstreamCallCounts {
  private readonly counts = new Map<string, number>();
  private readonly servable = new Map<string, number>();

  /**
   * `fresh`: the reader must see the upstream as it is now (the live tail's polls, which ask
   * the same thing at every interval): its calls are neither answered from the cross-request
   * cache nor stored in it.
   */
  constructor(readonly options: { fresh?: boolean } = {}) {}

  get fresh(): boolean {
    return this.options.fresh === true;
  }

  add(source: string): void {
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
  }

  /** An answer of `source` was used that the cache may serve until `until` (epoch ms). */
  answered(source: string, until: number): void {
    const known = this.servable.get(source);
    if (known === undefined || until < known) this.servable.set(source, until);
  }

  /** Until when every answer of `source` used here may serve; undefined when none was used. */
  servableUntil(source: string): number | undefined {
    return this.servable.get(source);
  }

  /** Adds what `other` counted, and how long its answers may serve, to this tally. */
  absorb(other: UpstreamCallCounts): void {
    for (const [source, count] of other.counts) this.counts.set(source, (this.counts.get(source) ?? 0) + count);
    for (const [source, until] of other.servable) this.answered(source, until);
  }

  /** The sources called at least once. */
  sources(): IterableIterator<string> {
    return this.counts.keys();
  }

  of(source: string): number {
    return this.counts.get(source) ?? 0;
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }
}
