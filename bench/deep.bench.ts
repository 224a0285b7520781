import { alternate, summarizeCalls, type Probe, type VariantResult } from './alternate.js';
import { assertComplete, PAGE_QUERY, reportedCalls, type PageData } from './queries.js';
import type { BenchStack } from './stack.js';

/**
 * "Deep pages cost what the first page costs": a cursor is a keyset position plus each
 * stream's upstream position, so page 200 should make about the calls page 1 makes and
 * take about as long. A walk that re-read from offset 0 would grow with the depth.
 *
 * The deep cursor comes from walking the pages once, as a client would; then only page 1
 * and page N are timed, interleaved, with the upstream answering at once (our own cost)
 * and again with every upstream answer delayed (round trips dominate, as in production).
 */

export interface DeepPagingOptions {
  pageSize: number;
  /** 1-based page whose cursor is timed. */
  deepPage: number;
  warmup: number;
  samples: number;
  /** Upstream latency for the second round; 0 skips it. */
  latencyMs: number;
  latencySamples: number;
}

export interface DeepPagingResult {
  options: DeepPagingOptions;
  totalCount: number | null;
  /** Events before the deep page: its offset in the timeline. */
  deepOffset: number;
  walkMs: number;
  /** Upstream calls per page over the whole walk, per source. */
  walk: VariantResult['calls'];
  first: VariantResult;
  deep: VariantResult;
  withLatency?: { first: VariantResult; deep: VariantResult };
}

export async function benchDeepPaging(stack: BenchStack, options: DeepPagingOptions): Promise<DeepPagingResult> {
  const request = (after: string | null) => stack.cold.query<PageData>(PAGE_QUERY, { first: options.pageSize, after });

  const walkStarted = performance.now();
  const walkCalls = [];
  let after: string | null = null;
  let deepIds: string[] = [];
  let totalCount: number | null = null;
  for (let page = 1; page <= options.deepPage; page++) {
    await stack.resetCalls();
    const { data } = await request(page === 1 ? null : after);
    walkCalls.push(await stack.calls());
    assertComplete(data, options.pageSize, `page ${page} of the walk (is the data set large enough?)`);
    if (page === 1) totalCount = data.events.totalCount;
    if (page === options.deepPage) deepIds = data.events.edges.map((edge) => edge.node.id);
    else after = data.events.pageInfo.endCursor;
  }
  const walkMs = performance.now() - walkStarted;
  const deepCursor = after;
  if (!deepCursor) throw new Error('the walk gave no cursor');

  // Every timed deep request must be the very page the walk reached, or the bench would
  // time something else.
  const probe = (cursor: string | null, expected?: string[]) => async (): Promise<Probe> => {
    const { ms, data } = await request(cursor);
    assertComplete(data, options.pageSize, cursor ? `page ${options.deepPage}` : 'page 1');
    if (expected && data.events.edges.some((edge, i) => edge.node.id !== expected[i])) {
      throw new Error('the deep cursor gave another page than during the walk');
    }
    return { ms, reportedCalls: reportedCalls(data) };
  };
  const first = probe(null);
  const deep = probe(deepCursor, deepIds);

  const measured = await alternate(stack, first, deep, { warmup: options.warmup, samples: options.samples });

  let withLatency: DeepPagingResult['withLatency'];
  if (options.latencyMs > 0) {
    await stack.setLatency(options.latencyMs);
    try {
      const slow = await alternate(stack, first, deep, { warmup: 1, samples: options.latencySamples });
      withLatency = { first: slow.a, deep: slow.b };
    } finally {
      await stack.setLatency(0);
    }
  }

  return {
    options,
    totalCount,
    deepOffset: (options.deepPage - 1) * options.pageSize,
    walkMs,
    walk: summarizeCalls(walkCalls),
    first: measured.a,
    deep: measured.b,
    ...(withLatency ? { withLatency } : {}),
  };
}
