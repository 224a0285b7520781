import { fork, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { mib, percentile, ratio } from './stats.js';
import { SOURCE_KEYS, SOURCE_LABELS, startBenchStack, type BenchStack, type SourceKey, type UpstreamCalls } from './stack.js';
import type { TailServerAnswer, TailServerProbeAnswer, TailServerReady, TailServerRequest } from './tail.server.js';

/**
 * The live tail (`Subscription.eventTail` over graphql-ws) with many subscribers: what the
 * upstream pays, how late an appended record arrives, and what the server holds.
 *
 * **Set-up.** The server runs in a child process of its own (bench/tail.server.ts), with the
 * demo sources over the stack's emulators, the governors off (see there) and a short poll
 * interval, so that its RSS is its own: the clients run here, on the benchmark's main thread,
 * and the emulators in their worker thread, and neither counts in it. Ten filters (`filtersFor`)
 * select different sources, kinds, outcomes, texts and a resource; the subscribers are spread
 * over connections, a subscription of each filter on every connection (graphql-ws multiplexes
 * them), well under `server.tail.maxConnections`.
 *
 * **Phases**, in one run:
 * 1. at rest: the server started, nobody subscribed (RSS after a full GC);
 * 2. **10 subscribers**, one per filter, on one connection, attached one at a time so that
 *    the pollers gauge gives each filter's pollers; then a window of `windowMs` in which the
 *    upstream calls are counted (at the emulators and in the server's own counter) and
 *    records are appended every `appendEveryMs` through the emulators' control routes;
 * 3. the other subscribers join (what the joining costs is counted apart), and the same
 *    window again with **all of them**;
 * 4. they leave, the first ten stay: the same window again, so that the big window is
 *    bracketed by two small ones (the machine, and the server's caches, change with time);
 * 5. everyone leaves: the pollers must stop (no call in the intervals after), RSS after a GC.
 * Over each window, where the CPU went: the server's process (and its event loop), this
 * process (the clients' thread, the emulators' thread), the whole machine (/proc/stat).
 *
 * Records are appended to ModelArts services and to the HSS log, stamped 50 ms ahead of the
 * append (as test/integration/tail.integration.test.ts does: a poll whose window ends between
 * the stamp and the append would rightly deliver the record one poll later, as late). Each
 * carries a token; every subscriber must receive every record its filter matches, appended
 * while it was subscribed, exactly once, and nothing else: misses, duplicates and unexpected
 * deliveries are counted, and the benchmark fails unless all are 0. Latency is from sending
 * the append to the subscriber's client receiving the event, on this thread's clock.
 */

const RECORD_TOKEN = 'tbk';
/** How far ahead of the append a record is stamped (see above). */
const STAMP_AHEAD_MS = 50;

export interface TailBenchOptions {
  /** Subscribers in the second phase, over every filter alike (a multiple of the filters). */
  subscribers: number;
  /** WebSocket connections they are spread over (the first carries the first phase's ten). */
  connections: number;
  /** `server.tail.intervalMs`. */
  intervalMs: number;
  /** Each phase's measured window. */
  windowMs: number;
  /** Records are appended one at a time, this far apart, through each window. */
  appendEveryMs: number;
}

/** The options of `npm run bench` and of `npx tsx bench/tail.bench.ts`, full or smoke. */
export function tailBenchOptions(smoke: boolean): TailBenchOptions {
  return smoke
    ? { subscribers: 100, connections: 10, intervalMs: 1_000, windowMs: 3_000, appendEveryMs: 700 }
    : { subscribers: 1_000, connections: 100, intervalMs: 1_000, windowMs: 10_000, appendEveryMs: 600 };
}

const TAIL_DOCUMENT = /* GraphQL */ `
  subscription BenchTail($filter: EventFilter) {
    eventTail(filter: $filter) {
      __typename
      ... on TailEvent { cursor late event { id occurredAt summary source { name } } }
      ... on TailNotice { source { name } status dropped lagMs error { code message } }
    }
  }
`;

type TailItem =
  | { __typename: 'TailEvent'; cursor: string; late: boolean; event: { id: string; occurredAt: string; summary: string; source: { name: string } } }
  | { __typename: 'TailNotice'; source: { name: string } | null; status: string; dropped: number; lagMs: number | null; error: { code: string; message: string } | null };

/** A: the first ten alone; B: every subscriber; C: the first ten again, after the others left. */
type Phase = 'A' | 'B' | 'C';
type Color = 'red' | 'blue' | 'green';

/** One record appended through an emulator's control route. */
interface AppendedRecord {
  token: string;
  phase: Phase;
  source: 'modelarts' | 'hss';
  /** ModelArts: the service's name (the event's `resource`); HSS: the resource name. */
  resource: string;
  serviceId: string | null;
  outcome: 'SUCCESS' | 'FAILURE' | 'UNKNOWN';
  color: Color;
  /** performance.now() when the append was sent, and when the emulator answered. */
  sentAt: number;
  answeredAt: number;
}

interface FilterSpec {
  label: string;
  filter: Record<string, unknown>;
  matches(record: AppendedRecord): boolean;
}

/**
 * The ten filters: different selections of sources (by name, vendor and kind) and different
 * conditions on the events (outcome, text, resource), some matching every appended record,
 * some a distinct subset, one none (the other vendors: its subscribers must get nothing).
 */
function filtersFor(names: Record<SourceKey, string>, serviceA: string): FilterSpec[] {
  const ma = names.modelarts;
  const hss = names.hss;
  const isMa = (r: AppendedRecord) => r.source === 'modelarts';
  return [
    { label: 'none (every event)', filter: {}, matches: () => true },
    { label: '`vendors: [HUAWEI_CLOUD]`', filter: { vendors: ['HUAWEI_CLOUD'] }, matches: () => true },
    { label: `\`sources: [${ma}]\``, filter: { sources: [ma] }, matches: isMa },
    { label: '`kinds: [IMAGE]`', filter: { kinds: ['IMAGE'] }, matches: (r) => r.source === 'hss' },
    { label: '`kinds: [DEPLOYMENT], outcomes: [SUCCESS]`', filter: { kinds: ['DEPLOYMENT'], outcomes: ['SUCCESS'] }, matches: (r) => isMa(r) && r.outcome === 'SUCCESS' },
    { label: `\`sources: [${ma}], outcomes: [FAILURE]\``, filter: { sources: [ma], outcomes: ['FAILURE'] }, matches: (r) => isMa(r) && r.outcome === 'FAILURE' },
    { label: '`search: "tb-red"`', filter: { search: 'tb-red' }, matches: (r) => r.color === 'red' },
    { label: `\`sources: [${ma}, ${hss}], search: "TB-BLUE"\``, filter: { sources: [ma, hss], search: 'TB-BLUE' }, matches: (r) => r.color === 'blue' },
    { label: `\`sources: [${ma}], resource: "${serviceA}"\``, filter: { sources: [ma], resource: serviceA }, matches: (r) => isMa(r) && r.resource === serviceA },
    { label: '`vendors: [TENCENT_CLOUD, BLUEKING]`', filter: { vendors: ['TENCENT_CLOUD', 'BLUEKING'] }, matches: () => false },
  ];
}

/** One subscription, and everything it received. */
interface Subscriber {
  index: number;
  filter: number;
  connection: number;
  /** The phases whose records it was subscribed for. */
  phases: Phase[];
  /** Receipt times (performance.now()) by record token. */
  receipts: Map<string, number[]>;
  /** Events without a benchmark token: none should come (the emulators' data is all older). */
  foreign: number;
  /** Tokens of the records it received marked `late`. */
  late: string[];
  notices: string[];
  errors: string[];
  completed: boolean;
  dispose: () => void;
}

/** From the server's metrics, over a span. */
export interface Counted {
  /** `eventgraph_upstream_calls_total`, in all, by source name and by "source API". */
  total: number;
  bySource: Record<string, number>;
  byApi: Record<string, number>;
  /** `eventgraph_upstream_call_duration_seconds`: mean per call, by source name and over all. */
  meanCallMs: Record<string, number>;
  meanCallMsAll: number;
  /** `eventgraph_upstream_cache_requests_total` by "source result" (hit, shared, miss). */
  cache: Record<string, number>;
}

export interface CallWindow {
  ms: number;
  intervals: number;
  /** At the emulators. */
  calls: UpstreamCalls;
  /** What the server's metrics say of the window. */
  counted: Counted;
  pollers: number;
  subscriptions: number;
  load: WindowLoad;
}

/** Where the CPU went over a window, in cores (CPU seconds per second). */
export interface WindowLoad {
  cores: number;
  /** The whole machine (/proc/stat), every process. */
  machineCores: number;
  /** The server's process. */
  serverCores: number;
  /** The server's event-loop utilisation (busy share of its one thread). */
  serverLoop: number;
  /** The server's event-loop delay over the window, ms: how late a 10 ms timer fired (perf_hooks). */
  serverLag: { p50: number; p99: number; max: number };
  /** This process: the clients (main thread), the emulators (worker thread), the idle servers. */
  benchCores: number;
  /** This process's main thread (the clients'): event-loop utilisation. */
  mainLoop: number;
  /** Everything else on the machine. */
  otherCores: number;
}

export interface LatencyFigures {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface PhaseResult {
  phase: Phase;
  subscribers: number;
  window: CallWindow;
  records: number;
  /** Deliveries owed: (record, subscriber) pairs the filter matches while subscribed. */
  expected: number;
  received: number;
  misses: number;
  duplicates: number;
  unexpected: number;
  late: number;
  /** From sending the append to the client's receipt, over every delivery. */
  latency: LatencyFigures;
  /** The same, first receipt of each (record, filter) only: the poll's part. */
  firstLatency: LatencyFigures;
  /** Last − first receipt of one record among the subscribers of one filter: the fan-out's part. */
  spread: LatencyFigures;
  /** The append calls' own time. */
  appendMs: LatencyFigures;
}

export interface MemoryPoint {
  label: string;
  rss: number;
  heapUsed: number;
  /** Used bytes of V8's old, code and large-object spaces. */
  oldSpace: number;
  codeSpace: number;
  largeObjectSpace: number;
  external: number;
}

export interface TailBenchResult {
  options: TailBenchOptions;
  date: string;
  machine: string;
  node: string;
  settings: string[];
  filters: Array<{ label: string; pollers: number; records: Record<Phase, number> } & Tally>;
  sourceNames: Record<SourceKey, string>;
  ten: PhaseResult;
  all: PhaseResult;
  tenAgain: PhaseResult;
  /** Calls per interval with everyone / the mean of the two windows of ten. */
  callRatio: number;
  join: {
    /** From the first subscribe sent until the hub held them all. */
    ms: number;
    /** [ms since the first was sent, subscriptions in the hub], as scraped. */
    trace: Array<[number, number]>;
    /** The server's CPU time meanwhile. */
    cpuMs: number;
    /** Calls from the first join until an interval after the last. */
    calls: UpstreamCalls;
    callsMs: number;
    counted: Counted;
  };
  /** How long the joiners took to leave the hub. */
  partLeaveMs: number;
  leave: { ms: number; callsAfter: number; pollersAfter: number; subscriptionsAfter: number };
  memory: { rest: MemoryPoint; ten: MemoryPoint; all: MemoryPoint; peakRssAll: number; tenAgain: MemoryPoint; left: MemoryPoint };
  notices: string[];
  errors: string[];
  foreign: number;
  dropped: number;
  durationMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function benchTail(stack: BenchStack, options: TailBenchOptions): Promise<TailBenchResult> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const filterCount = 10;
  if (options.subscribers % filterCount !== 0 || options.subscribers <= filterCount) throw new Error(`subscribers must be a multiple of ${filterCount}, above it`);
  if (options.connections < 2) throw new Error('at least two connections: the first for the ten, others for the rest');
  const server = await startTailServerProcess(stack, { intervalMs: options.intervalMs });
  const clients: Client[] = [];
  const subscribers: Subscriber[] = [];
  try {
    const scrape = () => scrapeMetrics(server.ready.metricsUrl);
    const services = await modelArtsServices(stack);
    // The default workspace's services, which the demo source tails: one stream each.
    const [serviceA, serviceB, serviceC] = services;
    if (!serviceA || !serviceB || !serviceC) throw new Error('the ModelArts emulator has fewer than three services in the default workspace');
    const filters = filtersFor(stack.sourceNames, serviceA.name);
    const wsUrl = server.ready.url.replace(/^http/, 'ws');
    const records: AppendedRecord[] = [];
    const appender = new Appender(stack, [serviceA, serviceB, serviceC], records);
    const window = (phase: Phase) => measureWindow(stack, server, scrape, options, () => appender.append(phase));

    // 1. At rest.
    await sleep(1_000);
    const rest = await server.memory('at rest, nobody subscribed', true);

    // 2. Ten subscribers, one per filter, on one connection, one at a time: the pollers gauge
    // then gives each filter's pollers (every filter selects streams, so each starts some).
    const first = connect(wsUrl);
    clients.push(first);
    const pollersOf: number[] = [];
    for (let f = 0; f < filterCount; f++) {
      const before = (await scrape()).gauge('eventgraph_tail_pollers');
      subscribers.push(subscribe(first, subscribers.length, f, 0, ['A', 'B', 'C'], filters[f]!.filter));
      pollersOf.push((await attached(scrape, subscribers.length, before)) - before);
    }
    await sleep(options.intervalMs * 1.1 + 300);
    const ten = await window('A');
    await sleep(drainMs(options));
    const memTen = await server.memory('10 subscribers', true);

    // 3. The others join: round r of ten subscriptions (one per filter) on connection r, so that
    // every connection carries a subscription of each filter.
    const joinBefore = await scrape();
    await stack.resetCalls();
    const joinCpu = await server.probe(false);
    const joinStarted = performance.now();
    for (let c = 1; c < options.connections; c++) clients.push(connect(wsUrl));
    const perFilter = options.subscribers / filterCount;
    for (let round = 1; round < perFilter; round++) {
      const connection = 1 + ((round - 1) % (options.connections - 1));
      for (let f = 0; f < filterCount; f++) subscribers.push(subscribe(clients[connection]!, subscribers.length, f, connection, ['B'], filters[f]!.filter));
    }
    const trace: Array<[number, number]> = [];
    await attached(scrape, options.subscribers, -1, (m) => trace.push([performance.now() - joinStarted, m.gauge('eventgraph_tail_subscriptions')]));
    const joinMs = performance.now() - joinStarted;
    const joinCpuAfter = await server.probe(false);
    // In the hub; a poll more, so that each is attached to its pollers too.
    await sleep(options.intervalMs * 1.1 + 300);
    const joinCalls = await stack.calls();
    const joinCallsMs = performance.now() - joinStarted;
    const joinCounted = countedDelta(joinBefore, await scrape());

    let peakRss = 0;
    const sampler = setInterval(() => void server.probe(false).then((p) => (peakRss = Math.max(peakRss, p.rss)), () => undefined), 500);
    let all: CallWindow;
    try {
      all = await window('B');
      await sleep(drainMs(options));
    } finally {
      clearInterval(sampler);
    }
    const memAll = await server.memory(`${options.subscribers} subscribers`, true);
    peakRss = Math.max(peakRss, memAll.rss);

    // 4. The joiners leave, the first ten stay: the same window again, to bracket the big one.
    const partStarted = performance.now();
    for (const subscriber of subscribers.slice(filterCount)) subscriber.dispose();
    await Promise.all(clients.slice(1).map((client) => client.dispose()));
    await until(async () => (await scrape()).gauge('eventgraph_tail_subscriptions') === filterCount, 10_000, `the joiners did not leave the hub within 10 s`);
    const partMs = performance.now() - partStarted;
    await sleep(options.intervalMs * 1.1 + 300);
    const tenAgain = await window('C');
    await sleep(drainMs(options));
    const memTenAgain = await server.memory('10 subscribers again', true);
    const dropped = (await scrape()).sum('eventgraph_tail_dropped_items_total');

    // 5. Everyone leaves.
    const leaveStarted = performance.now();
    for (const subscriber of subscribers) subscriber.dispose();
    await Promise.all(clients.map((client) => client.dispose()));
    await until(
      async () => {
        const m = await scrape();
        return m.gauge('eventgraph_tail_subscriptions') === 0 && m.gauge('eventgraph_tail_pollers') === 0;
      },
      10_000,
      'the subscriptions and pollers did not go within 10 s of the clients leaving',
    );
    const leaveMs = performance.now() - leaveStarted;
    // A poll under way when its poller stopped may still land: then nothing for two intervals.
    await sleep(500);
    await stack.resetCalls();
    await sleep(2 * options.intervalMs * 1.1);
    const callsAfter = (await stack.calls()).total;
    const afterLeave = await scrape();
    await sleep(1_000);
    const left = await server.memory('after they left', true);

    // Correctness and latency.
    const filterRows = filters.map((spec, f) => {
      const tally = tallyOf(
        subscribers.filter((s) => s.filter === f),
        records,
        spec,
        ['A', 'B', 'C'],
      );
      const matching = (phase: Phase) => records.filter((r) => r.phase === phase && spec.matches(r)).length;
      return { label: spec.label, pollers: pollersOf[f]!, records: { A: matching('A'), B: matching('B'), C: matching('C') }, ...tally };
    });
    const result: TailBenchResult = {
      options,
      date: new Date().toISOString(),
      machine: machineLine(loadBefore),
      node: process.version,
      settings: server.ready.settings,
      filters: filterRows,
      sourceNames: stack.sourceNames,
      ten: evaluate('A', subscribers, filters, records, ten),
      all: evaluate('B', subscribers, filters, records, all),
      tenAgain: evaluate('C', subscribers, filters, records, tenAgain),
      callRatio: perInterval(all) / ((perInterval(ten) + perInterval(tenAgain)) / 2),
      join: {
        ms: joinMs,
        trace,
        cpuMs: (joinCpuAfter.cpuUser + joinCpuAfter.cpuSystem - joinCpu.cpuUser - joinCpu.cpuSystem) / 1000,
        calls: joinCalls,
        callsMs: joinCallsMs,
        counted: joinCounted,
      },
      partLeaveMs: partMs,
      leave: {
        ms: leaveMs,
        callsAfter,
        pollersAfter: afterLeave.gauge('eventgraph_tail_pollers'),
        subscriptionsAfter: afterLeave.gauge('eventgraph_tail_subscriptions'),
      },
      memory: { rest, ten: memTen, all: memAll, peakRssAll: peakRss, tenAgain: memTenAgain, left },
      notices: subscribers.flatMap((s) => s.notices),
      errors: subscribers.flatMap((s) => s.errors.map((e) => `subscriber ${s.index}: ${e}`)),
      foreign: subscribers.reduce((n, s) => n + s.foreign, 0),
      dropped,
      durationMs: performance.now() - started,
    };
    const broken = checkResult(result);
    if (broken.length) {
      console.error(renderTailConsole(result));
      throw new Error(`live-tail benchmark: ${broken.join('; ')}${result.notices.length ? `; notices: ${result.notices.slice(0, 5).join(' | ')}` : ''}`);
    }
    return result;
  } finally {
    for (const subscriber of subscribers) subscriber.dispose();
    await Promise.all(clients.map((client) => Promise.resolve(client.dispose()).catch(() => undefined)));
    await server.stop();
  }
}

/** What must hold for the figures to stand: every delivery once, nothing else, pollers shared and stopped. */
function checkResult(r: TailBenchResult): string[] {
  const broken: string[] = [];
  for (const phase of [r.ten, r.all, r.tenAgain]) {
    const name = `${phase.subscribers} subscribers (${phase.phase})`;
    if (phase.misses || phase.duplicates || phase.unexpected) {
      broken.push(`${name}: ${phase.misses} misses, ${phase.duplicates} duplicates, ${phase.unexpected} unexpected deliveries of ${phase.expected}`);
    }
    if (phase.records === 0 || phase.expected === 0) broken.push(`${name}: nothing was appended or owed`);
    if (phase.window.pollers !== r.ten.window.pollers) broken.push(`${name}: ${phase.window.pollers} pollers, against ${r.ten.window.pollers} with the first ten`);
  }
  if (r.errors.length) broken.push(`${r.errors.length} subscription errors, e.g. ${r.errors[0]}`);
  if (r.notices.length) broken.push(`${r.notices.length} notices, e.g. ${r.notices[0]}`);
  if (r.foreign) broken.push(`${r.foreign} events without a benchmark token`);
  if (r.dropped) broken.push(`${r.dropped} items dropped for slow clients`);
  if (r.leave.callsAfter || r.leave.pollersAfter || r.leave.subscriptionsAfter) {
    broken.push(`after leaving: ${r.leave.callsAfter} calls, ${r.leave.pollersAfter} pollers, ${r.leave.subscriptionsAfter} subscriptions`);
  }
  return broken;
}

const drainMs = (options: TailBenchOptions) => 2 * options.intervalMs * 1.1 + 800;

export const perInterval = (w: CallWindow) => w.calls.total / w.intervals;

/** Calls, and the reads the cross-request cache answered (hit, or shared with a call on its way), per interval. */
const readsPerInterval = (w: CallWindow) =>
  (w.calls.total + Object.entries(w.counted.cache).reduce((n, [key, v]) => n + (/ (hit|shared)$/.test(key) ? v : 0), 0)) / w.intervals;

/** /proc/stat's first line: jiffies busy and in all, over every core; undefined off Linux. */
async function machineTicks(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((n, x) => n + x, 0);
    // idle and iowait
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return undefined;
  }
}

/**
 * Counts calls over one window while `append` runs every `appendEveryMs` (the appends are
 * awaited after), and where the CPU went: the server's process, this process (the clients on
 * this thread, the emulators in their worker thread), and the whole machine.
 */
async function measureWindow(
  stack: BenchStack,
  server: TailServerProcess,
  scrape: () => Promise<Metrics>,
  options: TailBenchOptions,
  append: () => Promise<void>,
): Promise<CallWindow> {
  await stack.resetCalls();
  const before = await scrape();
  const serverBefore = await server.probe(false, true);
  const benchBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  const ticksBefore = await machineTicks();
  const start = performance.now();
  const appends: Promise<void>[] = [];
  const count = Math.max(1, Math.floor((options.windowMs - 200) / options.appendEveryMs));
  for (let i = 0; i < count; i++) {
    // Off the interval's beat: 200 ms in, then every appendEveryMs.
    await sleep(Math.max(0, start + 200 + i * options.appendEveryMs - performance.now()));
    appends.push(append());
  }
  await sleep(Math.max(0, start + options.windowMs - performance.now()));
  const calls = await stack.calls();
  const ms = performance.now() - start;
  const ticksAfter = await machineTicks();
  const loop = performance.eventLoopUtilization(loopBefore);
  const bench = process.cpuUsage(benchBefore);
  const serverAfter = await server.probe(false);
  const after = await scrape();
  await Promise.all(appends);
  const serverCores = (serverAfter.cpuUser + serverAfter.cpuSystem - serverBefore.cpuUser - serverBefore.cpuSystem) / 1000 / ms;
  const benchCores = (bench.user + bench.system) / 1000 / ms;
  const cores = os.cpus().length;
  const machineCores = ticksBefore && ticksAfter ? ((ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total)) * cores : Number.NaN;
  const serverActive = serverAfter.loopActiveMs - serverBefore.loopActiveMs;
  const serverIdle = serverAfter.loopIdleMs - serverBefore.loopIdleMs;
  return {
    ms,
    intervals: ms / options.intervalMs,
    calls,
    counted: countedDelta(before, after),
    pollers: after.gauge('eventgraph_tail_pollers'),
    subscriptions: after.gauge('eventgraph_tail_subscriptions'),
    load: {
      cores,
      machineCores,
      serverCores,
      serverLoop: serverActive / (serverActive + serverIdle),
      serverLag: serverAfter.lag,
      benchCores,
      mainLoop: loop.utilization,
      otherCores: machineCores - serverCores - benchCores,
    },
  };
}

/** Appends the records of the benchmark, each with its token, alternating sources, services, outcomes and texts. */
class Appender {
  private n = 0;

  constructor(
    private readonly stack: BenchStack,
    private readonly services: Array<{ id: string; name: string }>,
    private readonly records: AppendedRecord[],
  ) {}

  async append(phase: Phase): Promise<void> {
    const n = this.n++;
    const token = `${RECORD_TOKEN}-${phase}${n}`;
    const color: Color = (['red', 'red', 'blue', 'blue', 'green'] as const)[n % 5]!;
    const text = `tailbench ${token} tb-${color}`;
    const hss = n % 4 === 3;
    const service = this.services[n % this.services.length]!;
    const outcome = hss ? 'UNKNOWN' : n % 2 === 0 ? 'SUCCESS' : 'FAILURE';
    const at = Date.now() + STAMP_AHEAD_MS;
    const [path, body] = hss
      ? [
          '/__emulator/events',
          [{ resource_name: 'tailbench/image', resource_type: 'image', event_name: 'push', event_id: `tailbench-${token}`, event_type: 'bench', source_ip: '127.0.0.1', user_name: 'bench', time: at, content: text }],
        ]
      : [`/__emulator/services/${service.id}/events`, [{ occur_time: at, event_type: outcome === 'SUCCESS' ? 'normal' : 'abnormal', event_info: text }]];
    const url = `${this.stack.emulatorUrls[hss ? 'hss' : 'modelarts']}${path}`;
    const record: AppendedRecord = {
      token,
      phase,
      source: hss ? 'hss' : 'modelarts',
      resource: hss ? 'tailbench/image' : service.name,
      serviceId: hss ? null : service.id,
      outcome,
      color,
      sentAt: performance.now(),
      answeredAt: Number.NaN,
    };
    this.records.push(record);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    record.answeredAt = performance.now();
    if (response.status !== 201) throw new Error(`appending ${token}: ${response.status} ${await response.text()}`);
  }
}

function connect(url: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, shouldRetry: () => false });
}

const TOKEN = new RegExp(`\\b${RECORD_TOKEN}-([ABC]\\d+)\\b`);

function subscribe(client: Client, index: number, filter: number, connection: number, phases: Phase[], variables: Record<string, unknown>): Subscriber {
  const subscriber: Subscriber = { index, filter, connection, phases, receipts: new Map(), foreign: 0, late: [], notices: [], errors: [], completed: false, dispose: () => {} };
  subscriber.dispose = client.subscribe<{ eventTail: TailItem }>(
    { query: TAIL_DOCUMENT, variables: { filter: variables } },
    {
      next: (result) => {
        const now = performance.now();
        if (result.errors?.length) subscriber.errors.push(JSON.stringify(result.errors).slice(0, 300));
        const item = result.data?.eventTail;
        if (!item) return;
        if (item.__typename === 'TailNotice') {
          subscriber.notices.push(`${item.source?.name ?? '-'} ${item.status} dropped ${item.dropped} ${item.error?.code ?? ''} ${item.error?.message ?? ''}`);
          return;
        }
        const token = TOKEN.exec(item.event.summary)?.[0];
        if (!token) {
          subscriber.foreign += 1;
          return;
        }
        if (item.late) subscriber.late.push(token);
        const times = subscriber.receipts.get(token);
        if (times) times.push(now);
        else subscriber.receipts.set(token, [now]);
      },
      error: (error) => subscriber.errors.push(describeError(error)),
      complete: () => {
        subscriber.completed = true;
      },
    },
  );
  return subscriber;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `closed ${close.code} ${close.reason ?? ''}`;
  return JSON.stringify(error).slice(0, 300);
}

interface Tally {
  expected: number;
  received: number;
  misses: number;
  duplicates: number;
  unexpected: number;
}

/** Owed and received deliveries of the records of `phases` to these subscribers of one filter. */
function tallyOf(subscribers: readonly Subscriber[], records: readonly AppendedRecord[], spec: FilterSpec, phases: readonly Phase[]): Tally {
  const tally: Tally = { expected: 0, received: 0, misses: 0, duplicates: 0, unexpected: 0 };
  for (const s of subscribers) {
    for (const record of records) {
      if (!phases.includes(record.phase)) continue;
      const times = s.receipts.get(record.token)?.length ?? 0;
      const owed = s.phases.includes(record.phase) && spec.matches(record);
      if (owed) {
        tally.expected += 1;
        if (times === 0) tally.misses += 1;
        else tally.received += 1;
        tally.duplicates += Math.max(0, times - 1);
      } else tally.unexpected += times;
    }
  }
  return tally;
}

function evaluate(phase: Phase, subscribers: readonly Subscriber[], filters: readonly FilterSpec[], records: readonly AppendedRecord[], window: CallWindow): PhaseResult {
  const mine = records.filter((r) => r.phase === phase);
  const present = subscribers.filter((s) => s.phases.includes(phase));
  const total: Tally = { expected: 0, received: 0, misses: 0, duplicates: 0, unexpected: 0 };
  const latencies: number[] = [];
  const firsts: number[] = [];
  const spreads: number[] = [];
  filters.forEach((spec, f) => {
    const ofFilter = subscribers.filter((s) => s.filter === f);
    const t = tallyOf(ofFilter, mine, spec, [phase]);
    for (const key of Object.keys(total) as (keyof Tally)[]) total[key] += t[key];
    for (const record of mine) {
      if (!spec.matches(record)) continue;
      const receipts = ofFilter
        .filter((s) => s.phases.includes(phase))
        .map((s) => s.receipts.get(record.token)?.[0])
        .filter((x): x is number => x !== undefined)
        .map((x) => x - record.sentAt);
      if (receipts.length === 0) continue;
      latencies.push(...receipts);
      firsts.push(Math.min(...receipts));
      spreads.push(Math.max(...receipts) - Math.min(...receipts));
    }
  });
  return {
    phase,
    subscribers: present.length,
    window,
    records: mine.length,
    ...total,
    late: present.reduce((n, s) => n + s.late.filter((token) => token.startsWith(`${RECORD_TOKEN}-${phase}`)).length, 0),
    latency: figures(latencies),
    firstLatency: figures(firsts),
    spread: figures(spreads),
    appendMs: figures(mine.map((r) => r.answeredAt - r.sentAt)),
  };
}

function figures(samples: readonly number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/**
 * Waits until the hub holds `subscriptions` and, with `pollersAbove`, until the pollers gauge
 * has risen above it and stopped moving (a subscriber's pollers start once its streams are
 * listed); returns the pollers.
 */
async function attached(scrape: () => Promise<Metrics>, subscriptions: number, pollersAbove = -1, seen?: (m: Metrics) => void): Promise<number> {
  const deadline = performance.now() + 60_000;
  let last = -1;
  for (;;) {
    const m = await scrape();
    seen?.(m);
    const pollers = m.gauge('eventgraph_tail_pollers');
    const ready = m.gauge('eventgraph_tail_subscriptions') === subscriptions && pollers > pollersAbove;
    if (ready && pollers === last) return pollers;
    last = ready ? pollers : -1;
    if (performance.now() > deadline) throw new Error(`the tail did not hold ${subscriptions} subscriptions within 60 s (it holds ${m.gauge('eventgraph_tail_subscriptions')})`);
    await sleep(150);
  }
}

async function until(check: () => Promise<boolean>, ms: number, message: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(message);
    await sleep(50);
  }
}

async function modelArtsServices(stack: BenchStack): Promise<Array<{ id: string; name: string }>> {
  const response = await fetch(`${stack.emulatorUrls.modelarts}/__emulator/dataset`);
  const body = (await response.json()) as { services: Array<{ service_id: string; service_name: string; workspace_id: string }> };
  return body.services.filter((s) => s.workspace_id === '0').map((s) => ({ id: s.service_id, name: s.service_name }));
}

// ---------------------------------------------------------------------------------------
// The server's metrics (Prometheus text).

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Metrics {
  samples: Sample[];
  gauge(name: string): number;
  sum(name: string, where?: Record<string, string>): number;
}

async function scrapeMetrics(url: string): Promise<Metrics> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  const samples = parsePrometheus(await response.text());
  const sum = (name: string, where: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
  return { samples, sum, gauge: (name) => sum(name) };
}

function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

/** What grew between two scrapes of `name`, summed by the given labels (joined with a space). */
function grown(before: Metrics, after: Metrics, name: string, labels: readonly string[]): Map<string, number> {
  const key = (s: Sample) => labels.map((label) => s.labels[label] ?? '').join(' ');
  const sum = (m: Metrics) => {
    const out = new Map<string, number>();
    for (const s of m.samples) if (s.name === name) out.set(key(s), (out.get(key(s)) ?? 0) + s.value);
    return out;
  };
  const was = sum(before);
  const out = new Map<string, number>();
  for (const [k, v] of sum(after)) if (v - (was.get(k) ?? 0) !== 0) out.set(k, v - (was.get(k) ?? 0));
  return out;
}

function countedDelta(before: Metrics, after: Metrics): Counted {
  const bySource = Object.fromEntries(grown(before, after, 'eventgraph_upstream_calls_total', ['source']));
  const byApi = Object.fromEntries(grown(before, after, 'eventgraph_upstream_calls_total', ['source', 'api']));
  const seconds = grown(before, after, 'eventgraph_upstream_call_duration_seconds_sum', ['source']);
  const count = grown(before, after, 'eventgraph_upstream_call_duration_seconds_count', ['source']);
  const meanCallMs = Object.fromEntries([...count].map(([source, n]) => [source, ((seconds.get(source) ?? 0) / n) * 1000]));
  const cache = Object.fromEntries(grown(before, after, 'eventgraph_upstream_cache_requests_total', ['source', 'result']));
  const total = Object.values(bySource).reduce((n, v) => n + v, 0);
  const allSeconds = [...seconds.values()].reduce((n, v) => n + v, 0);
  const allCount = [...count.values()].reduce((n, v) => n + v, 0);
  return { total, bySource, byApi, meanCallMs, meanCallMsAll: allCount ? (allSeconds / allCount) * 1000 : Number.NaN, cache };
}

// ---------------------------------------------------------------------------------------
// The server's process.

interface TailServerProcess {
  ready: TailServerReady;
  probe(gc: boolean, resetLag?: boolean): Promise<TailServerProbeAnswer>;
  memory(label: string, gc: boolean): Promise<MemoryPoint>;
  stop(): Promise<void>;
}

/**
 * Forks bench/tail.server.ts with tsx's loader (resolved here, so that it does not depend on
 * the working directory) and `--expose-gc`, and starts the server over the stack's emulators.
 */
async function startTailServerProcess(stack: BenchStack, tail: { intervalMs: number }): Promise<TailServerProcess> {
  const entry = fileURLToPath(new URL('./tail.server.ts', import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    execArgv: [`--import=${import.meta.resolve('tsx')}`, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, (answer: TailServerProbeAnswer) => void>();
  let onReady: ((ready: TailServerReady) => void) | undefined;
  let onStopped: (() => void) | undefined;
  let failure: ((error: Error) => void) | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: TailServerAnswer) => {
    switch (message.type) {
      case 'ready':
        onReady?.(message);
        break;
      case 'probe':
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
        break;
      case 'stopped':
        onStopped?.();
        break;
      case 'failed':
        failure?.(new Error(`the tail server failed: ${message.message}`));
        console.error(`the tail server failed: ${message.message}`);
        break;
    }
  });
  const send = (message: TailServerRequest) => child.send(message);
  const ready = await new Promise<TailServerReady>((resolve, reject) => {
    onReady = resolve;
    failure = reject;
    child.once('error', reject);
    void exited.then(() => reject(new Error('the tail server process ended before it listened')));
    send({ type: 'start', sources: stack.demoSources, tail });
  });
  failure = undefined;
  const probe = (gc: boolean, resetLag = false) =>
    new Promise<TailServerProbeAnswer>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, resolve);
      setTimeout(() => (waiting.delete(id) ? reject(new Error('the tail server did not answer a probe within 10 s')) : undefined), 10_000).unref();
      send({ type: 'probe', id, gc, resetLag });
    });
  let stopping: Promise<void> | undefined;
  return {
    ready,
    probe,
    async memory(label, gc) {
      const p = await probe(gc);
      return {
        label,
        rss: p.rss,
        heapUsed: p.heapUsed,
        oldSpace: p.spaces.old_space ?? 0,
        codeSpace: p.spaces.code_space ?? 0,
        largeObjectSpace: p.spaces.large_object_space ?? 0,
        external: p.external,
      };
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || !child.connected) return;
        const stopped = new Promise<void>((resolve) => (onStopped = resolve));
        send({ type: 'stop' });
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 15_000, 'timeout').unref());
        if ((await Promise.race([stopped.then(() => exited), timeout])) === 'timeout') child.kill('SIGKILL');
      })();
      return stopping;
    },
  };
}

function machineLine(loadBefore: number[]): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()} ${os.arch()}; load average before ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}`;
}

// ---------------------------------------------------------------------------------------
// Report.

interface Table {
  head: string[];
  rows: string[][];
}

interface TailSection {
  title: string;
  intro: string[];
  tables: Table[];
  notes: string[];
}

/** BENCHMARKS.md's section is found by this start of its title (see withTailSection). */
const TAIL_SECTION_PREFIX = '11. Live tail';
const sectionTitle = (subscribers: number) => `${TAIL_SECTION_PREFIX}: ${int(subscribers)} subscribers over 10 filters, one poller per stream and filter`;

const msf = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'n/a');
const rel = (value: number, intervalMs: number) => (Number.isFinite(value) ? `${(value / intervalMs).toFixed(2)}×` : 'n/a');
const int = (value: number) => Math.round(value).toLocaleString('en');

function section(r: TailBenchResult, command: string): TailSection {
  const o = r.options;
  const I = o.intervalMs;
  const many = `${int(o.subscribers)} subscribers`;
  const phases = [r.ten, r.all, r.tenAgain] as const;
  const three = (cell: (p: PhaseResult) => string) => phases.map(cell);
  const lat = (f: LatencyFigures) => `${msf(f.p50)} / ${msf(f.p99)} (${rel(f.p50, I)} / ${rel(f.p99, I)})`;
  const windowHead = ['10 subscribers (one per filter, one connection)', `${many} (${int(o.subscribers / 10)} per filter, ${o.connections} connections)`, '10 subscribers again (the others gone)'];
  const tables: Table[] = [
    {
      head: ['figure', ...windowHead],
      rows: [
        ['pollers running (`eventgraph_tail_pollers`)', ...three((p) => String(p.window.pollers))],
        [
          `upstream calls per interval (${(I / 1000).toFixed(0)} s), at the emulators`,
          perInterval(r.ten.window).toFixed(1),
          `${perInterval(r.all.window).toFixed(1)} (**${ratio(r.callRatio)}** of the tens' mean)`,
          perInterval(r.tenAgain.window).toFixed(1),
        ],
        ["… the server's own count (`eventgraph_upstream_calls_total`)", ...three((p) => (p.window.counted.total / p.window.intervals).toFixed(1))],
        ['reads per interval: calls + reads the cross-request cache answered', ...three((p) => readsPerInterval(p.window).toFixed(1))],
        ['reads per poller per interval', ...three((p) => (readsPerInterval(p.window) / p.window.pollers).toFixed(2))],
        ["mean upstream call, the server's `eventgraph_upstream_call_duration_seconds`", ...three((p) => msf(p.window.counted.meanCallMsAll))],
        ['records appended in the window', ...three((p) => String(p.records))],
        ['deliveries owed / received', ...three((p) => `${int(p.expected)} / ${int(p.received)}`)],
        ['misses / duplicates / unexpected / marked late', ...three((p) => `${p.misses} / ${p.duplicates} / ${p.unexpected} / ${p.late}`)],
        ['append → receipt, p50 / p99 (÷ interval)', ...three((p) => lat(p.latency))],
        ['append → receipt, min / p90 / max', ...three((p) => `${msf(p.latency.min)} / ${msf(p.latency.p90)} / ${msf(p.latency.max)}`)],
        ["the first of a filter's subscribers to get a record, p50 / p99", ...three((p) => lat(p.firstLatency))],
        ["last − first receipt of a record among a filter's subscribers, p50 / p99", ...three((p) => `${msf(p.spread.p50)} / ${msf(p.spread.p99)}`)],
        ['the append call itself (the emulator answering), p50 / p99', ...three((p) => `${msf(p.appendMs.p50)} / ${msf(p.appendMs.p99)}`)],
      ],
    },
    {
      head: [`where the CPU went, in cores of ${r.ten.window.load.cores}`, ...windowHead],
      rows: [
        ['the whole machine (/proc/stat)', ...three((p) => p.window.load.machineCores.toFixed(2))],
        ["the server's process", ...three((p) => p.window.load.serverCores.toFixed(2))],
        ["… its event loop busy; its delay p99 / max", ...three((p) => `${pct(p.window.load.serverLoop)}; ${msf(p.window.load.serverLag.p99)} / ${msf(p.window.load.serverLag.max)}`)],
        ["the benchmark's process (the clients' thread, the emulators' thread)", ...three((p) => p.window.load.benchCores.toFixed(2))],
        ["… the clients' thread's event loop busy", ...three((p) => pct(p.window.load.mainLoop))],
        ['other processes on the machine', ...three((p) => p.window.load.otherCores.toFixed(2))],
      ],
    },
    {
      head: ['source', 'calls / interval (10 / all / 10 again)', 'all / tens', 'mean call (10 / all / 10 again)', 'reads the cache answered / interval'],
      rows: SOURCE_KEYS.map((key) => {
        const name = r.sourceNames[key];
        const rate = (p: PhaseResult) => p.window.calls.bySource[key] / p.window.intervals;
        const tens = (rate(r.ten) + rate(r.tenAgain)) / 2;
        const mean = (p: PhaseResult) => (p.window.counted.meanCallMs[name] === undefined ? 'n/a' : msf(p.window.counted.meanCallMs[name]!));
        const cached = (p: PhaseResult) => ((p.window.counted.cache[`${name} hit`] ?? 0) + (p.window.counted.cache[`${name} shared`] ?? 0)) / p.window.intervals;
        return [
          `${SOURCE_LABELS[key]} (\`${name}\`)`,
          three((p) => rate(p).toFixed(1)).join(' / '),
          tens > 0 ? ratio(rate(r.all) / tens) : 'n/a',
          three(mean).join(' / '),
          three((p) => cached(p).toFixed(1)).join(' / '),
        ];
      }),
    },
    {
      head: ['filter', 'pollers', 'records matching (10 / all / 10 again)', 'deliveries owed / received', 'misses / duplicates / unexpected'],
      rows: r.filters.map((f) => [f.label, String(f.pollers), `${f.records.A} / ${f.records.B} / ${f.records.C}`, `${int(f.expected)} / ${int(f.received)}`, `${f.misses} / ${f.duplicates} / ${f.unexpected}`]),
    },
    {
      head: ['server process, after a full GC', 'RSS', 'V8 heap used', 'old space', 'code space', 'large objects', 'external'],
      rows: [
        ['at rest, nobody subscribed', r.memory.rest],
        ['10 subscribers, after their window', r.memory.ten],
        [`${many}, after their window`, r.memory.all],
        ['10 subscribers again, after their window', r.memory.tenAgain],
        [`after all left and the pollers stopped`, r.memory.left],
      ]
        .map(([label, m]) => {
          const p = m as MemoryPoint;
          return [label as string, mib(p.rss), mib(p.heapUsed), mib(p.oldSpace), mib(p.codeSpace), mib(p.largeObjectSpace), mib(p.external)];
        })
        .concat([[`${many}: highest RSS, sampled every 0.5 s through their window (no GC)`, mib(r.memory.peakRssAll), '', '', '', '', '']]),
    },
  ];

  const joined = o.subscribers - 10;
  const half = r.join.trace.find(([, n]) => n >= 10 + joined / 2)?.[0] ?? Number.NaN;
  const pollApis = new Set([...Object.keys(r.ten.window.counted.byApi), ...Object.keys(r.tenAgain.window.counted.byApi)]);
  const otherApis = Object.entries(r.join.counted.byApi).filter(([api]) => !pollApis.has(api));
  const tensRate = (perInterval(r.ten.window) + perInterval(r.tenAgain.window)) / 2;
  const owed = phases.reduce((n, p) => n + p.expected, 0);
  const sum = (key: 'misses' | 'duplicates' | 'unexpected' | 'late') => phases.reduce((n, p) => n + p[key], 0);
  const perPoller = (p: PhaseResult) => readsPerInterval(p.window) / p.window.pollers;
  const tensOf = (value: (p: PhaseResult) => number) => (value(r.ten) + value(r.tenAgain)) / 2;
  const perJoiner = (value: (m: MemoryPoint) => number) => (value(r.memory.all) - (value(r.memory.ten) + value(r.memory.tenAgain)) / 2) / joined;
  const deliveriesPerSecond = r.all.expected / (r.all.window.ms / 1000);
  const cpuPerDelivery = ((r.all.window.load.serverCores - tensOf((p) => p.window.load.serverCores)) * 1000) / deliveriesPerSecond;
  // Sources whose polls the cache answers more often than not.
  const cachedSources = SOURCE_KEYS.filter((key) => {
    const name = r.sourceNames[key];
    const cached = (r.all.window.counted.cache[`${name} hit`] ?? 0) + (r.all.window.counted.cache[`${name} shared`] ?? 0);
    return cached > r.all.window.calls.bySource[key];
  });
  const notes: string[] = [
    (Math.abs(r.callRatio - 1) <= 0.05
      ? `**Pollers are shared**: ${many} cost the upstream ${perInterval(r.all.window).toFixed(1)} calls per interval, against ${perInterval(r.ten.window).toFixed(1)} and ${perInterval(r.tenAgain.window).toFixed(1)} for 10 before and after (${ratio(r.callRatio)}), with the same ${r.all.window.pollers} pollers, one per (stream, filter). `
      : `**Calls per interval differ**: ${perInterval(r.all.window).toFixed(1)} with ${many} against ${perInterval(r.ten.window).toFixed(1)} and ${perInterval(r.tenAgain.window).toFixed(1)} with 10 (${ratio(r.callRatio)}), though the pollers are the same ${r.all.window.pollers}, one per (stream, filter). `) +
      `A poller waits its interval after a poll ends, so it reads interval / (interval + poll) times per interval: ${perPoller(r.ten).toFixed(2)}, ${perPoller(r.all).toFixed(2)} and ${perPoller(r.tenAgain).toFixed(2)} reads per poller here, with a mean upstream call of ${msf(r.ten.window.counted.meanCallMsAll)}, ${msf(r.all.window.counted.meanCallMsAll)} and ${msf(r.tenAgain.window.counted.meanCallMsAll)}. ` +
      (perPoller(r.all) < tensOf(perPoller) * 0.99 ? 'What the big window lacks comes from slower polls, not from more of them: ' : 'The deliveries slow the polls little: ') +
      `the call's time, as the server measures it, includes its own event loop's delay, which the deliveries raise (its loop busy ${pct(r.ten.window.load.serverLoop)}, ${pct(r.all.window.load.serverLoop)} and ${pct(r.tenAgain.window.load.serverLoop)}; delay p99 ${msf(r.ten.window.load.serverLag.p99)}, ${msf(r.all.window.load.serverLag.p99)} and ${msf(r.tenAgain.window.load.serverLag.p99)}).`,
    ...(cachedSources.length
      ? [
          `Calls per poller are fewer than reads because ${cachedSources.map((key) => SOURCE_LABELS[key]).join(' and ')} send the same request at every poll (no time window upstream), which the source's cross-request cache answers (\`cacheTtlSeconds\`: 5 s by default, 60 s for CSMS): a tail of those sources sees a new record only once the cached answer expires, up to that TTL after the interval (not measured here: every record appended here is ModelArts's or HSS's, whose polls read a window that moves and always call).`,
        ]
      : []),
    `${sum('misses') + sum('duplicates') + sum('unexpected') === 0 ? 'Every subscriber received every record its filter matched while it was subscribed exactly once, and nothing else' : '**Deliveries went wrong**'}: ${int(owed)} deliveries owed, ${sum('misses')} missed, ${sum('duplicates')} duplicated, ${sum('unexpected')} unexpected, ${sum('late')} marked late; ${r.notices.length} notices, ${r.errors.length} subscription errors, ${r.dropped} items dropped for slow clients.`,
    `The server's process spent ${(r.all.window.load.serverCores - tensOf((p) => p.window.load.serverCores)).toFixed(2)} cores more with ${many} than with ten (the tens' mean), delivering ${deliveriesPerSecond.toFixed(0)} events a second: about ${cpuPerDelivery.toFixed(2)} ms of CPU per delivery (the subscription's document executed, its cursor signed, the message written). ` +
      `With the ${int(joined)} joiners in, its heap held ${mib(perJoiner((m) => m.heapUsed) * joined)} more than the mean of the two windows of ten (${(perJoiner((m) => m.heapUsed) / 1024).toFixed(1)} KiB per subscription, their ${o.connections - 1} connections included). ` +
      `Between the two windows of ten the heap changed by ${mib(r.memory.tenAgain.heapUsed - r.memory.ten.heapUsed)}, and after everyone left it held ${mib(r.memory.left.heapUsed - r.memory.rest.heapUsed)} more than at rest.`,
    `Latency is the wait for the next poll of the record's stream (uniform over a poll period, ${msf(I)} ± 10 % plus the poll itself), the ${STAMP_AHEAD_MS} ms the record is stamped ahead, the upstream call, and the delivery: p50 ${rel(r.ten.latency.p50, I)}, ${rel(r.all.latency.p50, I)} and ${rel(r.tenAgain.latency.p50, I)} of the interval, where an idle machine would give about 0.5× + ${STAMP_AHEAD_MS} ms + one call. ` +
      `The delivery to a filter's ${int(o.subscribers / 10)} subscribers spreads over ${msf(r.all.spread.p50)} (p50; p99 ${msf(r.all.spread.p99)}).`,
    `Joining: the other ${int(joined)} subscribers were all in the hub ${(r.join.ms / 1000).toFixed(1)} s after the first was sent (half of them after ${(half / 1000).toFixed(1)} s); the server spent ${(r.join.cpuMs / 1000).toFixed(1)} s of CPU meanwhile (${(r.join.cpuMs / joined).toFixed(1)} ms per subscription joined, the pollers' own work included). ` +
      `From the first join until an interval after the last (${(r.join.callsMs / 1000).toFixed(1)} s) the emulators saw ${r.join.calls.total} calls, ${(r.join.calls.total / (r.join.callsMs / I)).toFixed(1)} per interval against the tens' ${tensRate.toFixed(1)}; calls of APIs other than the polls' reads: ${otherApis.length ? otherApis.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'} (a joiner's streams are listed from the sources' cached lists).`,
    `Leaving: the ${int(joined)} joiners were out of the hub ${(r.partLeaveMs / 1000).toFixed(2)} s after their clients began to close; once the last ten left too, the subscriptions and all ${r.all.window.pollers} pollers were gone within ${(r.leave.ms / 1000).toFixed(2)} s, and the emulators saw ${r.leave.callsAfter} calls over the next two intervals.`,
  ];
  return {
    title: sectionTitle(o.subscribers),
    intro: [
      `Produced by \`${command}\` on ${r.date} (bench/tail.bench.ts, ${(r.durationMs / 1000).toFixed(1)} s; ${r.machine}; node ${r.node}). ` +
        `The server runs in a **child process of its own** (bench/tail.server.ts), so that its RSS and CPU are the server's alone: the ${int(o.subscribers)} graphql-ws clients run on the benchmark's main thread, the emulators in their worker thread, and the stack's idle cold and warm servers in the benchmark's process too. ` +
        `It has the demo sources over the stack's emulators (data as in "This run"), \`server.tail.intervalMs: ${I}\` (± 10 %), the default lookback (60 s) and buffers, metrics on, and ${r.settings.join(', ')}: ModelArts alone is called ${(r.ten.window.calls.bySource.modelarts / (r.ten.window.ms / 1000)).toFixed(0)} times a second here, against the Huawei default limit of 10 calls/s, and a governor would make the calls and the latency its own.`,
      `Ten filters (fourth table). First 10 subscribers, one per filter, on one connection, and a window of ${(o.windowMs / 1000).toFixed(0)} s; then the other ${int(o.subscribers - 10)} join (${int(o.subscribers / 10)} per filter: a subscription of each filter on each of ${o.connections - 1} more connections) and the same window; then they leave, the first ten stay, and the same window again, so that the big window is bracketed by two small ones. ` +
        `In each window a record is appended every ${o.appendEveryMs} ms through the emulators' control routes (three ModelArts services and the HSS log; outcomes, texts and services alternate, so each filter matches its own subset and the last none), stamped ${STAMP_AHEAD_MS} ms ahead. ` +
        'Upstream calls are counted at the emulators (their request logs) and by the server (`eventgraph_upstream_calls_total`) over each window; latency runs from sending the append to a client receiving the event, over every (record, subscriber) owed.',
    ],
    tables,
    notes,
  };
}

const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : 'n/a');

function renderTables(s: TailSection, markdown: boolean): string[] {
  const out: string[] = [];
  const escape = (text: string) => (markdown ? text.replace(/\|/g, '\\|') : text);
  for (const t of s.tables) {
    if (markdown) {
      out.push(`| ${t.head.map(escape).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
      for (const row of t.rows) out.push(`| ${row.map(escape).join(' | ')} |`);
    } else {
      const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
      const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
      out.push(line(t.head), widths.map((w) => '-'.repeat(w)).join('  '));
      for (const row of t.rows) out.push(line(row));
    }
    out.push('');
  }
  return out;
}

export function renderTailConsole(r: TailBenchResult, command = 'npx tsx bench/tail.bench.ts'): string {
  const s = section(r, command);
  return ['', s.title, '-'.repeat(s.title.length), ...renderTables(s, false), ...s.notes, ''].join('\n');
}

export function renderTailMarkdown(r: TailBenchResult, command: string): string {
  const s = section(r, command);
  const out = [`## ${s.title}`, ''];
  for (const paragraph of s.intro) out.push(paragraph, '');
  out.push(...renderTables(s, true));
  for (const note of s.notes) out.push(note);
  out.push('');
  return out.join('\n');
}

/**
 * BENCHMARKS.md with the live tail's section put in: in place of the one there, or before
 * `## Notes`, or at the end.
 */
export function withTailSection(markdown: string, sectionMarkdown: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`## ${TAIL_SECTION_PREFIX}`));
  const block = sectionMarkdown.replace(/\n+$/, '').split('\n');
  if (start >= 0) {
    let end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    if (end < 0) end = lines.length;
    return [...lines.slice(0, start), ...block, '', ...lines.slice(end)].join('\n');
  }
  const notes = lines.findIndex((line) => line === '## Notes');
  if (notes >= 0) return [...lines.slice(0, notes), ...block, '', ...lines.slice(notes)].join('\n');
  return [...lines, '', ...block, ''].join('\n');
}

// ---------------------------------------------------------------------------------------
// `npx tsx bench/tail.bench.ts`: this benchmark alone, its section put in BENCHMARKS.md.

const STANDALONE_COMMAND = 'npx tsx bench/tail.bench.ts';

async function standalone(): Promise<void> {
  const smoke = process.env.BENCH_SMOKE === '1';
  // The stack of `npm run bench` (bench/run.ts), with its data.
  const stack = await startBenchStack({ scale: 2, seed: 1, now: Date.UTC(2026, 0, 1) });
  try {
    console.error(`live tail: ${smoke ? 'smoke run' : 'full run'}`);
    const result = await benchTail(stack, tailBenchOptions(smoke));
    console.log(renderTailConsole(result, STANDALONE_COMMAND));
    const raw = `${os.tmpdir()}/eventgraph-tail-bench.json`;
    await writeFile(raw, JSON.stringify(result, null, 2));
    console.error(`raw figures: ${raw}`);
    if (smoke) console.error('smoke run: BENCHMARKS.md left as it was');
    else {
      const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
      await writeFile(file, withTailSection(await readFile(file, 'utf8'), renderTailMarkdown(result, STANDALONE_COMMAND)));
      console.error(`wrote the live tail's section of ${file}`);
    }
  } finally {
    await stack.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  standalone().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
