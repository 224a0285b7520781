import { SOURCE_KEYS, type BenchStack, type SourceKey, type UpstreamCalls } from './stack.js';
import { mean, summarize, type Summary } from './stats.js';

/** One request of a variant: its latency and what the server said it cost upstream. */
export interface Probe {
  ms: number;
  /** `sources[].upstreamCalls` summed, as the response reports it; NaN when not asked for. */
  reportedCalls: number;
}

export interface VariantResult {
  latency: Summary;
  /** Upstream calls per request, counted by the emulators (mean; min and max show whether it varies). */
  calls: { total: CallStats; bySource: Record<SourceKey, CallStats>; modelartsServiceList: CallStats };
  reportedCalls: CallStats;
}

export interface CallStats {
  mean: number;
  min: number;
  max: number;
}

export const callStats = (values: number[]): CallStats => ({ mean: mean(values), min: Math.min(...values), max: Math.max(...values) });

/** Per-request call counts, summarised per source. */
export function summarizeCalls(runs: UpstreamCalls[]): VariantResult['calls'] {
  const bySource = {} as Record<SourceKey, CallStats>;
  for (const key of SOURCE_KEYS) bySource[key] = callStats(runs.map((run) => run.bySource[key]));
  return {
    total: callStats(runs.map((run) => run.total)),
    bySource,
    modelartsServiceList: callStats(runs.map((run) => run.modelartsServiceList)),
  };
}

/**
 * Measures two variants in one run, interleaved A B B A ..., so that drift on a noisy
 * machine (another tenant, a GC, thermal throttling) lands on both sides alike and their
 * ratio stays meaningful even when the absolute figures move. Requests are sequential, so
 * the emulators' counters, reset before each one, belong to that request alone.
 */
export async function alternate(
  stack: BenchStack,
  a: () => Promise<Probe>,
  b: () => Promise<Probe>,
  options: { warmup: number; samples: number },
): Promise<{ a: VariantResult; b: VariantResult }> {
  for (let i = 0; i < options.warmup; i++) {
    await a();
    await b();
  }
  const runs = { a: [] as Run[], b: [] as Run[] };
  const once = async (which: 'a' | 'b') => {
    await stack.resetCalls();
    const probe = await (which === 'a' ? a : b)();
    runs[which].push({ probe, calls: await stack.calls() });
  };
  for (let i = 0; i < options.samples; i++) {
    const order: Array<'a' | 'b'> = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const which of order) await once(which);
  }
  return { a: result(runs.a), b: result(runs.b) };
}

interface Run {
  probe: Probe;
  calls: UpstreamCalls;
}

function result(runs: Run[]): VariantResult {
  return {
    latency: summarize(runs.map((run) => run.probe.ms)),
    calls: summarizeCalls(runs.map((run) => run.calls)),
    reportedCalls: callStats(runs.map((run) => run.probe.reportedCalls)),
  };
}
