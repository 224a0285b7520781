import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config.loader.js';
import { createLogger } from '../src/observability/logger.js';
import { DEFAULT_SNAPSHOT_STEP_MS, startServer, type RunningServer, type ServerOptions } from '../src/server/server.js';
import { builtInVendors } from '../src/vendors/vendors.js';
import { profileWhile, type CpuProfileSummary } from './profile.js';
import { PANEL_QUERY } from './queries.js';
import type { BenchStack } from './stack.js';
import { combine, type Load } from './throughput.bench.js';

/**
 * What logging and metrics cost a warm server: requests per second for one dashboard panel,
 * the same document again and again, against two servers that differ only in observability.
 *
 * - `off`: no logger, no metrics (what `startServer` does without the two options).
 * - `on`: a pino logger at `info` writing its JSON lines to a real file through
 *   `pino.destination({ sync: false })` (sonic-boom, asynchronous writes), so that formatting
 *   and writing every line is paid for, and `metrics: { enabled: true }` (prom-client, the
 *   process metrics included, and GET /metrics).
 *
 * The aim is a ratio on / off of at least 0.90.
 *
 * **Rounds.** The warm server's throughput has a beat: every snapshot step
 * (`server.snapshotStepSeconds`, 5 s, on the wall clock) a first page pins a new snapshot
 * time, so its upstream reads are new cache keys, and the one request that builds the new
 * page reads every source again while the others wait for it. Under the sources' rate limits
 * (`http.rateLimit`, 20/s with a burst of 40 as shipped) that takes about half a second, and
 * a server left idle for a step pays it on its next request. Loads placed anywhere on the
 * clock would catch zero, one or two of those stalls each, and the figure would be their
 * count. So each round is one step: at its start, both servers are loaded together for
 * `phaseMs` (the stall falls there, on both alike, unmeasured), then each is measured alone
 * for an equal slot of the rest of the step, in an order that alternates from round to round
 * (O N, N O, ...), a second or two apart, so that whatever else the machine runs hits both.
 *
 * **Checks.** Every request carries an `x-request-id` that names its load. Every line the
 * `on` server writes is parsed at the end, /metrics is scraped once: the request lines, the
 * request counter and the requests the client sent must agree, overall and round by round.
 *
 * **Below the aim** the cost is attributed: two more servers, one with the logger alone and
 * one with the metrics alone, are measured in turn with the other two, and the server thread
 * is profiled under the `off` and the `on` load, so that the CPU each area and function costs
 * per request can be compared.
 *
 * Every server is started here, in this thread, over the same sources, so that none has an
 * older cache or a longer warm-up than another; the stack's emulators answer them all. They
 * share one process, and the upstream core publishes its events on one process-wide
 * diagnostics channel: once a server here subscribes (logs or metrics), the `off` server
 * publishes too, and the subscribers see its upstream events as well as their own. On a warm
 * cache those are a few per step.
 */

const VERIFY_BODY = fileURLToPath(new URL('./verify-panel-body.cjs', import.meta.url));
const PANEL_BODY = JSON.stringify({ query: PANEL_QUERY });
/** The servers here keep the default snapshot step; rounds follow it. */
const STEP_MS = DEFAULT_SNAPSHOT_STEP_MS;

export type Variant = 'off' | 'logs' | 'metrics' | 'on';

export const VARIANT_LABELS: Record<Variant, string> = {
  off: 'off (no logger, no metrics)',
  logs: 'logging only',
  metrics: 'metrics only',
  on: 'on (logging and metrics)',
};

export interface ObservabilityBenchOptions {
  connections: number;
  /** Rounds of one snapshot step each; each server is measured once per round. */
  rounds: number;
  /** Seconds of unmeasured load on each server before the rounds. */
  warmupS: number;
  /**
   * How long each round's unmeasured load on every server lasts, from the step's start: the
   * new snapshot's first page is built in it, stall and all.
   */
  phaseMs: number;
  /** Left idle at the end of each step, so that a slot never runs into the next step. */
  marginMs: number;
  /** Below this ratio on / off, the cost is attributed (logs only, metrics only, CPU profiles). */
  aim: number;
  /** Rounds of the attribution, when it runs; each is three steps, logs only, metrics only and on, each with off. */
  attributeRounds: number;
  /** The sources every server reads: the warm server's configuration (`EmulatorsReady.sources`). */
  sources: readonly unknown[];
}

export interface ObservedLoad extends Load {
  /** p99 latency, weighted by the requests of each slot as `combine` weights p50. */
  latencyP99: number;
  /** Requests the client wrote (autocannon's `requests.sent`), the ones in flight when a slot ended included. */
  sent: number;
  /** Server-thread CPU time (user + system, from /proc) per answered request, µs; undefined off Linux. */
  cpuUsPerRequest?: number;
}

export interface LogCheck {
  /** The size of the file the `on` server's logger wrote. */
  bytes: number;
  /** Lines in the file; every one must parse as JSON. */
  lines: number;
  notJson: number;
  /** Lines with `msg: "request"`, and of those, the ones of requests the client cut (outcome `aborted`) at the end of a slot. */
  requestLines: number;
  abortedLines: number;
  /** Other lines, by message (upstream failures, circuit changes). */
  otherLines: Record<string, number>;
  /** Request lines not cut by the client whose fields are not those of a panel answered in full (status 200, outcome ok, operation BenchPanel). */
  unexpected: number;
  /** Mean size of a request line, in bytes, newline included. */
  meanRequestLineBytes: number;
  /**
   * Each measured slot of the `on` server: its lines (those with its `x-request-id`),
   * responses the client got, and requests it sent (those cut in flight at the end included).
   */
  rounds: Array<{ tag: string; lines: number; answered: number; sent: number }>;
  /** Every request sent to the `on` server's /graphql over its life: the probe, warm-up, preludes, slots, profile. */
  sentTotal: number;
}

export interface MetricsCheck {
  /** The sum of `eventgraph_graphql_requests_total` over its labels, and by outcome. */
  requestsTotal: number;
  byOutcome: Record<string, number>;
  /** The sum of `eventgraph_graphql_request_duration_seconds_count`. */
  durationCount: number;
  /**
   * Sums of `eventgraph_upstream_cache_requests_total` and `eventgraph_upstream_calls_total`:
   * those of every server in this process (see above).
   */
  upstreamCacheLookups: number;
  upstreamCalls: number;
  scrapeMs: number;
  bytes: number;
  /** Samples in the exposition (lines that are not comments). */
  series: number;
}

export interface CpuProfileOfLoad {
  /** Requests answered while the profile ran. */
  requests: number;
  /** Server-thread time per answered request from the profile's samples, idle excluded, µs. */
  busyUsPerRequest: number;
  profile: CpuProfileSummary;
}

export interface CostDelta {
  area: string;
  /** µs of server-thread time per answered request. */
  off: number;
  on: number;
  delta: number;
}

export interface Attribution {
  rounds: number;
  loads: Record<Variant, ObservedLoad>;
  /** Each variant's rps over that of the `off` slots of its own steps. */
  ratios: Record<Exclude<Variant, 'off'>, number>;
  cpu: { off: CpuProfileOfLoad; on: CpuProfileOfLoad };
  /** Server-thread µs per request, `on` minus `off`, by area and by the nearest src/ caller, largest increase first. */
  areaDelta: CostDelta[];
  callerDelta: CostDelta[];
  /** The same by function, among the top frames of either profile, largest increase first. */
  frameDelta: Array<CostDelta & { where: string }>;
}

export interface ObservabilityBenchResult {
  options: Omit<ObservabilityBenchOptions, 'sources'> & { stepMs: number; slotMs: number };
  off: ObservedLoad;
  on: ObservedLoad;
  /** `on.rps / off.rps`: 1 means logging and metrics are free on a warm server. */
  ratio: number;
  /**
   * Where the measured slots fell in their steps (ms after the step's start): the earliest
   * start and the latest end. An end beyond `stepMs` means a slot ran into the next step's stall.
   */
  slotWindow: [number, number];
  /** Each round, in order: rps of each, their ratio, and server-thread CPU per request (µs; Linux only). */
  perRound: Array<{ first: 'off' | 'on'; off: number; on: number; ratio: number; offCpuUs?: number; onCpuUs?: number }>;
  logs: LogCheck;
  metrics: MetricsCheck;
  /**
   * Request lines = the request counter = the duration histogram's count; request lines = the
   * requests the client sent to the `on` server; and each measured slot's lines = its requests sent.
   */
  checks: { linesEqualCounter: boolean; linesEqualSent: boolean; roundsLinesEqualSent: boolean };
  attribution?: Attribution;
}

interface VariantServer {
  server: RunningServer;
  /** The file its logger writes, when it has one. */
  log?: LogFile;
}

interface LogFile {
  path: string;
  destination: ReturnType<typeof pino.destination>;
  ended?: Promise<void>;
}

export interface ObservabilityBenchServers {
  servers: Partial<Record<Variant, VariantServer>>;
  /** Starts the variant's server (once) and gives it its sources. */
  start(variant: Variant): Promise<VariantServer>;
  /** Stops every server, ends their log files and deletes them. */
  close(): Promise<void>;
}

/** The servers the benchmark compares, over the given sources, started on demand; usable on their own. */
export async function startObservabilityBenchServers(sources: readonly unknown[]): Promise<ObservabilityBenchServers> {
  const vendors = builtInVendors();
  const config = parseConfig({ sources }, 'benchmark configuration (observability)', vendors.configSchema);
  const common: ServerOptions = { vendors, port: 0, host: '127.0.0.1', cursorSecret: 'benchmark-cursor-secret-0123456789' };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventgraph-bench-logs-'));
  const servers: Partial<Record<Variant, VariantServer>> = {};
  return {
    servers,
    async start(variant) {
      const existing = servers[variant];
      if (existing) return existing;
      const withLogs = variant === 'on' || variant === 'logs';
      const withMetrics = variant === 'on' || variant === 'metrics';
      const file = path.join(dir, `${variant}.log`);
      const log: LogFile | undefined = withLogs ? { path: file, destination: pino.destination({ dest: file, sync: false }) } : undefined;
      const server = await startServer({
        ...common,
        ...(log ? { logger: createLogger({ level: 'info', destination: log.destination }) } : {}),
        ...(withMetrics ? { metrics: { enabled: true } } : {}),
      });
      server.setSources(vendors.createSources(config));
      const started: VariantServer = { server, ...(log ? { log } : {}) };
      servers[variant] = started;
      return started;
    },
    async close() {
      try {
        for (const each of Object.values(servers)) await each.server.stop();
        for (const each of Object.values(servers)) if (each.log) await endLog(each.log);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function benchObservability(stack: Pick<BenchStack, 'settle'>, options: ObservabilityBenchOptions): Promise<ObservabilityBenchResult> {
  const { sources, ...shown } = options;
  const servers = await startObservabilityBenchServers(sources);
  try {
    await servers.start('off');
    const on = await servers.start('on');
    const onLog = on.log!;
    if (!on.server.metricsUrl) throw new Error('the "on" server serves no /metrics');
    const load = loadRunner(servers, options);

    // The line of one request must reach the file before anything is measured: a logger
    // that writes nowhere would be free and flatter the figure.
    for (const variant of ['off', 'on'] as const) {
      const probe = await fetch(servers.servers[variant]!.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestTag(variant, 'probe') },
        body: PANEL_BODY,
      });
      const text = await probe.text();
      if (probe.status !== 200) throw new Error(`the "${variant}" server answered ${probe.status}: ${text.slice(0, 300)}`);
    }
    load.sentTo.on += 1;
    await untilWritten(onLog.path);

    for (const variant of ['off', 'on'] as const) {
      await load.fire(variant, options.warmupS, 'warmup');
      await stack.settle();
    }

    const slots = { off: [] as Slot[], on: [] as Slot[] };
    const perRound: ObservabilityBenchResult['perRound'] = [];
    for (let round = 0; round < options.rounds; round++) {
      const order: Array<'off' | 'on'> = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      const measured = await load.step(order, `round-${round}`);
      const [off, on] = [measured.off!, measured.on!];
      slots.off.push(off);
      slots.on.push(on);
      perRound.push({
        first: order[0]!,
        off: rpsOf(off.result),
        on: rpsOf(on.result),
        ratio: rpsOf(on.result) / rpsOf(off.result),
        ...(off.cpuMs !== undefined ? { offCpuUs: (off.cpuMs * 1000) / Math.max(1, answeredOf(off.result)) } : {}),
        ...(on.cpuMs !== undefined ? { onCpuUs: (on.cpuMs * 1000) / Math.max(1, answeredOf(on.result)) } : {}),
      });
    }
    await stack.settle();
    const offLoad = observed(slots.off);
    const onLoad = observed(slots.on);
    assertClean({ off: offLoad, on: onLoad });
    const ratio = onLoad.rps / offLoad.rps;

    const attribution = ratio < options.aim ? await attribute(servers, load, stack, options) : undefined;

    const metrics = await scrape(on.server.metricsUrl);
    await endLog(onLog);
    const logs = await readLog(
      onLog.path,
      slots.on.map((slot) => ({ tag: slot.tag, answered: answeredOf(slot.result), sent: sentOf(slot.result) })),
      load.sentTo.on,
    );
    return {
      options: { ...shown, stepMs: STEP_MS, slotMs: load.slotMs(2) },
      off: offLoad,
      on: onLoad,
      ratio,
      perRound,
      slotWindow: [Math.min(...[...slots.off, ...slots.on].map((slot) => slot.window[0])), Math.max(...[...slots.off, ...slots.on].map((slot) => slot.window[1]))],
      logs,
      metrics,
      checks: {
        linesEqualCounter: logs.requestLines === metrics.requestsTotal && metrics.durationCount === metrics.requestsTotal,
        linesEqualSent: logs.requestLines === logs.sentTotal,
        roundsLinesEqualSent: logs.rounds.every((run) => run.lines === run.sent),
      },
      ...(attribution ? { attribution } : {}),
    };
  } finally {
    await servers.close();
  }
}

/**
 * The `x-request-id` every request of one load sends, so that each log line says which load
 * it belongs to. As long as the UUID a server gives a request without one: a shorter id
 * would make the lines shorter, and writing them cheaper, than in production.
 */
function requestTag(variant: Variant, what: string): string {
  return `bench-${variant}-${what}-`.padEnd(36, '0').slice(0, 36);
}

/** One measured load of one server. */
interface Slot {
  /** Its `x-request-id`. */
  tag: string;
  result: Result;
  /** Server-thread CPU time over the slot; undefined off Linux. */
  cpuMs?: number;
  /** When the load started and ended, ms after the start of its step (autocannon's own start and finish). */
  window: [number, number];
}

interface LoadRunner {
  /** Requests sent to each variant (autocannon's `sent`; the probe is added by hand). */
  sentTo: Record<Variant, number>;
  /** Unmeasured load, from now. */
  fire(variant: Variant, seconds: number, what: string): Promise<Result>;
  /** The length of a measured slot when a step measures `count` servers. */
  slotMs(count: number): number;
  /**
   * One round: waits for the next step to begin, loads every server in `order` together until
   * `phaseMs` into the step, then measures each alone, in that order, for an equal slot of
   * the rest of it. `around` wraps a slot (a CPU profile).
   */
  step(order: Variant[], what: string, around?: (slot: () => Promise<Slot>) => Promise<Slot>): Promise<Partial<Record<Variant, Slot>>>;
}

function loadRunner(servers: ObservabilityBenchServers, options: ObservabilityBenchOptions): LoadRunner {
  const sentTo: Record<Variant, number> = { off: 0, logs: 0, metrics: 0, on: 0 };
  // What a load costs beyond its duration (the worker thread's start and end), the largest
  // seen lately: a slot asks for its duration less this, so as to end on its mark.
  const overheads: number[] = [400];
  const fire = async (variant: Variant, seconds: number, what: string): Promise<Result> => {
    const settings: Options & { sampleInt: number } = {
      url: servers.servers[variant]!.server.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestTag(variant, what) },
      body: PANEL_BODY,
      connections: options.connections,
      duration: seconds,
      // autocannon stops at the first sample after the duration: with its default of one
      // sample a second, every load would last a whole number of seconds.
      sampleInt: 50,
      workers: 1,
      verifyBody: VERIFY_BODY,
    };
    const called = performance.now();
    const result = await autocannon(settings);
    overheads.push(performance.now() - called - result.duration * 1000);
    if (overheads.length > 6) overheads.shift();
    sentTo[variant] += sentOf(result);
    return result;
  };
  /** One request, which builds the step's first page (and waits for the upstream reads). */
  const prime = async (variant: Variant): Promise<void> => {
    sentTo[variant] += 1;
    const response = await fetch(servers.servers[variant]!.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestTag(variant, 'prime') },
      body: PANEL_BODY,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${VARIANT_LABELS[variant]}: ${response.status} ${text.slice(0, 300)}`);
  };
  const slotMs = (count: number) => (STEP_MS - options.phaseMs - options.marginMs) / count;
  return {
    sentTo,
    fire,
    slotMs,
    async step(order, what, around = (slot) => slot()) {
      const start = Math.ceil(Date.now() / STEP_MS) * STEP_MS;
      await sleep(start - Date.now());
      await Promise.all(order.map((variant) => prime(variant)));
      const phaseEnd = Math.max(start + options.phaseMs, Date.now());
      await sleep(phaseEnd - Date.now());
      const slot = slotMs(order.length);
      const out: Partial<Record<Variant, Slot>> = {};
      for (const [i, variant] of order.entries()) {
        // Each slot ends on its own mark, so that start-up overheads never add up.
        const end = phaseEnd + (i + 1) * slot;
        const tag = requestTag(variant, what);
        out[variant] = await around(async () => {
          const seconds = Math.max(0.2, (end - Date.now() - Math.min(1000, Math.max(...overheads))) / 1000);
          const before = mainThreadCpuMs();
          const result = await fire(variant, seconds, what);
          const after = mainThreadCpuMs();
          const at = (date: unknown, fallback: number) => (date instanceof Date ? date.getTime() : fallback) - start;
          const { start: began, finish } = result as unknown as { start?: unknown; finish?: unknown };
          const window: [number, number] = [at(began, Date.now() - result.duration * 1000), at(finish, Date.now())];
          return { tag, result, window, ...(before !== undefined && after !== undefined ? { cpuMs: after - before } : {}) };
        });
      }
      return out;
    },
  };
}

/**
 * Below the aim: the logger alone and the metrics alone, measured in turn with off and on;
 * then a CPU profile of the server thread under the off and under the on load.
 */
async function attribute(
  servers: ObservabilityBenchServers,
  load: LoadRunner,
  stack: Pick<BenchStack, 'settle'>,
  options: ObservabilityBenchOptions,
): Promise<Attribution> {
  const variants: Variant[] = ['off', 'logs', 'metrics', 'on'];
  for (const variant of ['logs', 'metrics'] as const) {
    await servers.start(variant);
    await load.fire(variant, options.warmupS, 'warmup');
    await stack.settle();
  }
  // Each step pairs one of the three with off, as the main rounds pair on with off, and
  // the three take turns: every ratio is taken against the off slots next to its own.
  const others = ['logs', 'metrics', 'on'] as const;
  const slots: Record<Variant, Slot[]> = { off: [], logs: [], metrics: [], on: [] };
  const pairedOff: Record<(typeof others)[number], Slot[]> = { logs: [], metrics: [], on: [] };
  for (let round = 0; round < options.attributeRounds; round++) {
    for (const [i, other] of others.entries()) {
      const order: Variant[] = (round + i) % 2 === 0 ? ['off', other] : [other, 'off'];
      const measured = await load.step(order, `attribution-${round}`);
      slots[other].push(measured[other]!);
      slots.off.push(measured.off!);
      pairedOff[other].push(measured.off!);
    }
  }
  const loads = Object.fromEntries(variants.map((variant) => [variant, observed(slots[variant])])) as Record<Variant, ObservedLoad>;
  assertClean(loads);
  const ratioOf = (other: (typeof others)[number]) => loads[other].rps / observed(pairedOff[other]).rps;

  // One step each, the whole slot profiled.
  const profileOf = async (variant: 'off' | 'on'): Promise<CpuProfileOfLoad> => {
    let profile: CpuProfileSummary | undefined;
    const measured = await load.step([variant], 'profile', async (slot) => {
      let out: Slot | undefined;
      profile = await profileWhile(async () => {
        out = await slot();
      }, 80);
      return out!;
    });
    // profileWhile names its file after the process: keep both.
    const file = profile!.file.replace(/\.cpuprofile$/, `-observability-${variant}.cpuprofile`);
    await rename(profile!.file, file);
    const requests = answeredOf(measured[variant]!.result);
    const idle = profile!.areas.find((area) => area.area === '(idle)')?.share ?? 0;
    return {
      requests,
      busyUsPerRequest: ((1 - idle) * profile!.durationMs * 1000) / Math.max(1, requests),
      profile: { ...profile!, file },
    };
  };
  const cpu = { off: await profileOf('off'), on: await profileOf('on') };
  await stack.settle();

  const perRequest = (of: CpuProfileOfLoad, share: number) => (share * of.profile.durationMs * 1000) / Math.max(1, of.requests);
  const delta = (pick: (p: CpuProfileSummary) => Array<{ area: string; share: number }>): CostDelta[] => {
    const names = new Set([...pick(cpu.off.profile), ...pick(cpu.on.profile)].map((a) => a.area));
    names.delete('(idle)');
    return [...names]
      .map((area) => {
        const off = perRequest(cpu.off, pick(cpu.off.profile).find((a) => a.area === area)?.share ?? 0);
        const on = perRequest(cpu.on, pick(cpu.on.profile).find((a) => a.area === area)?.share ?? 0);
        return { area, off, on, delta: on - off };
      })
      .sort((a, b) => b.delta - a.delta);
  };
  const frames = new Map<string, CostDelta & { where: string }>();
  for (const variant of ['off', 'on'] as const) {
    for (const frame of cpu[variant].profile.topFrames) {
      if (frame.name === '(idle)') continue;
      const key = `${frame.name}\u0000${frame.where}`;
      const entry = frames.get(key) ?? { area: frame.name, where: frame.where, off: 0, on: 0, delta: 0 };
      entry[variant] = perRequest(cpu[variant], frame.share);
      frames.set(key, entry);
    }
  }
  for (const entry of frames.values()) entry.delta = entry.on - entry.off;
  return {
    rounds: options.attributeRounds,
    loads,
    ratios: { logs: ratioOf('logs'), metrics: ratioOf('metrics'), on: ratioOf('on') },
    cpu,
    areaDelta: delta((p) => p.areas),
    callerDelta: delta((p) => p.callers),
    frameDelta: [...frames.values()].sort((a, b) => b.delta - a.delta),
  };
}

function observed(slots: Slot[]): ObservedLoad {
  const results = slots.map((slot) => slot.result);
  const load = combine(results);
  const p99 = results.reduce((n, r) => n + r.latency.p99 * answeredOf(r), 0) / Math.max(1, load.requests);
  const cpuKnown = slots.every((slot) => slot.cpuMs !== undefined);
  const cpuMs = slots.reduce((n, slot) => n + (slot.cpuMs ?? 0), 0);
  return {
    ...load,
    latencyP99: p99,
    sent: results.reduce((n, r) => n + sentOf(r), 0),
    ...(cpuKnown ? { cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, load.requests) } : {}),
  };
}

function assertClean(loads: Partial<Record<Variant, Load>>): void {
  for (const [variant, load] of Object.entries(loads)) {
    if (load.errors || load.mismatches || load.non2xx) {
      throw new Error(`${VARIANT_LABELS[variant as Variant]} under load: ${load.errors} errors, ${load.mismatches} wrong bodies, ${load.non2xx} non-2xx`);
    }
  }
}

/**
 * CPU time (user + system) of this thread, the one the servers run on, in ms; Linux only.
 * Node 20 has no per-thread cpuUsage, and process.cpuUsage() would count the load generator's
 * and the emulators' threads too. The main thread's task id is the process id. libuv's pool
 * threads, where the log file's writes happen, are not in it.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux Node supports.
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

const answeredOf = (result: Result) => result['2xx'] + result.non2xx;
const rpsOf = (result: Result) => answeredOf(result) / result.duration;
/** autocannon puts `sent` on its requests histogram; the bench's type declarations leave it out. */
const sentOf = (result: Result) => (result.requests as { sent?: number }).sent ?? answeredOf(result);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits until the file holds a whole line: sonic-boom opens it and writes asynchronously. */
async function untilWritten(file: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes('\n')) return;
    if (performance.now() > deadline) throw new Error(`the "on" server's logger wrote nothing to ${file} within 10 s`);
    await sleep(20);
  }
}

/** Ends a destination once everything buffered is written; once, however often called. */
function endLog(log: LogFile): Promise<void> {
  log.ended ??= (async () => {
    const closed = once(log.destination, 'close');
    log.destination.end();
    await closed;
  })();
  return log.ended;
}

async function readLog(file: string, slots: Array<{ tag: string; answered: number; sent: number }>, sentTotal: number): Promise<LogCheck> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let notJson = 0;
  let requestLines = 0;
  let requestBytes = 0;
  let abortedLines = 0;
  let unexpected = 0;
  const otherLines: Record<string, number> = {};
  const byTag = new Map<string, number>();
  for (const line of lines) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      notJson++;
      continue;
    }
    if (entry.msg === 'request') {
      requestLines++;
      requestBytes += Buffer.byteLength(line) + 1;
      byTag.set(String(entry.reqId), (byTag.get(String(entry.reqId)) ?? 0) + 1);
      if (entry.outcome === 'aborted') {
        abortedLines++;
      } else if (entry.status !== 200 || entry.outcome !== 'ok' || entry.operation !== 'BenchPanel' || typeof entry.reqId !== 'string') unexpected++;
    } else {
      const msg = String(entry.msg);
      otherLines[msg] = (otherLines[msg] ?? 0) + 1;
    }
  }
  return {
    bytes: Buffer.byteLength(text),
    lines: lines.length,
    notJson,
    requestLines,
    abortedLines,
    otherLines,
    unexpected,
    meanRequestLineBytes: requestBytes / Math.max(1, requestLines),
    rounds: slots.map((slot) => ({ ...slot, lines: byTag.get(slot.tag) ?? 0 })),
    sentTotal,
  };
}

/** One GET /metrics, summed per metric family. */
async function scrape(url: string): Promise<MetricsCheck> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  const scrapeMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
  const sum = (name: string, byLabel?: string) => {
    let total = 0;
    const by: Record<string, number> = {};
    for (const line of samples) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      total += value;
      if (byLabel) {
        const label = new RegExp(`${byLabel}="([^"]*)"`).exec(line)?.[1] ?? '';
        by[label] = (by[label] ?? 0) + value;
      }
    }
    return { total, by };
  };
  const requests = sum('eventgraph_graphql_requests_total', 'outcome');
  return {
    requestsTotal: requests.total,
    byOutcome: requests.by,
    durationCount: sum('eventgraph_graphql_request_duration_seconds_count').total,
    upstreamCacheLookups: sum('eventgraph_upstream_cache_requests_total').total,
    upstreamCalls: sum('eventgraph_upstream_calls_total').total,
    scrapeMs,
    bytes: Buffer.byteLength(text),
    series: samples.length,
  };
}
