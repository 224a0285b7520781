import { request as undiciRequest } from 'undici';
import type { RequestLogEntry } from '../src/emulators/common/request.log.js';
import { callStats, summarizeCalls, type CallStats, type VariantResult } from './alternate.js';
import { assertComplete, PAGE_QUERY, reportedCalls, type PageData } from './queries.js';
import { SOURCE_KEYS, type BenchStack, type SourceKey, type UpstreamCalls } from './stack.js';
import { median, summarize, type Summary } from './stats.js';

/**
 * "Fan-out is parallel": with every emulator answering `latencyMs` late, a first page over
 * all five vendors should take about one upstream round trip, not one per source or per
 * stream. When it takes more, the emulators' request logs say why: each request's arrival
 * times, per source, fall into waves, and a wave that waits for the one before it is a
 * sequential dependency (a list before the event calls, a probe before the read, a
 * concurrency limit releasing slots one round trip at a time).
 */

export interface FanOutOptions {
  pageSize: number;
  latencyMs: number;
  warmup: number;
  samples: number;
}

export interface SourceWaves {
  /** Calls per request. */
  calls: CallStats;
  /** Waves per request: groups of calls that started together, each after the last one answered. */
  waves: CallStats;
  /** Streams the server read for this source (`sources.streams`). */
  streams: number;
  /** When the source's last call started, after the request was sent (median). */
  lastStartMs: number;
}

export interface FanOutResult {
  options: FanOutOptions;
  page: VariantResult;
  /**
   * The same page with the emulators answering at once, one before each timed request:
   * what the page costs besides the round trips, so that the difference is what they add.
   */
  withoutLatency: Summary;
  /**
   * The machine's floor: the very calls of each timed page, sent again at once with nothing
   * to sign, validate or map (bare undici requests, each answered 401 after the latency, its
   * body parsed as JSON), timed from the first call sent to the last body parsed.
   */
  bare: Summary;
  bySource: Record<SourceKey, SourceWaves>;
}

export async function benchFanOut(stack: BenchStack, options: FanOutOptions): Promise<FanOutResult> {
  await stack.setLatency(options.latencyMs);
  try {
    const request = async () => {
      const timed = await stack.cold.query<PageData>(PAGE_QUERY, { first: options.pageSize });
      assertComplete(timed.data, options.pageSize, 'fan-out page');
      return timed;
    };
    for (let i = 0; i < options.warmup; i++) await request();

    const latencies: number[] = [];
    const withoutLatency: number[] = [];
    const bare: number[] = [];
    const reported: number[] = [];
    const calls: UpstreamCalls[] = [];
    const waves: Record<SourceKey, number[]> = emptyLists();
    const lastStart: Record<SourceKey, number[]> = emptyLists();
    let streams = {} as Record<SourceKey, number>;
    for (let i = 0; i < options.samples; i++) {
      await stack.setLatency(0);
      withoutLatency.push((await request()).ms);
      await stack.setLatency(options.latencyMs);
      await stack.resetCalls();
      const { ms, sentAt, data } = await request();
      latencies.push(ms);
      reported.push(reportedCalls(data));
      calls.push(await stack.calls());
      const log = await stack.log();
      bare.push(await sendBare(stack.emulatorUrls, log));
      for (const key of SOURCE_KEYS) {
        const starts = log[key].map((entry) => entry.at - sentAt).sort((a, b) => a - b);
        waves[key].push(countWaves(starts, options.latencyMs));
        if (starts.length) lastStart[key].push(starts.at(-1)!);
      }
      streams = Object.fromEntries(
        SOURCE_KEYS.map((key) => [key, data.events.sources.find((s) => s.source.name === stack.sourceNames[key])?.streams ?? 0]),
      ) as Record<SourceKey, number>;
    }

    const summary = summarizeCalls(calls);
    const bySource = {} as Record<SourceKey, SourceWaves>;
    for (const key of SOURCE_KEYS) {
      bySource[key] = {
        calls: summary.bySource[key],
        waves: callStats(waves[key]),
        streams: streams[key],
        lastStartMs: median(lastStart[key]),
      };
    }
    return {
      options,
      page: { latency: summarize(latencies), calls: summary, reportedCalls: callStats(reported) },
      withoutLatency: summarize(withoutLatency),
      bare: summarize(bare),
      bySource,
    };
  } finally {
    await stack.setLatency(0);
  }
}

/** The logged calls again, all at once and unsigned: what the same HTTP round trips cost alone. */
async function sendBare(urls: Record<SourceKey, string>, log: Record<SourceKey, RequestLogEntry[]>): Promise<number> {
  const calls = SOURCE_KEYS.flatMap((key) => log[key].map((entry) => ({ url: `${urls[key]}${entry.path}${entry.query ? `?${entry.query}` : ''}`, method: entry.method })));
  const started = performance.now();
  await Promise.all(
    calls.map(async ({ url, method }) => {
      const response = await undiciRequest(url, { method: method as 'GET' | 'POST', headers: { accept: 'application/json' } });
      JSON.parse(await response.body.text());
    }),
  );
  return performance.now() - started;
}

/**
 * A new wave starts where the gap between two consecutive call starts exceeds half the
 * upstream latency: calls sent together arrive within a few ms of each other, and a call
 * that waited for an answer arrives a whole latency later.
 */
export function countWaves(sortedStarts: number[], latencyMs: number): number {
  if (sortedStarts.length === 0) return 0;
  let waves = 1;
  for (let i = 1; i < sortedStarts.length; i++) if (sortedStarts[i]! - sortedStarts[i - 1]! > latencyMs / 2) waves += 1;
  return waves;
}

function emptyLists(): Record<SourceKey, number[]> {
  return Object.fromEntries(SOURCE_KEYS.map((key) => [key, [] as number[]])) as Record<SourceKey, number[]>;
}
