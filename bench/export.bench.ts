import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseCsv } from 'csv-parse';
import { buildSchema, print } from 'graphql';
import { demoConfig } from '../src/demo/demo.config.js';
import { ExportShape } from '../src/graphql/export/export-shape.js';
import type { ExportSummary } from '../src/server/export/export-summary.js';
import { DEFAULT_LIMITS, startServer, type RunningServer } from '../src/server/server.js';
import type { DemoSourceDocument } from '../src/vendors/vendor-module.js';
import { builtInVendors } from '../src/vendors/vendors.js';
import { profileWhile, type CpuProfileSummary } from './profile.js';
import { startBenchStack, type BenchStack } from './stack.js';
import { median, mib, percentile, ratio } from './stats.js';

/**
 * The export routes against walking `events` as a client would, in one run, on one server
 * over one set of emulators, for the same filter and range:
 *
 * - **NDJSON**: `GET /export.ndjson`, the stream read to its end, every line parsed; the
 *   last line is the summary, which must say `complete` and count the events received;
 * - **CSV**: `GET /export.csv`, read through csv-parse (a cell may hold a newline, so lines
 *   are not records); the first record is the header; the summary is in the trailer;
 * - **walk**: `events(first: 500, order: ASC)` over POST /graphql, `after` = the last
 *   `endCursor`, until `hasNextPage` is false. It sends the export's own document
 *   (ExportShape: every common field, `raw`, and every vendor type's fields), so that both
 *   sides resolve and carry the same fields and differ only in how the pages travel.
 *
 * Each round runs the three in turn (NDJSON, CSV, walk), for `rounds` rounds, so that drift
 * on a shared machine lands on all three alike. Every run must give the same events in the
 * same order as the first NDJSON export, or the benchmark fails.
 *
 * A second scenario, **with upstream latency**, runs NDJSON and the walk again with every
 * emulator answer held `latency.ms` (the emulators' `latencyMs` knob, `stack.setLatency`, as
 * the fan-out benchmark does), over the last `latency.days` days of the range: what the
 * export's read-ahead (page N+1 read while page N is written) gains once upstream answers
 * take time, against the walk, which asks for each page once it has parsed the one before.
 *
 * **The server runs in a child process of its own** (this file, forked with `--server`), so
 * that its RSS and CPU are its own: the client and the emulators' worker thread stay in the
 * benchmark's process. Its sources have every cross-request cache off (as the stack's cold
 * server), so that each run reads every upstream page again and no run is served from what
 * the previous one left: all runs are cold alike. The governors are off too: they pace calls
 * to the vendors' quotas, and a walk of a hundred pages would measure the pacing.
 */

/** The server's flag in the forked process's argv. */
const SERVER_FLAG = '--export-bench-server';
const PAGE_SIZE = 500;
/**
 * `limits.maxExportCost` of the server. The default (20,000 upstream calls) covers the whole
 * range at the scale measured here (about 9,000 calls); an export that stops on its budget
 * fails the benchmark, which then says to raise this rather than follow the cursor.
 */
const MAX_EXPORT_COST = DEFAULT_LIMITS.maxExportCost;
const CURSOR_SECRET = 'benchmark-cursor-secret-0123456789';

export interface ExportBenchOptions {
  /** The emulators' `scale`: demo scale 1 is about 12k events over the five vendors. */
  scale: number;
  seed: number;
  /** Anchor of the generated data; every event is before it. */
  anchor: number;
  /** Rounds of NDJSON, CSV, walk. */
  rounds: number;
  /** Events each format reads once before the rounds (untimed): JIT, read plans, sockets. */
  warmupEvents: number;
  /** Events of the profiled NDJSON export and walk (untimed, after the rounds). */
  profileEvents: number;
  /** The second scenario: NDJSON vs walk, every upstream answer held `ms`, over the last `days` days up to the anchor. */
  latency: { ms: number; days: number; rounds: number; warmupEvents: number };
}

/** The options of `npm run bench` and of `npx tsx bench/export.bench.ts`, full or smoke. */
export function exportBenchOptions(smoke: boolean): ExportBenchOptions {
  const data = { seed: 1, anchor: Date.UTC(2026, 0, 1) };
  return smoke
    ? { ...data, scale: 1, rounds: 1, warmupEvents: 500, profileEvents: 1_000, latency: { ms: 25, days: 28, rounds: 1, warmupEvents: 500 } }
    : // Scale 4 is about 49k events: at some 2,000 events/s on two cores, nine runs and the
      // rest fit in about three minutes. Its last 28 days are about 12.8k events (26 pages),
      // which six runs with 25 ms upstream latency read in about a minute.
      { ...data, scale: 4, rounds: 3, warmupEvents: 2_000, profileEvents: 5_000, latency: { ms: 25, days: 28, rounds: 3, warmupEvents: 1_000 } };
}

type Variant = 'ndjson' | 'csv' | 'walk';
const VARIANTS: readonly Variant[] = ['ndjson', 'csv', 'walk'];
/** The variants of the scenario with upstream latency. */
const LATENCY_VARIANTS: readonly Variant[] = ['ndjson', 'walk'];
const VARIANT_LABELS: Record<Variant, string> = {
  ndjson: 'GET /export.ndjson',
  csv: 'GET /export.csv',
  walk: `walk of events(first: ${PAGE_SIZE})`,
};

/** One timed run of one variant. */
export interface Run {
  variant: Variant;
  round: number;
  ms: number;
  events: number;
  /** The response bodies as they came over the wire. */
  bytes: number;
  /** HTTP requests the client sent: 1 for an export, a page each for the walk. */
  requests: number;
  /** Pages the server read: the walk's requests; an export's events / page size, rounded up. */
  pages: number;
  /** The walk's pages one by one, each from sending to the parsed body; empty for an export. */
  pageMs: number[];
  /** Upstream calls as the server reported them (the summary's, or `sources.upstreamCalls` summed). */
  reportedCalls: number;
  /** Upstream calls the emulators received. */
  emulatorCalls: number;
  /** CPU time of the server's process over the run (user + system; GC and libuv threads included). */
  serverCpuMs: number;
  /** Share of the run the server's event loop (its one JavaScript thread) was busy. */
  serverLoopBusy: number;
  /** CPU time of the benchmark's process: the client's thread, and the emulators' worker thread. */
  benchCpuMs: number;
  /** The server's RSS after a full GC right before the run, and the highest sampled during it. */
  rssBefore: number;
  rssPeak: number;
  /** The server's V8 heap after a full GC right before and right after the run: what the run left behind. */
  heapBefore: number;
  heapAfter: number;
}

/** A variant's runs in one: the median of each figure, but the highest RSS of all. */
export type VariantFigures = Pick<
  Run,
  'ms' | 'bytes' | 'requests' | 'pages' | 'reportedCalls' | 'emulatorCalls' | 'serverCpuMs' | 'serverLoopBusy' | 'benchCpuMs' | 'rssBefore' | 'rssPeak' | 'heapBefore' | 'heapAfter'
> & { eventsPerSecond: { median: number; min: number; max: number } };

export interface ProfileFigures {
  variant: Variant;
  events: number;
  ms: number;
  profile: CpuProfileSummary;
}

export interface ExportBenchResult {
  options: ExportBenchOptions;
  date: string;
  machine: string;
  node: string;
  durationMs: number;
  /** What the server's sources were changed to, in words. */
  settings: string[];
  maxExportCost: number;
  /** The filter and range, as the export's query string. */
  queryString: string;
  events: number;
  /** Events per source, from the first NDJSON export's summary. */
  eventsBySource: Array<{ name: string; events: number }>;
  /** The server's RSS after a full GC, started and idle. */
  restRss: number;
  runs: Run[];
  figures: Record<Variant, VariantFigures>;
  /** Median events/s of each export over the walk's. */
  ndjsonOverWalk: number;
  csvOverWalk: number;
  /** Every page of every walk: p50 and p90. */
  walkPageMs: { p50: number; p90: number };
  profiles: ProfileFigures[];
  /** The scenario with upstream latency: NDJSON and the walk only. */
  latency: LatencyScenarioResult;
}

export interface LatencyScenarioResult {
  /** Held by every emulator before every answer. */
  latencyMs: number;
  days: number;
  rounds: number;
  warmupEvents: number;
  durationMs: number;
  queryString: string;
  events: number;
  runs: Run[];
  figures: Partial<Record<Variant, VariantFigures>>;
  ndjsonOverWalk: number;
  walkPageMs: { p50: number; p90: number };
}

/** The export's filter and range: every source, every event up to the anchor (all the generated data), or its last `days` days. */
function exportFilter(options: ExportBenchOptions, days?: number): Record<string, string> {
  const until = new Date(options.anchor).toISOString();
  return days === undefined ? { until } : { since: new Date(options.anchor - days * 86_400_000).toISOString(), until };
}

export async function benchExport(options: ExportBenchOptions): Promise<ExportBenchResult> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const stack = await startBenchStack({ scale: options.scale, seed: options.seed, now: options.anchor });
  try {
    const server = await startExportServerProcess(stack.demoSources);
    try {
      return await measure(stack, server, options, { started, loadBefore });
    } finally {
      await server.stop();
    }
  } finally {
    await stack.close();
  }
}

async function measure(
  stack: BenchStack,
  server: ExportServerProcess,
  options: ExportBenchOptions,
  run: { started: number; loadBefore: number[] },
): Promise<ExportBenchResult> {
  const filter = exportFilter(options);
  const clients = exportClients(server.ready.url, filter);
  const restRss = (await server.probe({ gc: true, resetPeak: true })).rss;
  const { runs, reference } = await runRounds(stack, server, clients, { ...options, variants: VARIANTS, label: 'export' });

  log(`export: profiles of an NDJSON export and a walk of ${options.profileEvents} events (untimed)`);
  const profiles: ProfileFigures[] = [];
  for (const variant of ['ndjson', 'walk'] as const) {
    const { value, profile } = await server.profile(variant, () => clients[variant](options.profileEvents));
    profiles.push({ variant, events: value.ids.length, ms: value.ms, profile });
  }

  // The same server and emulators, every emulator answer held `latency.ms`; NDJSON and the walk only.
  const latencyStarted = performance.now();
  const latencyFilter = exportFilter(options, options.latency.days);
  await stack.setLatency(options.latency.ms);
  const latencyRounds = await runRounds(stack, server, exportClients(server.ready.url, latencyFilter), {
    ...options.latency,
    variants: LATENCY_VARIANTS,
    label: `export, ${options.latency.ms} ms upstream latency`,
  }).finally(() => stack.setLatency(0));
  const latencySummary = summariseRuns(latencyRounds.runs, LATENCY_VARIANTS);

  const { figures, walkPageMs } = summariseRuns(runs, VARIANTS) as { figures: Record<Variant, VariantFigures>; walkPageMs: { p50: number; p90: number } };
  return {
    options,
    date: new Date().toISOString(),
    machine: machineLine(run.loadBefore),
    node: process.version,
    durationMs: performance.now() - run.started,
    settings: server.ready.settings,
    maxExportCost: MAX_EXPORT_COST,
    queryString: new URLSearchParams({ ...filter, order: 'ASC' }).toString(),
    events: reference.ids.length,
    eventsBySource: reference.summary.sources.map((source) => ({ name: source.name, events: source.events })),
    restRss,
    runs,
    figures,
    ndjsonOverWalk: figures.ndjson.eventsPerSecond.median / figures.walk.eventsPerSecond.median,
    csvOverWalk: figures.csv.eventsPerSecond.median / figures.walk.eventsPerSecond.median,
    walkPageMs,
    profiles,
    latency: {
      latencyMs: options.latency.ms,
      days: options.latency.days,
      rounds: options.latency.rounds,
      warmupEvents: options.latency.warmupEvents,
      durationMs: performance.now() - latencyStarted,
      queryString: new URLSearchParams({ ...latencyFilter, order: 'ASC' }).toString(),
      events: latencyRounds.reference.ids.length,
      runs: latencyRounds.runs,
      ...latencySummary,
      ndjsonOverWalk: latencySummary.figures.ndjson!.eventsPerSecond.median / latencySummary.figures.walk!.eventsPerSecond.median,
    },
  };
}

/**
 * A warm-up of `warmupEvents` each way, then `rounds` rounds of the variants in turn. Every
 * run must give the events of the first one, the NDJSON export (the reference).
 */
async function runRounds(
  stack: BenchStack,
  server: ExportServerProcess,
  clients: Record<Variant, Client>,
  scenario: { rounds: number; warmupEvents: number; variants: readonly Variant[]; label: string },
): Promise<{ runs: Run[]; reference: { ids: string[]; summary: ExportSummary } }> {
  // The read plan (`server.adaptiveReads`) learns each stream's share of a page from the
  // last read of the same query, and the JIT the code: both settle before anything is timed.
  log(`${scenario.label}: warm-up, ${scenario.warmupEvents} events each way`);
  for (const variant of scenario.variants) await clients[variant](scenario.warmupEvents);
  // Upstream calls a warm-up left in flight must not land in the first run's count.
  await stack.settle();

  const runs: Run[] = [];
  let reference: { ids: string[]; summary: ExportSummary } | undefined;
  for (let round = 1; round <= scenario.rounds; round++) {
    for (const variant of scenario.variants) {
      const measured = await timedRun(stack, server, () => clients[variant]());
      if (!reference) {
        if (variant !== 'ndjson' || !measured.outcome.summary) throw new Error('the first run is the NDJSON export, the reference');
        reference = { ids: measured.outcome.ids, summary: measured.outcome.summary };
      }
      assertSameEvents(reference.ids, measured.outcome.ids, `${scenario.label}: round ${round}, ${VARIANT_LABELS[variant]}`);
      runs.push({ ...measured.figures, variant, round });
      log(`${scenario.label}: round ${round}/${scenario.rounds}, ${variant}: ${measured.outcome.ids.length} events in ${(measured.figures.ms / 1000).toFixed(1)} s`);
    }
  }
  if (!reference) throw new Error('no round ran');
  return { runs, reference };
}

/** Each variant's figures over its runs, and every page of every walk: p50 and p90. */
function summariseRuns(runs: Run[], variants: readonly Variant[]) {
  const walkPages = runs.filter((r) => r.variant === 'walk').flatMap((r) => r.pageMs).sort((a, b) => a - b);
  return {
    figures: Object.fromEntries(variants.map((variant) => [variant, variantFigures(runs.filter((r) => r.variant === variant))])) as Partial<Record<Variant, VariantFigures>>,
    walkPageMs: { p50: percentile(walkPages, 50), p90: percentile(walkPages, 90) },
  };
}

// ---------------------------------------------------------------------------------------
// One run: its time, and what the server, the emulators and this process spent on it.

/** What a client gives back: the events in order, and what it cost as the server said. */
interface ClientOutcome {
  ms: number;
  ids: string[];
  bytes: number;
  requests: number;
  pageMs: number[];
  reportedCalls: number;
  /** An export's summary; undefined for the walk. */
  summary?: ExportSummary;
}

async function timedRun(
  stack: BenchStack,
  server: ExportServerProcess,
  client: () => Promise<ClientOutcome>,
): Promise<{ outcome: ClientOutcome; figures: Omit<Run, 'variant' | 'round'> }> {
  await stack.resetCalls();
  // Every run starts from a collected heap, so that one run's garbage is not the next one's peak.
  const before = await server.probe({ gc: true, resetPeak: true });
  const benchCpu = process.cpuUsage();
  const outcome = await client();
  const benchCpuMs = cpuMs(process.cpuUsage(benchCpu));
  // CPU and the loop first, so that the GC that measures the heap is not charged to the run.
  const after = await server.probe({ gc: false, resetPeak: false });
  const heapAfter = (await server.probe({ gc: true, resetPeak: false })).heapUsed;
  const calls = await stack.calls();
  return {
    outcome,
    figures: {
      ms: outcome.ms,
      events: outcome.ids.length,
      bytes: outcome.bytes,
      requests: outcome.requests,
      pages: outcome.summary ? Math.ceil(outcome.ids.length / PAGE_SIZE) : outcome.requests,
      pageMs: outcome.pageMs,
      reportedCalls: outcome.reportedCalls,
      emulatorCalls: calls.total,
      serverCpuMs: (after.cpuUser + after.cpuSystem - before.cpuUser - before.cpuSystem) / 1000,
      serverLoopBusy: (after.loopActiveMs - before.loopActiveMs) / (after.loopActiveMs + after.loopIdleMs - before.loopActiveMs - before.loopIdleMs),
      benchCpuMs,
      rssBefore: before.rss,
      rssPeak: Math.max(after.peakRss, before.rss),
      heapBefore: before.heapUsed,
      heapAfter,
    },
  };
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** The walk must give the very events of the export, in its order: anything else is a bug, and the figures would compare two different things. */
function assertSameEvents(expected: readonly string[], actual: readonly string[], what: string): void {
  const differs = expected.findIndex((id, i) => actual[i] !== id);
  if (actual.length === expected.length && differs < 0) return;
  const at = differs < 0 ? Math.min(actual.length, expected.length) : differs;
  throw new Error(
    `${what}: ${actual.length} events, the first NDJSON export ${expected.length}; first difference at #${at}: ${JSON.stringify(actual[at])} where the export had ${JSON.stringify(expected[at])}`,
  );
}

function variantFigures(runs: Run[]): VariantFigures {
  const rates = runs.map((r) => r.events / (r.ms / 1000));
  const mid = <K extends keyof Run>(key: K) => median(runs.map((r) => r[key] as number));
  return {
    eventsPerSecond: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
    ms: mid('ms'),
    bytes: mid('bytes'),
    requests: mid('requests'),
    pages: mid('pages'),
    reportedCalls: mid('reportedCalls'),
    emulatorCalls: mid('emulatorCalls'),
    serverCpuMs: mid('serverCpuMs'),
    serverLoopBusy: mid('serverLoopBusy'),
    benchCpuMs: mid('benchCpuMs'),
    rssBefore: mid('rssBefore'),
    rssPeak: Math.max(...runs.map((r) => r.rssPeak)),
    heapBefore: mid('heapBefore'),
    heapAfter: mid('heapAfter'),
  };
}

// ---------------------------------------------------------------------------------------
// The three clients. Each reads everything it is sent and parses it, as a consumer would.

type Client = (limit?: number) => Promise<ClientOutcome>;

function exportClients(graphqlUrl: string, filter: Record<string, string>): Record<Variant, Client> {
  const exportUrl = (format: 'ndjson' | 'csv', limit?: number) => {
    const url = new URL(`/export.${format}`, graphqlUrl);
    for (const [name, value] of Object.entries({ ...filter, order: 'ASC', ...(limit ? { limit: String(limit) } : {}) })) url.searchParams.set(name, value);
    return url;
  };
  const document = exportDocument();
  return {
    ndjson: (limit) => readNdjsonExport(exportUrl('ndjson', limit), limit),
    csv: (limit) => readCsvExport(exportUrl('csv', limit), limit),
    walk: (limit) => walkEvents(graphqlUrl, document, filter, limit),
  };
}

/** GET, and the response once its headers are in; anything but 200 fails the benchmark. */
function get(url: URL): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      if (res.statusCode === 200) return resolve(res);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => reject(new Error(`GET ${url.pathname}${url.search}: ${res.statusCode} ${body.slice(0, 500)}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One line a row, parsed; the last line is the summary, and nothing may follow it. */
async function readNdjsonExport(url: URL, limit?: number): Promise<ClientOutcome> {
  const started = performance.now();
  const res = await get(url);
  const decoder = new StringDecoder('utf8');
  const ids: string[] = [];
  let summary: ExportSummary | undefined;
  let bytes = 0;
  let rest = '';
  const line = (text: string) => {
    if (summary) throw new Error(`${url.pathname}: a line after the summary line`);
    const value = JSON.parse(text) as { id?: string; exportSummary?: ExportSummary };
    if (value.exportSummary) summary = value.exportSummary;
    else if (typeof value.id === 'string') ids.push(value.id);
    else throw new Error(`${url.pathname}: a line that is neither an event nor the summary: ${text.slice(0, 200)}`);
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) line(text.slice(start, end));
    rest = text.slice(start);
  }
  if (rest + decoder.end() !== '') throw new Error(`${url.pathname}: the body does not end with a newline`);
  const ms = performance.now() - started;
  if (!summary) throw new Error(`${url.pathname}: no summary line`);
  assertCompleteExport(summary, ids.length, limit, url);
  return { ms, ids, bytes, requests: 1, pageMs: [], reportedCalls: summary.upstreamCalls, summary };
}

/** Records through csv-parse; the first is the header, whose first column is `id`; the summary comes in a trailer. */
async function readCsvExport(url: URL, limit?: number): Promise<ClientOutcome> {
  const started = performance.now();
  const res = await get(url);
  let bytes = 0;
  res.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const ids: string[] = [];
  let header: string[] | undefined;
  for await (const record of res.pipe(parseCsv()) as AsyncIterable<string[]>) {
    if (header) ids.push(record[0]!);
    else header = record;
  }
  const ms = performance.now() - started;
  if (header?.[0] !== 'id') throw new Error(`${url.pathname}: the header does not begin with id: ${JSON.stringify(header?.slice(0, 5))}`);
  const trailer = res.trailers['eventgraph-summary'];
  if (!trailer) throw new Error(`${url.pathname}: no summary trailer (${JSON.stringify(res.trailers)})`);
  const summary = JSON.parse(trailer) as ExportSummary;
  assertCompleteExport(summary, ids.length, limit, url);
  return { ms, ids, bytes, requests: 1, pageMs: [], reportedCalls: summary.upstreamCalls, summary };
}

/** A timed export must be the whole range (an untimed one, the limit asked for), every source OK. */
function assertCompleteExport(summary: ExportSummary, received: number, limit: number | undefined, url: URL): void {
  const what = `${url.pathname}${url.search}`;
  if (summary.stopped === 'BUDGET') {
    throw new Error(`${what}: stopped on its budget after ${summary.events} events (${summary.upstreamCalls} upstream calls of ${summary.budget}): raise MAX_EXPORT_COST in bench/export.bench.ts`);
  }
  const whole = limit === undefined ? summary.complete && summary.stopped === 'END' : summary.complete || summary.stopped === 'LIMIT';
  if (!whole || summary.failed.length) throw new Error(`${what}: not complete: ${JSON.stringify(summary).slice(0, 1000)}`);
  if (summary.events !== received) throw new Error(`${what}: ${received} events received, the summary says ${summary.events}`);
}

/**
 * The export's own document (ExportShape over the emitted schema): the fields of every event
 * type and `raw`, with the page's `sources` and `pageInfo`. The walk then asks for exactly
 * what an export row holds.
 */
function exportDocument(): string {
  const sdl = readFileSync(fileURLToPath(new URL('../schema/schema.graphql', import.meta.url)), 'utf8');
  return print(new ExportShape(buildSchema(sdl), builtInVendors()).document);
}

interface WalkPage {
  events: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Array<{ source: { name: string }; status: string; upstreamCalls: number; error: { code: string; message: string } | null }>;
    edges: Array<{ node: { id: string } }>;
  };
}

/** `events(first: 500, order: ASC)` page after page, as a client exporting over GraphQL would. */
async function walkEvents(graphqlUrl: string, document: string, filter: Record<string, string>, limit?: number): Promise<ClientOutcome> {
  const started = performance.now();
  const ids: string[] = [];
  const pageMs: number[] = [];
  let bytes = 0;
  let reportedCalls = 0;
  let after: string | null = null;
  for (;;) {
    const first = limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, limit - ids.length);
    const page: { ms: number; bytes: number; data: WalkPage } = await postGraphql<WalkPage>(graphqlUrl, document, { first, after, filter, order: 'ASC' });
    pageMs.push(page.ms);
    bytes += page.bytes;
    const events = page.data.events;
    const failed = events.sources.filter((s) => s.status !== 'OK' && s.status !== 'SKIPPED');
    if (failed.length) throw new Error(`walk, page ${pageMs.length}: ${failed.map((s) => `${s.source.name} ${s.status} ${s.error?.message ?? ''}`).join('; ')}`);
    reportedCalls += events.sources.reduce((n, s) => n + s.upstreamCalls, 0);
    for (const edge of events.edges) ids.push(edge.node.id);
    if (!events.pageInfo.hasNextPage || (limit !== undefined && ids.length >= limit)) break;
    after = events.pageInfo.endCursor;
  }
  return { ms: performance.now() - started, ids, bytes, requests: pageMs.length, pageMs, reportedCalls };
}

/** One POST to /graphql, timed from sending to the parsed body. Throws on any GraphQL error. */
async function postGraphql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<{ ms: number; bytes: number; data: T }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = Buffer.from(await response.arrayBuffer());
  const parsed = JSON.parse(body.toString('utf8')) as { data?: T; errors?: Array<{ message: string }> };
  const ms = performance.now() - started;
  if (response.status !== 200 || parsed.errors?.length || parsed.data == null) {
    throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(parsed.errors ?? parsed).slice(0, 500)}`);
  }
  return { ms, bytes: body.length, data: parsed.data };
}

// ---------------------------------------------------------------------------------------
// The server's process: this file, forked with SERVER_FLAG. It speaks over IPC only, one
// answer per request, matched by id.

type ServerRequest =
  | { type: 'start'; id: number; sources: DemoSourceDocument[]; maxExportCost: number }
  | { type: 'probe'; id: number; gc: boolean; resetPeak: boolean }
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; label: string }
  | { type: 'stop'; id: number };

interface ServerReady {
  url: string;
  pid: number;
  settings: string[];
}

interface ServerProbe {
  rss: number;
  /** The highest RSS sampled since the last reset. */
  peakRss: number;
  heapUsed: number;
  /** process.cpuUsage(), µs since the process began. */
  cpuUser: number;
  cpuSystem: number;
  /** performance.eventLoopUtilization() since the process began: ms idle and active. */
  loopIdleMs: number;
  loopActiveMs: number;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type ServerAnswer = { type: 'answer'; id: number; value: unknown } | { type: 'failed'; id: number; message: string };

interface ExportServerProcess {
  ready: ServerReady;
  probe(options: { gc: boolean; resetPeak: boolean }): Promise<ServerProbe>;
  /** A CPU profile of the server's process while `during` runs. */
  profile<T>(label: string, during: () => Promise<T>): Promise<{ value: T; profile: CpuProfileSummary }>;
  stop(): Promise<void>;
}

/** Forks this file with tsx's loader and `--expose-gc`, and starts the server over the stack's emulators. */
async function startExportServerProcess(sources: DemoSourceDocument[]): Promise<ExportServerProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], {
    execArgv: [`--import=${import.meta.resolve('tsx')}`, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const { reject } of waiting.values()) reject(new Error('the export server process ended'));
    waiting.clear();
  });
  child.on('message', (message: ServerAnswer) => {
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.type === 'answer') pending?.resolve(message.value);
    else pending?.reject(new Error(`the export server failed: ${message.message}`));
  });
  const call = <T>(message: WithoutId<ServerRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...message, id });
    });

  try {
    const ready = await call<ServerReady>({ type: 'start', sources, maxExportCost: MAX_EXPORT_COST });
    let stopping: Promise<void> | undefined;
    return {
      ready,
      probe: (options) => call<ServerProbe>({ type: 'probe', ...options }),
      async profile(label, during) {
        await call({ type: 'profile-start' });
        const outcome = await during().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        // Stopped whatever happened: the answer carries the profile.
        const profile = await call<CpuProfileSummary>({ type: 'profile-stop', label });
        if ('error' in outcome) throw outcome.error;
        return { value: outcome.value, profile };
      },
      stop() {
        stopping ??= (async () => {
          if (child.exitCode !== null || !child.connected) return;
          const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 15_000, 'timeout').unref());
          const done = call({ type: 'stop' }).then(() => exited);
          if ((await Promise.race([done, timeout])) === 'timeout') child.kill('SIGKILL');
        })();
        return stopping;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** In the forked process: the server, its RSS sampler, its profiler. */
function serveInThisProcess(): void {
  const send = (answer: ServerAnswer) => process.send!(answer);
  let server: RunningServer | undefined;
  let profiling: { stop: () => void; result: Promise<CpuProfileSummary> } | undefined;

  // RSS is sampled every 20 ms, so that the peak of an export is seen between two probes.
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);

  const handle = async (message: ServerRequest): Promise<unknown> => {
    switch (message.type) {
      case 'start': {
        const vendors = builtInVendors();
        const { sources, settings } = crossRequestCachesOff(demoConfig(vendors, message.sources, 0).sources);
        server = await startServer({
          vendors,
          port: 0,
          host: '127.0.0.1',
          cursorSecret: CURSOR_SECRET,
          limits: { ...DEFAULT_LIMITS, maxExportCost: message.maxExportCost },
        });
        server.setSources(vendors.createSources({ sources }));
        return { url: server.url, pid: process.pid, settings } satisfies ServerReady;
      }
      case 'probe': {
        // The peak is the sampler's, and the sampler's alone: a GC here does not lower it.
        if (message.gc) (globalThis as { gc?: () => void }).gc!();
        const memory = process.memoryUsage();
        const cpu = process.cpuUsage();
        const loop = performance.eventLoopUtilization();
        const answer: ServerProbe = {
          rss: memory.rss,
          peakRss: Math.max(peakRss, memory.rss),
          heapUsed: memory.heapUsed,
          cpuUser: cpu.user,
          cpuSystem: cpu.system,
          loopIdleMs: loop.idle,
          loopActiveMs: loop.active,
        };
        if (message.resetPeak) peakRss = memory.rss;
        return answer;
      }
      case 'profile-start': {
        let stop!: () => void;
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        // Answered once the profiler runs (profileWhile calls its `during` then), so that the
        // benchmark's request after this answer is in the profile from its first byte.
        let running!: () => void;
        const started = new Promise<void>((resolve) => (running = resolve));
        const result = profileWhile(() => {
          running();
          return stopped;
        });
        profiling = { stop, result };
        await Promise.race([started, result]);
        return null;
      }
      case 'profile-stop': {
        if (!profiling) throw new Error('no profile running');
        profiling.stop();
        const result = await profiling.result;
        profiling = undefined;
        // profileWhile names the file after the process: one name per profile instead.
        const file = path.join(path.dirname(result.file), `eventgraph-export-bench-${message.label}.cpuprofile`);
        await rename(result.file, file);
        return { ...result, file };
      }
      case 'stop': {
        clearInterval(sampler);
        await server?.stop();
        setImmediate(() => process.disconnect());
        return null;
      }
    }
  };
  process.on('message', (message: ServerRequest) => {
    handle(message).then(
      (value) => send({ type: 'answer', id: message.id, value }),
      (error: unknown) => send({ type: 'failed', id: message.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  // The benchmark went away (crashed, or was stopped): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
}

type SourceConfig = ReturnType<typeof demoConfig>['sources'][number];

/**
 * The demo sources with every cross-request cache off (`cacheTtlSeconds: 0`), so that every
 * run reads every upstream page, and the governors off (the stack's cold server does the
 * same; bench/stack.ts).
 */
function crossRequestCachesOff(sources: SourceConfig[]): { sources: SourceConfig[]; settings: string[] } {
  const settings = new Set<string>(['governors off (`http.rateLimit.perSecond: 0`, `http.circuitBreaker.failures: 0`)']);
  const out = sources.map((source) => {
    const copy = structuredClone(source) as SourceConfig & { http: { rateLimit?: object; circuitBreaker?: object }; cacheTtlSeconds?: number };
    copy.http = { ...copy.http, rateLimit: { ...copy.http.rateLimit, perSecond: 0 }, circuitBreaker: { ...copy.http.circuitBreaker, failures: 0 } } as typeof copy.http;
    if ('cacheTtlSeconds' in copy) {
      copy.cacheTtlSeconds = 0;
      settings.add('`cacheTtlSeconds: 0` on every source');
    }
    return copy;
  });
  return { sources: out, settings: [...settings] };
}

// ---------------------------------------------------------------------------------------
// Report.

interface Table {
  head: string[];
  rows: string[][];
}

/** BENCHMARKS.md's section is found by this start of its title (see withExportSection). */
const EXPORT_SECTION_PREFIX = '12. Export';
const int = (value: number) => Math.round(value).toLocaleString('en');
const rate = (value: number) => (Number.isFinite(value) ? `${int(value)}/s` : 'n/a');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const msf = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'n/a');
const pct = (share: number) => `${(share * 100).toFixed(0)} %`;

/** The figures of a scenario's variants side by side. */
function figuresTable(figures: Partial<Record<Variant, VariantFigures>>, variants: readonly Variant[], events: number): Table {
  const cell = (value: (v: VariantFigures, variant: Variant) => string) => variants.map((variant) => value(figures[variant]!, variant));
  const walk = figures.walk!.eventsPerSecond.median;
  return {
    head: ['figure', ...variants.map((v) => VARIANT_LABELS[v])],
    rows: [
      ['events / second, median (min–max)', ...cell((v) => `**${rate(v.eventsPerSecond.median)}** (${rate(v.eventsPerSecond.min)}–${rate(v.eventsPerSecond.max)})`)],
      ['ratio to the walk (medians)', ...cell((v, variant) => (variant === 'walk' ? '' : ratio(v.eventsPerSecond.median / walk)))],
      ['time for all the events, median', ...cell((v) => seconds(v.ms))],
      ['received, median', ...cell((v) => mib(v.bytes))],
      ['HTTP requests / pages read by the server', ...cell((v) => `${v.requests} / ${v.pages}`)],
      ['time per page of 500 (time / pages)', ...cell((v) => msf(v.ms / v.pages))],
      ['upstream calls: at the emulators / as the server reported', ...cell((v) => `${int(v.emulatorCalls)} / ${int(v.reportedCalls)}`)],
      ["the server's process: CPU, median (÷ time: cores)", ...cell((v) => `${seconds(v.serverCpuMs)} (${(v.serverCpuMs / v.ms).toFixed(2)})`)],
      ["… per 1,000 events", ...cell((v) => msf((v.serverCpuMs / events) * 1000))],
      ["the server's event loop busy, median", ...cell((v) => pct(v.serverLoopBusy))],
      ["the benchmark's process (client, emulators' thread): CPU, median", ...cell((v) => seconds(v.benchCpuMs))],
      ["the server's RSS: after a GC before the run (median) → highest during (all rounds)", ...cell((v) => `${mib(v.rssBefore)} → ${mib(v.rssPeak)}`)],
      ["the server's V8 heap used, after a GC: before → after the run (medians)", ...cell((v) => `${mib(v.heapBefore)} → ${mib(v.heapAfter)}`)],
    ],
  };
}

/** Round by round: each variant's events/s, each export's over the walk's. */
function roundsTable(runs: Run[], rounds: number, variants: readonly Variant[]): Table {
  const exports = variants.filter((v) => v !== 'walk');
  return {
    head: ['round', ...variants.map((v) => `${VARIANT_LABELS[v]}, events/s`), ...exports.map((v) => `${v.toUpperCase()} / walk`), "the server's RSS before → highest during the NDJSON export"],
    rows: Array.from({ length: rounds }, (_, i) => {
      const runOf = (variant: Variant) => runs.find((run) => run.round === i + 1 && run.variant === variant)!;
      const eps = (variant: Variant) => runOf(variant).events / (runOf(variant).ms / 1000);
      const ndjson = runOf('ndjson');
      return [String(i + 1), ...variants.map((v) => rate(eps(v))), ...exports.map((v) => ratio(eps(v) / eps('walk'))), `${mib(ndjson.rssBefore)} → ${mib(ndjson.rssPeak)}`];
    }),
  };
}

function section(
  r: ExportBenchResult,
  command: string,
): { title: string; intro: string[]; tables: Table[]; notes: string[]; latency: { title: string; intro: string; tables: Table[]; notes: string[] } } {
  const f = r.figures;
  const l = r.latency;
  const tables: Table[] = [figuresTable(f, VARIANTS, r.events), roundsTable(r.runs, r.options.rounds, VARIANTS), profileTable(r.profiles)];
  const notes = [
    `Every run gave the same ${int(r.events)} events in the same order (ids compared with the first NDJSON export's); every export's summary said \`complete: true\`, \`stopped: END\`, no source failed, and its \`events\` equalled the rows received; no walk page reported a source other than OK.`,
    resultNote(r),
    whereTheTimeGoes(r),
    `The profiles' heaviest functions, self time: ${r.profiles
      .map((p) => `${profileLabel(p)}: ${ownFrames(p.profile).slice(0, 5).map((frame) => `\`${frame.name}\` (${frame.where}) ${pct(frame.share)}`).join(', ')}`)
      .join('; ')}. Profiles (inspector in the server's process, untimed runs after the rounds): ${r.profiles.map((p) => `\`${p.profile.file}\``).join(', ')}.`,
    `Memory: the server's RSS was ${mib(r.restRss)} idle after start-up; an NDJSON export of the whole range peaked at ${mib(f.ndjson.rssPeak)} (from ${mib(f.ndjson.rssBefore)} after a GC just before it, median), CSV at ${mib(f.csv.rssPeak)}, the walk at ${mib(f.walk.rssPeak)}; sampled every 20 ms in the server's own process. ` +
      `After a full GC the heap held ${mib(f.ndjson.heapAfter)} after an NDJSON export against ${mib(f.ndjson.heapBefore)} before it (medians)` +
      (f.ndjson.heapAfter - f.ndjson.heapBefore < 8 * 2 ** 20
        ? ': the peak is garbage between two collections (the pages\' upstream answers and rows), not what the export keeps.'
        : `: **the export left ${mib(f.ndjson.heapAfter - f.ndjson.heapBefore)} behind**.`),
  ];
  return {
    title: `${EXPORT_SECTION_PREFIX}: GET /export.ndjson and /export.csv vs walking events(first: ${PAGE_SIZE}), ${int(r.events)} events; with ${l.latencyMs} ms upstream latency, ${int(l.events)} events`,
    intro: [
      `Produced by \`${command}\` on ${r.date} (bench/export.bench.ts, ${seconds(r.durationMs)}; ${r.machine}; node ${r.node}). ` +
        `The emulators at \`scale: ${r.options.scale}\`, \`seed: ${r.options.seed}\`, anchor ${new Date(r.options.anchor).toISOString()}: ${int(r.events)} events in the range (${r.eventsBySource.map((s) => `${s.name} ${int(s.events)}`).join(', ')}). ` +
        `The server runs in a **child process of its own** (bench/export.bench.ts forks itself), so that its RSS and CPU are its own; the clients run on the benchmark's main thread and the emulators in their worker thread. ` +
        `Its sources are the demo sources with ${r.settings.join(' and ')}: **every run is cold**, reading every upstream page anew, so that no run is served from what the one before left. ` +
        `\`limits.maxExportCost\` ${int(r.maxExportCost)}${r.maxExportCost === DEFAULT_LIMITS.maxExportCost ? ' (the default: the whole range fits in it)' : ` (raised from the default ${int(DEFAULT_LIMITS.maxExportCost)}, which stopped the export with \`stopped: BUDGET\`)`}.`,
      `The same filter and range for all three: \`?${r.queryString}\` (every source, every event up to the anchor, oldest first). ` +
        `**NDJSON**: the stream read to its end, every line parsed. **CSV**: read through csv-parse, records counted (the first is the header), the summary from the \`Eventgraph-Summary\` trailer. ` +
        `**Walk**: \`events(first: ${PAGE_SIZE}, order: ASC)\` over POST /graphql, \`after\` = \`endCursor\` until \`hasNextPage\` is false, one request at a time, with the export's own document (every common field, \`raw\`, and every vendor type's fields through \`... on\`), so that both carry the same fields. ` +
        `${r.options.warmupEvents.toLocaleString('en')} events each way first, untimed (JIT, and the read plan of \`server.adaptiveReads\`); then ${r.options.rounds} rounds of NDJSON, CSV, walk in turn. Events per second = events / the time from sending the (first) request to the last byte parsed.`,
    ],
    tables,
    notes,
    latency: {
      title: `With upstream latency: ${l.latencyMs} ms on every upstream answer, GET /export.ndjson vs the walk, ${int(l.events)} events`,
      intro:
        `The same server and emulators after the runs above (${seconds(l.durationMs)}): every emulator holds every answer ${l.latencyMs} ms (their \`latencyMs\` knob, \`stack.setLatency\`, as in the fan-out benchmark), as remote vendors take tens of milliseconds to answer. ` +
        `The range is the last ${l.days} days up to the anchor, \`?${l.queryString}\`; the sources as above (every run cold). NDJSON and the walk only: ${l.warmupEvents.toLocaleString('en')} events each way first, untimed, then ${l.rounds} rounds of NDJSON, walk in turn.`,
      tables: [figuresTable(l.figures, LATENCY_VARIANTS, l.events), roundsTable(l.runs, l.rounds, LATENCY_VARIANTS)],
      notes: [latencyNote(r)],
    },
  };
}

/** What the upstream latency changes: the export's read-ahead against the walk's round trip per page. */
function latencyNote(r: ExportBenchResult): string {
  const l = r.latency;
  const ndjson = l.figures.ndjson!;
  const walk = l.figures.walk!;
  const perRound = Array.from({ length: l.rounds }, (_, i) => {
    const eps = (variant: Variant) => {
      const run = l.runs.find((x) => x.round === i + 1 && x.variant === variant)!;
      return run.events / run.ms;
    };
    return eps('ndjson') / eps('walk');
  }).sort((a, b) => a - b);
  const perPage = (v: VariantFigures) => v.ms / v.pages;
  const calls = l.runs.map((run) => run.emulatorCalls);
  const reportedAsReceived = l.runs.every((run) => run.reportedCalls === run.emulatorCalls);
  // The export's time a page that its server thread was not busy: waiting, upstream or on the client.
  const idlePerPage = ((1 - ndjson.serverLoopBusy) * ndjson.ms) / ndjson.pages;
  return (
    `With ${l.latencyMs} ms on every upstream answer the NDJSON export delivered ${rate(ndjson.eventsPerSecond.median)} against the walk's ${rate(walk.eventsPerSecond.median)} (**${ratio(l.ndjsonOverWalk)}**; round by round ${ratio(perRound[0]!)} to ${ratio(perRound.at(-1)!)}, against ${ratio(r.ndjsonOverWalk)} without latency), ${msf(perPage(ndjson))} a page against ${msf(perPage(walk))} (a walk page at the client: p50 ${msf(l.walkPageMs.p50)}, p90 ${msf(l.walkPageMs.p90)}), ` +
    (ndjson.emulatorCalls === walk.emulatorCalls
      ? `over the same upstream calls (${int(ndjson.emulatorCalls)} at the emulators, medians of both; ${int(Math.min(...calls))} to ${int(Math.max(...calls))} run by run, as the read plan follows the last read; about ${int(ndjson.emulatorCalls / ndjson.pages)} a page)`
      : `**over different upstream calls**: ${int(ndjson.emulatorCalls)} for the export and ${int(walk.emulatorCalls)} for the walk at the emulators (medians)`) +
    (reportedAsReceived ? ', each run reporting what the emulators received. ' : `, **the server's reports differing from the emulators' counts** (${int(ndjson.reportedCalls)} and ${int(walk.reportedCalls)} reported). `) +
    `The export reads page N+1 while page N is written to the client, so the next page's upstream reads overlap the client's receipt of the last one; the walk asks for page N+1 only once page N is parsed, so between two reads it pays an HTTP round trip and the server's execution and serialisation of the page. ` +
    (idlePerPage > 2 * l.latencyMs
      ? `But page N+1's read starts from page N's end cursor, so the reads themselves still follow one another, and each is a chain of upstream round trips that both pay in full (the export's server thread idle about ${msf(idlePerPage)} a page, ${(idlePerPage / l.latencyMs).toFixed(1)} answers of ${l.latencyMs} ms; its event loop busy ${pct(ndjson.serverLoopBusy)} of the export, ${pct(walk.serverLoopBusy)} of the walk): the export saves what the walk does between two reads, ${msf(perPage(walk) - perPage(ndjson))} a page here, not the upstream latency.`
      : `The export saved ${msf(perPage(walk) - perPage(ndjson))} a page (the server's event loop busy ${pct(ndjson.serverLoopBusy)} of the export, ${pct(walk.serverLoopBusy)} of the walk).`)
  );
}

/** The ratios, round by round, and whether the three read the same upstream pages. */
function resultNote(r: ExportBenchResult): string {
  const f = r.figures;
  const perRound = Array.from({ length: r.options.rounds }, (_, i) => {
    const eps = (variant: Variant) => {
      const run = r.runs.find((x) => x.round === i + 1 && x.variant === variant)!;
      return run.events / run.ms;
    };
    return eps('ndjson') / eps('walk');
  }).sort((a, b) => a - b);
  return (
    `The NDJSON export delivered ${rate(f.ndjson.eventsPerSecond.median)} against the walk's ${rate(f.walk.eventsPerSecond.median)} (**${ratio(r.ndjsonOverWalk)}**; round by round ${ratio(perRound[0]!)} to ${ratio(perRound.at(-1)!)}), CSV ${rate(f.csv.eventsPerSecond.median)} (${ratio(r.csvOverWalk)}). ` +
    `All three read the same pages with the same upstream calls (${VARIANTS.map((v) => int(f[v].emulatorCalls)).join(', ')} at the emulators, medians), so the difference is in how the pages travel.`
  );
}

/** Per page of 500: how busy the server's thread was, and what the profiles tell apart. */
function whereTheTimeGoes(r: ExportBenchResult): string {
  const { ndjson, walk } = r.figures;
  const perPage = (v: VariantFigures, ms: number) => msf(ms / v.pages);
  const profile = (variant: Variant) => r.profiles.find((p) => p.variant === variant);
  const share = (variant: Variant, ...areas: string[]) =>
    pct(areas.reduce((n, area) => n + (profile(variant)?.profile.areas.find((a) => a.area === area)?.share ?? 0), 0));
  const cpuDelta = walk.serverCpuMs - ndjson.serverCpuMs;
  // Above this the server's thread, not the waits, sets the pace.
  const saturated = Math.min(ndjson.serverLoopBusy, walk.serverLoopBusy) >= 0.75;
  const cpuPerPage = msf(((ndjson.serverCpuMs + walk.serverCpuMs) / 2) / ndjson.pages);
  return (
    `Where the time goes, per page of ${PAGE_SIZE}: the NDJSON export took ${perPage(ndjson, ndjson.ms)} and the walk ${perPage(walk, walk.ms)} (a walk page at the client: p50 ${msf(r.walkPageMs.p50)}, p90 ${msf(r.walkPageMs.p90)}); ` +
    `the server's event loop was busy ${pct(ndjson.serverLoopBusy)} and ${pct(walk.serverLoopBusy)} of it, and its process used ${perPage(ndjson, ndjson.serverCpuMs)} and ${perPage(walk, walk.serverCpuMs)} of CPU a page (GC and libuv threads included). ` +
    `The walk cannot overlap one page with the next (it asks for page N+1 once page N is parsed); when the server's thread is not busy it waits on the emulators (one worker thread, about ${int(ndjson.emulatorCalls / ndjson.pages)} upstream calls a page) or on the client` +
    (saturated
      ? `, and here those waits are the small part: the server's thread sets the pace, and what the export saves (an HTTP request, a GraphQL parse and validation, one response document per page) is small beside the ${cpuPerPage} of CPU a page of ${PAGE_SIZE} costs the server whichever way it travels (reading, validating and mapping the upstream answers, merging the timeline, executing the page's selection, GC). `
      : '. ') +
    (cpuDelta > 0
      ? `The walk costs the server ${seconds(cpuDelta)} more CPU for the same events: a GraphQL request per page, whose parse, validation and execution show as \`npm:graphql\` and \`npm:@apollo/server\` (${share('walk', 'npm:graphql', 'npm:@apollo/server')} of the walk's profile against ${share('ndjson', 'npm:graphql', 'npm:@apollo/server')} of the export's, which executes its page's document directly), and each page serialised as one JSON document; the export writes its rows one JSON.stringify at a time (\`src/server\`, ${share('ndjson', 'src/server')} of its profile).`
      : `The export costs the server ${seconds(-cpuDelta)} more CPU than the walk for the same events: \`src/server\`, where its rows are mapped and written one JSON.stringify at a time, is ${share('ndjson', 'src/server')} of its profile against ${share('walk', 'src/server')} of the walk's, while the walk's GraphQL request per page (\`npm:graphql\`, \`npm:@apollo/server\`) is ${share('walk', 'npm:graphql', 'npm:@apollo/server')} of the walk's profile against ${share('ndjson', 'npm:graphql', 'npm:@apollo/server')} of the export's.`)
  );
}

const profileLabel = (p: ProfileFigures) => `${p.variant === 'ndjson' ? 'NDJSON export' : 'walk'} of ${int(p.events)} events (${seconds(p.ms)})`;

/** Frames other than V8's pseudo-frames (idle, GC, program), which the areas already show. */
const ownFrames = (profile: CpuProfileSummary) => profile.topFrames.filter((frame) => frame.where !== 'V8');

/** The server's self time by area (a folder of src/, an npm package, Node, GC), the profiles side by side. */
function profileTable(profiles: ProfileFigures[]): Table {
  const top = new Set(profiles.flatMap((p) => p.profile.areas.slice(0, 10).map((a) => a.area)));
  const shareIn = (p: ProfileFigures, area: string) => p.profile.areas.find((a) => a.area === area)?.share ?? 0;
  const rows = [...top].sort((a, b) => shareIn(profiles[0]!, b) - shareIn(profiles[0]!, a));
  return {
    head: ["the server's CPU profile: self time by area", ...profiles.map(profileLabel)],
    rows: rows.map((area) => [`\`${area}\``, ...profiles.map((p) => pct(shareIn(p, area)))]),
  };
}

function machineLine(loadBefore: number[]): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()} ${os.arch()}; load average before ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}`;
}

function renderTables(tables: Table[], markdown: boolean): string[] {
  const out: string[] = [];
  const escape = (text: string) => (markdown ? text.replace(/\|/g, '\\|') : text.replace(/\*\*/g, ''));
  for (const t of tables) {
    if (markdown) {
      out.push(`| ${t.head.map(escape).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
      for (const row of t.rows) out.push(`| ${row.map(escape).join(' | ')} |`);
    } else {
      const rows = t.rows.map((row) => row.map(escape));
      const widths = t.head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      out.push(line(t.head), widths.map((w) => '-'.repeat(w)).join('  '));
      for (const row of rows) out.push(line(row));
    }
    out.push('');
  }
  return out;
}

export function renderExportConsole(r: ExportBenchResult, command = STANDALONE_COMMAND): string {
  const s = section(r, command);
  const l = s.latency;
  return ['', s.title, '-'.repeat(s.title.length), ...renderTables(s.tables, false), ...s.notes, '', l.title, '-'.repeat(l.title.length), ...renderTables(l.tables, false), ...l.notes, ''].join('\n');
}

export function renderExportMarkdown(r: ExportBenchResult, command: string): string {
  const s = section(r, command);
  const out = [`## ${s.title}`, ''];
  for (const paragraph of s.intro) out.push(paragraph, '');
  out.push(...renderTables(s.tables, true));
  for (const note of s.notes) out.push(note);
  out.push('', `### ${s.latency.title}`, '', s.latency.intro, '', ...renderTables(s.latency.tables, true), ...s.latency.notes, '');
  return out.join('\n');
}

/** BENCHMARKS.md with the export's section put in: in place of the one there, or before `## Notes`, or at the end. */
export function withExportSection(markdown: string, sectionMarkdown: string): string {
  const lines = markdown.split('\n');
  const block = sectionMarkdown.replace(/\n+$/, '').split('\n');
  const start = lines.findIndex((line) => line.startsWith(`## ${EXPORT_SECTION_PREFIX}`));
  if (start >= 0) {
    const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    const end = next < 0 ? lines.length : next;
    return [...lines.slice(0, start), ...block, '', ...lines.slice(end)].join('\n');
  }
  const notes = lines.indexOf('## Notes');
  if (notes >= 0) return [...lines.slice(0, notes), ...block, '', ...lines.slice(notes)].join('\n');
  return [...lines, '', ...block, ''].join('\n');
}

function log(message: string): void {
  console.error(message);
}

// ---------------------------------------------------------------------------------------
// `npx tsx bench/export.bench.ts`: this benchmark alone, its section put in BENCHMARKS.md.

const STANDALONE_COMMAND = 'npx tsx bench/export.bench.ts';

async function standalone(): Promise<void> {
  const smoke = process.env.BENCH_SMOKE === '1';
  const result = await benchExport(exportBenchOptions(smoke));
  console.log(renderExportConsole(result, STANDALONE_COMMAND));
  const raw = `${os.tmpdir()}/eventgraph-export-bench.json`;
  await writeFile(raw, JSON.stringify(result, null, 2));
  log(`raw figures: ${raw}`);
  if (smoke) log('smoke run: BENCHMARKS.md left as it was');
  else {
    const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
    await writeFile(file, withExportSection(await readFile(file, 'utf8'), renderExportMarkdown(result, STANDALONE_COMMAND)));
    log(`wrote the export's section of ${file}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes(SERVER_FLAG)) serveInThisProcess();
  else {
    standalone().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
