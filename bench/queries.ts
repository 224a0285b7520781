/** The documents the benchmarks send, shared so that every figure times the same text. */

/** A timeline page with what the server says each source cost. */
export const PAGE_QUERY = /* GraphQL */ `
  query BenchPage($first: Int!, $after: String) {
    events(first: $first, after: $after) {
      totalCount
      edges { cursor node { id kind occurredAt outcome resource summary } }
      pageInfo { hasNextPage endCursor }
      sources { source { name } status events upstreamCalls streams }
    }
  }
`;

export interface PageData {
  events: {
    totalCount: number | null;
    edges: Array<{ cursor: string; node: { id: string; occurredAt: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Array<{ source: { name: string }; status: string; events: number; upstreamCalls: number; streams: number }>;
  };
}

export const reportedCalls = (data: PageData): number => data.events.sources.reduce((sum, s) => sum + s.upstreamCalls, 0);

/** A page whose every source answered: a failed source is fast and would flatter the figure. */
export function assertComplete(data: PageData, pageSize: number, what: string): void {
  const failed = data.events.sources.filter((s) => s.status !== 'OK' && s.status !== 'SKIPPED');
  if (failed.length) throw new Error(`${what}: ${failed.map((s) => `${s.source.name} ${s.status}`).join(', ')}`);
  if (data.events.edges.length !== pageSize) throw new Error(`${what}: ${data.events.edges.length} events, not ${pageSize}`);
}

/**
 * The throughput document: one dashboard panel, the same text for eventgraph and for the
 * bare Apollo Server, which answers it from a copy of eventgraph's own answer.
 */
export const PANEL_QUERY = /* GraphQL */ `
  query BenchPanel {
    events(first: 50) {
      edges { cursor node { __typename id kind occurredAt outcome actor resource summary } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;
