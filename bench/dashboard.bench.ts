import { alternate, type Probe, type VariantResult } from './alternate.js';
import { SOURCE_KEYS, type BenchStack, type SourceKey } from './stack.js';

/**
 * A dashboard sends one document with several panels. Three aliased `events` panels over
 * the same sources, with the same arguments and different selections, ask for the same
 * stream pages, so they should cost the upstream calls of one panel: the distinct stream
 * pages, each read once per request. The emulators count the calls; for the sources that
 * read with GET, their logs also show how many of those requests were distinct.
 */

const panel = (alias: string, fields: string) => `
    ${alias}: events(first: $first) {
      edges { cursor node { ${fields} } }
      pageInfo { hasNextPage endCursor }
      sources { upstreamCalls }
    }`;

const ONE_PANEL = /* GraphQL */ `
  query BenchDashboardOne($first: Int!) {${panel('recent', 'id kind occurredAt outcome')}
  }
`;

const THREE_PANELS = /* GraphQL */ `
  query BenchDashboardThree($first: Int!) {${panel('recent', 'id kind occurredAt outcome')}${panel('table', 'id occurredAt resource summary')}${panel('actors', 'id actor vendor')}
  }
`;

type PanelData = Record<string, { edges: unknown[]; sources: Array<{ upstreamCalls: number }> }>;

export interface DashboardOptions {
  pageSize: number;
  warmup: number;
  samples: number;
}

export interface DashboardResult {
  options: DashboardOptions;
  one: VariantResult;
  three: VariantResult;
  /**
   * Distinct upstream requests in one three-panel request, for sources whose requests
   * the emulator log shows whole (GET: path and query, signature parameters aside);
   * null for a source that reads with POST, whose body the log does not keep.
   */
  distinct: Record<SourceKey, number | null>;
}

// Tencent signs in the query string: these change on every call without changing the question.
const VOLATILE = new Set(['Nonce', 'Timestamp', 'Signature', 'SignatureMethod', 'Token', 'SecretId', 'RequestClient']);

export async function benchDashboard(stack: BenchStack, options: DashboardOptions): Promise<DashboardResult> {
  const probe = (document: string, panels: number) => async (): Promise<Probe> => {
    const { ms, data } = await stack.cold.query<PanelData>(document, { first: options.pageSize });
    const values = Object.values(data);
    if (values.length !== panels || values.some((p) => p.edges.length !== options.pageSize)) throw new Error('short dashboard');
    return { ms, reportedCalls: values.reduce((n, p) => n + p.sources.reduce((m, s) => m + s.upstreamCalls, 0), 0) };
  };
  const measured = await alternate(stack, probe(ONE_PANEL, 1), probe(THREE_PANELS, 3), options);

  await stack.resetCalls();
  await probe(THREE_PANELS, 3)();
  const log = await stack.log();
  const distinct = {} as Record<SourceKey, number | null>;
  for (const key of SOURCE_KEYS) {
    const entries = log[key];
    if (entries.some((entry) => entry.method !== 'GET')) {
      distinct[key] = null;
      continue;
    }
    const requests = new Set(
      entries.map((entry) => {
        const params = new URLSearchParams(entry.query);
        const kept = [...params].filter(([name]) => !VOLATILE.has(name)).sort(([a], [b]) => a.localeCompare(b));
        return `${entry.path}?${new URLSearchParams(kept).toString()}`;
      }),
    );
    distinct[key] = requests.size;
  }
  return { options, one: measured.a, three: measured.b, distinct };
}
