import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { startBareApollo } from './bare-apollo.js';
import { profileWhile, type CpuProfileSummary } from './profile.js';
import { PANEL_QUERY } from './queries.js';
import type { BenchStack, UpstreamCalls } from './stack.js';

/**
 * Requests per second for one dashboard panel, `events(first: 50)`, the same document
 * again and again, against the server as shipped (its caches on, warmed up first), and
 * against a bare Apollo Server 5 that answers the same document with a prebuilt copy of
 * eventgraph's answer. Rounds alternate (E B B E), so drift lands on both.
 *
 * autocannon fires from a worker thread, so the client has its own event loop and the
 * main thread runs the server under test alone. The emulators, which answer whatever the
 * caches let through, run in a worker thread of their own (bench/stack.ts); the profile
 * shows what going upstream costs the server, not the emulators' work.
 */

const VERIFY_BODY = fileURLToPath(new URL('./verify-panel-body.cjs', import.meta.url));

export interface ThroughputOptions {
  connections: number;
  /** Seconds per measured round; each server gets `rounds` of them. */
  durationS: number;
  rounds: number;
  warmupS: number;
  /** Below this ratio the eventgraph load is profiled. */
  aim: number;
  profileS: number;
}

export interface Load {
  requests: number;
  seconds: number;
  rps: number;
  latencyP50: number;
  latencyP97_5: number;
  errors: number;
  mismatches: number;
  non2xx: number;
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
}

export interface ThroughputResult {
  options: ThroughputOptions;
  eventgraph: Load;
  bare: Load;
  /** Response sizes, to show both sides send the same bytes. */
  bytes: { eventgraph: number; bare: number };
  /**
   * Emulator requests during the measured eventgraph rounds, those of the requests still
   * in flight when a round ended included.
   */
  upstream: UpstreamCalls;
  /** Upstream calls of one panel request after the load, sent alone, the cache warm (mean of a few). */
  warmCallsPerRequest: UpstreamCalls;
  /** Of those requests sent alone, how many made any upstream call, and how many were sent. */
  warmRequestsUpstream: { upstream: number; sent: number };
  memory: { before: MemorySnapshot; peak: MemorySnapshot; after: MemorySnapshot; collected: boolean };
  profile?: CpuProfileSummary;
}

export async function benchThroughput(stack: BenchStack, options: ThroughputOptions): Promise<ThroughputResult> {
  const body = JSON.stringify({ query: PANEL_QUERY });
  const sample = await stack.warm.query<{ events: unknown }>(PANEL_QUERY);
  const bare = await startBareApollo(sample.data.events);
  try {
    const bareSample = await post(bare.url, body);
    if (!bareSample.ok) throw new Error(`the bare Apollo Server did not answer the panel: ${bareSample.text.slice(0, 300)}`);

    const fire = (url: string, duration: number) =>
      autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: options.connections,
        duration,
        workers: 1,
        verifyBody: VERIFY_BODY,
      });

    await fire(stack.warm.server.url, options.warmupS);
    await stack.settle();
    await fire(bare.url, options.warmupS);

    const collect = fullGc();
    collect?.();
    const before = snapshot();
    const peak = { ...before };
    const sampler = setInterval(() => {
      const now = snapshot();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    }, 50);

    const runs = { eventgraph: [] as Result[], bare: [] as Result[] };
    await stack.resetCalls();
    const upstreamParts: UpstreamCalls[] = [];
    try {
      for (let round = 0; round < options.rounds; round++) {
        const order: Array<'eventgraph' | 'bare'> = round % 2 === 0 ? ['eventgraph', 'bare'] : ['bare', 'eventgraph'];
        for (const which of order) {
          if (which === 'eventgraph') await stack.resetCalls();
          runs[which].push(await fire(which === 'eventgraph' ? stack.warm.server.url : bare.url, options.durationS));
          if (which === 'eventgraph') {
            await stack.settle();
            upstreamParts.push(await stack.calls());
          }
        }
      }
    } finally {
      clearInterval(sampler);
    }
    collect?.();
    const after = snapshot();

    const eventgraph = combine(runs.eventgraph);
    const bareLoad = combine(runs.bare);
    for (const [name, load] of [['eventgraph', eventgraph], ['bare Apollo', bareLoad]] as const) {
      if (load.errors || load.mismatches || load.non2xx) {
        throw new Error(`${name} under load: ${load.errors} errors, ${load.mismatches} wrong bodies, ${load.non2xx} non-2xx`);
      }
    }

    const sequential: UpstreamCalls[] = [];
    for (let i = 0; i < 5; i++) {
      await stack.resetCalls();
      await stack.warm.query(PANEL_QUERY);
      sequential.push(await stack.calls());
    }
    const warmCallsPerRequest = sumCalls(sequential, sequential.length);
    const warmRequestsUpstream = { upstream: sequential.filter((calls) => calls.total > 0).length, sent: sequential.length };

    let profile: CpuProfileSummary | undefined;
    if (eventgraph.rps / bareLoad.rps < options.aim) {
      profile = await profileWhile(() => fire(stack.warm.server.url, options.profileS));
      await stack.settle();
    }

    return {
      options,
      eventgraph,
      bare: bareLoad,
      bytes: { eventgraph: sample.bytes, bare: Buffer.byteLength(bareSample.text) },
      warmRequestsUpstream,
      upstream: sumCalls(upstreamParts),
      warmCallsPerRequest,
      memory: { before, peak, after, collected: collect !== undefined },
      ...(profile ? { profile } : {}),
    };
  } finally {
    await bare.stop();
  }
}

async function post(url: string, body: string): Promise<{ ok: boolean; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { ok: response.status === 200 && !text.includes('"errors":['), text };
}

/** Several autocannon rounds as one load: requests and time summed, latencies weighted by requests. */
export function combine(results: Result[]): Load {
  const requests = results.reduce((n, r) => n + r['2xx'] + r.non2xx, 0);
  const seconds = results.reduce((n, r) => n + r.duration, 0);
  const weighted = (pick: (r: Result) => number) =>
    results.reduce((n, r) => n + pick(r) * (r['2xx'] + r.non2xx), 0) / Math.max(1, requests);
  return {
    requests,
    seconds,
    rps: requests / seconds,
    latencyP50: weighted((r) => r.latency.p50),
    latencyP97_5: weighted((r) => r.latency.p97_5),
    errors: results.reduce((n, r) => n + r.errors, 0),
    mismatches: results.reduce((n, r) => n + r.mismatches, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

/** The sum of per-round counts, or with `divideBy` their mean. */
function sumCalls(parts: UpstreamCalls[], divideBy = 1): UpstreamCalls {
  const out: UpstreamCalls = {
    total: 0,
    modelartsServiceList: 0,
    bySource: { tencentCcr: 0, hss: 0, csms: 0, modelarts: 0, bkrepo: 0 },
  };
  for (const part of parts) {
    out.total += part.total;
    out.modelartsServiceList += part.modelartsServiceList;
    for (const key of Object.keys(out.bySource) as Array<keyof UpstreamCalls['bySource']>) out.bySource[key] += part.bySource[key];
  }
  out.total /= divideBy;
  out.modelartsServiceList /= divideBy;
  for (const key of Object.keys(out.bySource) as Array<keyof UpstreamCalls['bySource']>) out.bySource[key] /= divideBy;
  return out;
}

function snapshot(): MemorySnapshot {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
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
