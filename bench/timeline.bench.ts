import { alternate, type Probe, type VariantResult } from './alternate.js';
import type { BenchStack, UpstreamCalls } from './stack.js';

/**
 * "Deep pages cost what the first page costs": a cursor is a keyset position pushed down
 * as a time window, so page 30 should make the same upstream calls as page 1 and take
 * about as long. An offset-based walk would instead grow with the depth.
 */

const PAGE_QUERY = /* GraphQL */ `
  query BenchPage($first: Int!, $after: String) {
    events(first: $first, after: $after) {
      totalCount
      edges { cursor node { id kind occurredAt outcome resource summary } }
      pageInfo { hasNextPage endCursor }
      sources { streams upstreamCalls }
    }
  }
`;

interface PageData {
  events: {
    totalCount: number | null;
    edges: Array<{ cursor: string; node: { id: string; occurredAt: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Array<{ streams: number; upstreamCalls: number }>;
  };
}

export interface DeepPagingOptions {
  pageSize: number;
  /** 1-based page whose cursor is timed, e.g. 30. */
  deepPage: number;
  warmup: number;
  samples: number;
  /** Upstream latency added by the emulator for a second, smaller round; 0 skips it. */
  upstreamLatencyMs: number;
  latencySamples: number;
}

export interface DeepPagingResult {
  options: DeepPagingOptions;
  totalCount: number | null;
  streams: number;
  /** Events before the deep page: its offset in the timeline. */
  deepOffset: number;
  deepPageOldest: string;
  /** Upstream calls of each page of the cursor walk, page 1 first. */
  walkCalls: UpstreamCalls[];
  first: VariantResult;
  deep: VariantResult;
  /** The same pair again with `upstreamLatencyMs` on every upstream answer. */
  withLatency?: { first: VariantResult; deep: VariantResult };
}

export async function benchDeepPaging(stack: BenchStack, options: DeepPagingOptions): Promise<DeepPagingResult> {
  const request = (after: string | null) => stack.query<PageData>(PAGE_QUERY, { first: options.pageSize, after });
  const reported = (data: PageData) => data.events.sources.reduce((sum, s) => sum + s.upstreamCalls, 0);

  // Walk the cursors to the deep page; each page is one request, as a dashboard pages.
  const walkCalls: UpstreamCalls[] = [];
  let after: string | null = null;
  let deepIds: string[] = [];
  let deepPageOldest = '';
  let firstPage: PageData | undefined;
  for (let page = 1; page <= options.deepPage; page++) {
    stack.resetCalls();
    const { data } = await request(page === 1 ? null : after);
    walkCalls.push(stack.calls());
    firstPage ??= data;
    if (data.events.edges.length !== options.pageSize) {
      throw new Error(`page ${page} has ${data.events.edges.length} events, not ${options.pageSize}: the data set is too small`);
    }
    if (page === options.deepPage) {
      deepIds = data.events.edges.map((edge) => edge.node.id);
      deepPageOldest = data.events.edges.at(-1)?.node.occurredAt ?? '';
    } else after = data.events.pageInfo.endCursor;
  }
  const deepCursor = after;
  if (!deepCursor || !firstPage) throw new Error('the walk gave no cursor');

  // Every timed deep request must be the very page the walk reached, or the bench would
  // time something else (an empty page is fast).
  const probe = (cursor: string | null, expected?: string[]) => async (): Promise<Probe> => {
    const { ms, data } = await request(cursor);
    if (expected && data.events.edges.some((edge, i) => edge.node.id !== expected[i])) {
      throw new Error('the deep cursor gave another page than during the walk');
    }
    if (data.events.edges.length !== options.pageSize) throw new Error('short page');
    return { ms, reportedCalls: reported(data) };
  };
  const first = probe(null);
  const deep = probe(deepCursor, deepIds);

  const measured = await alternate(stack, first, deep, { warmup: options.warmup, samples: options.samples });

  let withLatency: DeepPagingResult['withLatency'];
  if (options.upstreamLatencyMs > 0) {
    stack.emulators.modelarts.setKnobs({ latencyMs: options.upstreamLatencyMs });
    try {
      const slow = await alternate(stack, first, deep, { warmup: 1, samples: options.latencySamples });
      withLatency = { first: slow.a, deep: slow.b };
    } finally {
      stack.emulators.modelarts.setKnobs({ latencyMs: 0 });
    }
  }

  return {
    options,
    totalCount: firstPage.events.totalCount,
    streams: firstPage.events.sources.reduce((sum, s) => sum + s.streams, 0),
    deepOffset: (options.deepPage - 1) * options.pageSize,
    deepPageOldest,
    walkCalls,
    first: measured.a,
    deep: measured.b,
    ...(withLatency ? { withLatency } : {}),
  };
}
