import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BKREPO_RATE_LIMIT } from '../src/vendors/bkrepo/bkrepo.config.js';
import type { RateLimitDefaults } from '../src/config/source-config.fields.js';
import type { BenchStack, SourceKey, UpstreamCalls } from './stack.js';

/**
 * The governors under load. 200 connections ask the warm server (the configuration as
 * shipped, so bk-repo's default rate limit) for one timeline page for a bounded time, while
 * the bk-repo emulator answers every call 429 with `Retry-After: 1`. The claims:
 *
 * - bk-repo receives no more than its rate limit allows (burst + perSecond × seconds, and at
 *   most burst + perSecond in any one second), however many requests want it: the pause after
 *   each 429 holds every request's calls, and the bucket paces what follows;
 * - the other four sources' events keep coming: a 200 whose page holds events of sources
 *   other than bk-repo (autocannon's body check, in its worker thread) for nearly every
 *   request, with bk-repo reported as UPSTREAM_RATE_LIMITED in `sources[].error`.
 *
 * Without the governors each of the 200 requests would back off on its own and come back
 * together: bk-repo would receive hundreds of calls a second, each earning another 429.
 */

const QUERY = /* GraphQL */ `
  query BenchGovernor {
    events(first: 50) {
      edges { node { id source { name } } }
      sources { source { name } status events error { code message } }
    }
  }
`;

export interface GovernorOptions {
  /** Default 200. */
  connections?: number;
  /** Seconds of load; default 30, and never more than 60. */
  durationS?: number;
  /** Per request, in seconds, before autocannon counts a timeout; default 20. */
  timeoutS?: number;
  /** bk-repo's rate limit as the warm server is configured; default the vendor's default. */
  rateLimit?: RateLimitDefaults;
  /** Sample requests sent alongside the load, one per this many ms, to read each source's status; default 1000. */
  probeEveryMs?: number;
}

export interface GovernorResult {
  options: Required<Omit<GovernorOptions, 'rateLimit'>> & { rateLimit: RateLimitDefaults };
  /** The load as autocannon saw it. */
  load: {
    requests: number;
    seconds: number;
    rps: number;
    latencyP50: number;
    latencyP97_5: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    /** Answers by HTTP status: a 503 is the server's own admission limit (`server.maxConcurrentRequests`). */
    byStatus: Record<string, number>;
    /** 200s whose page held events of a source other than bk-repo. */
    withOtherEvents: number;
    /** 200s without. */
    withoutOtherEvents: number;
  };
  bkrepo: {
    /** API requests the bk-repo emulator received during the load. */
    received: number;
    perSecond: number;
    /** The most it received within any one second (from its request log). */
    peakInOneSecond: number;
    /** What the rate limit allows over the load: burst + perSecond × seconds. */
    allowed: number;
    /** What it allows within one second: burst + perSecond. */
    allowedInOneSecond: number;
  };
  /** Upstream calls the other emulators received during the load (the warm cache answers most). */
  others: Record<Exclude<SourceKey, 'bkrepo'>, number>;
  probes: {
    sent: number;
    /** How bk-repo was reported in `sources[].error.code`, by code ('OK' when it answered). */
    bkrepoStatus: Record<string, number>;
    /** Probes whose page held other sources' events. */
    withOtherEvents: number;
    latencyP50: number;
  };
}

interface ProbePage {
  data?: {
    events: {
      edges: Array<{ node: { source: { name: string } } }>;
      sources: Array<{ source: { name: string }; status: string; events: number; error: { code: string } | null }>;
    };
  };
}

export async function benchGovernor(stack: BenchStack, options: GovernorOptions = {}): Promise<GovernorResult> {
  const settings = {
    connections: options.connections ?? 200,
    durationS: Math.min(options.durationS ?? 30, 60),
    timeoutS: options.timeoutS ?? 20,
    probeEveryMs: options.probeEveryMs ?? 1_000,
    rateLimit: options.rateLimit ?? BKREPO_RATE_LIMIT,
  };
  const bkrepo = stack.sourceNames.bkrepo;
  const url = stack.warm.server.url;
  const body = JSON.stringify({ query: QUERY });
  const knobs = (patch: Record<string, unknown> | null) =>
    fetch(`${stack.emulatorUrls.bkrepo}/__emulator/knobs`, {
      method: patch === null ? 'DELETE' : 'PUT',
      ...(patch === null ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) }),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`bk-repo knobs: ${response.status} ${await response.text()}`);
    });

  // autocannon's worker thread takes its body check as a module path.
  const dir = await mkdtemp(join(tmpdir(), 'eventgraph-governor-bench-'));
  const verify = join(dir, 'verify-governor-body.cjs');
  await writeFile(
    verify,
    `// A 200 whose page holds an event of a source other than bk-repo.\n` +
      `const BKREPO = ${JSON.stringify(bkrepo)};\n` +
      `module.exports = function verifyGovernorBody(body) {\n` +
      `  let page;\n` +
      `  try { page = JSON.parse(body); } catch { return false; }\n` +
      `  const edges = page && page.data && page.data.events && page.data.events.edges;\n` +
      `  return Array.isArray(edges) && edges.some((edge) => edge && edge.node && edge.node.source && edge.node.source.name !== BKREPO);\n` +
      `};\n`,
    'utf8',
  );

  try {
    // Warm: every source answered once, so the other sources' answers are cached as shipped.
    await post(url, body);
    await knobs({ forceStatus: 429 });
    await stack.settle();
    await stack.resetCalls();

    const probes: Array<{ ms: number; page: ProbePage }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const started = performance.now();
        const page = (await post(url, body).then((r) => JSON.parse(r.text) as ProbePage).catch(() => ({}) as ProbePage));
        probes.push({ ms: performance.now() - started, page });
        await new Promise((resolve) => setTimeout(resolve, settings.probeEveryMs));
      }
    })();

    const started = Date.now();
    const result = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: settings.connections,
      duration: settings.durationS,
      timeout: settings.timeoutS,
      workers: 1,
      verifyBody: verify,
    });
    const ended = Date.now();
    probing = false;
    await prober;
    await stack.settle();
    const calls: UpstreamCalls = await stack.calls();
    const log = await stack.log();

    const seconds = (ended - started) / 1000;
    const inLoad = log.bkrepo.filter((entry) => entry.at >= started && entry.at <= ended + 1_000).map((entry) => entry.at);
    const requests = result['2xx'] + result.non2xx;
    // autocannon counts every body its check refuses, a non-2xx's too.
    const without2xx = Math.max(0, result.mismatches - result.non2xx);
    const statusCodeStats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
    const byStatus = Object.fromEntries(Object.entries(statusCodeStats).map(([status, { count }]) => [status, count]));
    const bkrepoStatus: Record<string, number> = {};
    let probesWithOthers = 0;
    for (const { page } of probes) {
      const status = page.data?.events.sources.find((s) => s.source.name === bkrepo);
      const key = status ? (status.error?.code ?? status.status) : 'NO ANSWER';
      bkrepoStatus[key] = (bkrepoStatus[key] ?? 0) + 1;
      if (page.data?.events.edges.some((edge) => edge.node.source.name !== bkrepo)) probesWithOthers += 1;
    }
    const { bkrepo: received, ...others } = calls.bySource;

    return {
      options: settings,
      load: {
        requests,
        seconds: result.duration,
        rps: requests / result.duration,
        latencyP50: result.latency.p50,
        latencyP97_5: result.latency.p97_5,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        byStatus,
        withOtherEvents: result['2xx'] - without2xx,
        withoutOtherEvents: without2xx,
      },
      bkrepo: {
        received,
        perSecond: received / seconds,
        peakInOneSecond: peakWithin(inLoad, 1_000),
        allowed: Math.floor(settings.rateLimit.burst + settings.rateLimit.perSecond * seconds),
        allowedInOneSecond: Math.floor(settings.rateLimit.burst + settings.rateLimit.perSecond),
      },
      others,
      probes: {
        sent: probes.length,
        bkrepoStatus,
        withOtherEvents: probesWithOthers,
        latencyP50: median(probes.map((probe) => probe.ms)),
      },
    };
  } finally {
    await knobs(null).catch(() => undefined);
    await stack.settle().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Whether the claims hold: bk-repo received no more than its rate limit allows, over the run
 * and in any one second (`paced`); every 200 held the other sources' events, and there were
 * some (`served`). Refusals by the server's admission limit (503) are the server protecting
 * itself and are reported beside, not judged here.
 */
export function governorVerdict(result: GovernorResult): { paced: boolean; served: boolean } {
  const { load, bkrepo } = result;
  return {
    paced: bkrepo.received <= bkrepo.allowed && bkrepo.peakInOneSecond <= bkrepo.allowedInOneSecond,
    served: load.withOtherEvents > 0 && load.withoutOtherEvents === 0 && load.errors === 0,
  };
}

/** Lines for a report: the figures and whether the claims hold. */
export function governorReportLines(result: GovernorResult): string[] {
  const { load, bkrepo, probes, options } = result;
  const { paced, served } = governorVerdict(result);
  return [
    `${options.connections} connections for ${load.seconds.toFixed(0)} s against the warm server, bk-repo answering 429 (Retry-After: 1):`,
    `- bk-repo received ${bkrepo.received} calls, ${bkrepo.perSecond.toFixed(1)}/s (at most ${bkrepo.peakInOneSecond} in one second), ` +
      `against a rate limit of ${options.rateLimit.perSecond}/s, burst ${options.rateLimit.burst} ` +
      `(allowing ${bkrepo.allowed} over the run, ${bkrepo.allowedInOneSecond} in one second): ${paced ? 'held' : 'NOT held'}`,
    `- ${load.requests} requests, ${load.rps.toFixed(1)}/s, p50 ${load.latencyP50.toFixed(0)} ms, p97.5 ${load.latencyP97_5.toFixed(0)} ms; ` +
      `${load.withOtherEvents} 200s held the other sources' events, ${load.withoutOtherEvents} did not; ` +
      `by status ${Object.entries(load.byStatus).map(([status, n]) => `${status} ×${n}`).join(', ')} (a 503 is the server's admission limit); ` +
      `${load.errors} errors, ${load.timeouts} timeouts: ${served ? 'served' : 'NOT served'}`,
    `- probes: ${probes.sent}, bk-repo reported as ${Object.entries(probes.bkrepoStatus).map(([code, n]) => `${code} ×${n}`).join(', ')}; ` +
      `${probes.withOtherEvents} with other sources' events; p50 ${probes.latencyP50.toFixed(0)} ms`,
    `- the other emulators received ${Object.entries(result.others).map(([key, n]) => `${key} ${n}`).join(', ')} calls (the warm cache answers the rest)`,
  ];
}

/** The most timestamps within any window of `ms` (sorted input). */
function peakWithin(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= ms) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
}
