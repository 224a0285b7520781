import v8 from 'node:v8';
import vm from 'node:vm';
import type { BenchStack, UpstreamCalls } from './stack.js';
import { summarize, type Summary } from './stats.js';

/**
 * Sustained load: N clients, each sending its next request as soon as the last one is
 * answered, for a fixed time. Client, server and emulators share this process, so the
 * figure is the whole loop's capacity on this machine, good for comparing runs, not a
 * production capacity.
 */

const FIRST_PAGE = /* GraphQL */ `
  query BenchThroughput($first: Int!) {
    events(first: $first) {
      edges { cursor node { id kind occurredAt outcome resource summary } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface ThroughputOptions {
  clients: number;
  pageSize: number;
  durationMs: number;
  warmupMs: number;
  /** How often RSS and heap are sampled for the peak. */
  sampleEveryMs: number;
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface ThroughputResult {
  options: ThroughputOptions;
  requests: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latency: Summary;
  upstream: UpstreamCalls;
  /**
   * `before` and `after` follow a full collection, so their heaps differ only by what the
   * load left reachable; `peak` is sampled during the load, garbage included.
   */
  memory: { before: MemorySnapshot; peak: MemorySnapshot; after: MemorySnapshot; collected: boolean };
}

export async function benchThroughput(stack: BenchStack, options: ThroughputOptions): Promise<ThroughputResult> {
  const one = async () => {
    const { ms, data } = await stack.query<{ events: { edges: unknown[] } }>(FIRST_PAGE, { first: options.pageSize });
    if (data.events.edges.length !== options.pageSize) throw new Error('short page');
    return ms;
  };
  const load = async (durationMs: number, latencies: number[] | undefined) => {
    const deadline = performance.now() + durationMs;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (performance.now() < deadline) latencies?.push(await one());
      }),
    );
  };

  await load(options.warmupMs, undefined);

  const collect = fullGc();
  collect?.();
  const before = snapshot();
  const peak = { ...before };
  const sampler = setInterval(() => {
    const now = snapshot();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    peak.heapTotal = Math.max(peak.heapTotal, now.heapTotal);
    peak.external = Math.max(peak.external, now.external);
  }, options.sampleEveryMs);

  const latencies: number[] = [];
  stack.resetCalls();
  const started = performance.now();
  try {
    await load(options.durationMs, latencies);
  } finally {
    clearInterval(sampler);
  }
  // Clients finish the request in flight at the deadline, so the real span is a bit longer.
  const elapsedMs = performance.now() - started;
  const upstream = stack.calls();
  collect?.();
  const after = snapshot();

  return {
    options,
    requests: latencies.length,
    elapsedMs,
    requestsPerSecond: latencies.length / (elapsedMs / 1000),
    latency: summarize(latencies),
    upstream,
    memory: { before, peak, after, collected: collect !== undefined },
  };
}

function snapshot(): MemorySnapshot {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external };
}

/**
 * `global.gc` without `--expose-gc`: `npm run bench` is `tsx bench/run.ts`, with no room for
 * node flags, and heap figures taken wherever the collector happens to be say nothing
 * about what a load left behind. The flag applies to contexts created after it is set.
 */
function fullGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
