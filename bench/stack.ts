import http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { Config } from '../src/config/config.schema.js';
import { demoConfig } from '../src/demo/demo.config.js';
import type { RequestCounts, RequestLogEntry } from '../src/emulators/common/request.log.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import type { DemoSourceDocument } from '../src/vendors/vendor-module.js';
import { builtInVendors, VENDORS, type BuiltInVendor } from '../src/vendors/vendors.js';
import type { EmulatorsClose, EmulatorsReady, EmulatorsWorkerData } from './emulators.worker.js';

/**
 * The real server against the real emulators over loopback HTTP, with the demo
 * configuration (all five vendors) and the production HTTP policy (retries, the default
 * concurrency per source) rather than the tests' `retries: 0`.
 *
 * The emulators run in a worker thread of their own (bench/emulators.worker.ts), with their
 * own event loop, so the thread that runs the servers runs eventgraph alone, as in production
 * where the vendors are remote. This thread reads their request logs and sets their latency
 * over their HTTP control routes (`/__emulator/...`), between timed requests.
 *
 * Two servers share the emulators. `cold` has every cross-request cache switched off that
 * the configuration lets us switch off, so that a repeated request really goes upstream:
 * fan-out, deep pages and call counts are about upstream round trips, and a cache hit
 * would time nothing. `warm` runs the configuration as shipped, for the throughput figure.
 */

/** The five vendor emulators, in the order the tables list them. */
export type SourceKey = BuiltInVendor['emulator']['starter']['key'];
export const SOURCE_KEYS: readonly SourceKey[] = VENDORS.map((module) => module.emulator.starter.key);

export const SOURCE_LABELS = Object.fromEntries(VENDORS.map((module) => [module.emulator.starter.key, module.label])) as Record<SourceKey, string>;

type SourceConfig = Config['sources'][number];

const vendors = builtInVendors();

export interface BenchServer {
  server: RunningServer;
  /** One POST to /graphql, timed from sending to the parsed body. Throws on any GraphQL error. */
  query<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>>;
}

export interface BenchStack {
  /** Base URL of each vendor emulator (in the emulators' worker thread). */
  emulatorUrls: Record<SourceKey, string>;
  /** Demo mode's source documents over these emulators, for servers a benchmark starts itself. */
  demoSources: DemoSourceDocument[];
  cold: BenchServer;
  warm: BenchServer;
  /** What was done to the configuration for `cold`, in words, for the report. */
  coldSettings: string[];
  /** Source names as configured, by emulator. */
  sourceNames: Record<SourceKey, string>;
  /** Upstream requests the emulators received since the last `resetCalls()`. */
  calls(): Promise<UpstreamCalls>;
  /** The emulators' request logs since the last reset (each keeps its last 1000). */
  log(): Promise<Record<SourceKey, RequestLogEntry[]>>;
  resetCalls(): Promise<void>;
  /**
   * Waits until the emulators have seen no request for `quietMs`: after a load ends, the
   * server still finishes the GraphQL requests it had accepted, and their upstream calls
   * must not land in the next benchmark's counts.
   */
  settle(quietMs?: number): Promise<void>;
  /** Added by every vendor emulator to every API request. */
  setLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface Timed<T> {
  ms: number;
  /** Date.now() when the request was sent, to line it up with the emulators' logs. */
  sentAt: number;
  data: T;
  /** The body as it came over the wire. */
  bytes: number;
}

export interface UpstreamCalls {
  total: number;
  bySource: Record<SourceKey, number>;
  /** ModelArts `GET /v1/{project}/services`, the list each request reads before the event calls. */
  modelartsServiceList: number;
}

export interface BenchStackOptions {
  scale: number;
  seed: number;
  /** Anchor of the generated data; fixed so that every run reads the same bytes. */
  now: number;
}

const SERVICE_LIST = /^\/v1\/[^/]+\/services$/;

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const emulators = await startEmulatorsWorker({ scale: options.scale, seed: options.seed, now: options.now });
  const { urls } = emulators.ready;
  const emulatorUrls = urls as Record<SourceKey, string>;
  // Its own sockets, so that control requests never share a connection pool with the
  // server's upstream calls (which go through the global fetch dispatcher).
  const agent = new http.Agent({ keepAlive: true });
  const control = (key: SourceKey, method: string, path: string, body?: unknown) =>
    controlRequest(agent, `${emulatorUrls[key]}/__emulator${path}`, method, body);
  const counts = async (): Promise<Record<SourceKey, RequestCounts>> => {
    const answers = await Promise.all(SOURCE_KEYS.map((key) => control(key, 'GET', '/requests')));
    return Object.fromEntries(SOURCE_KEYS.map((key, i) => [key, JSON.parse(answers[i]!) as RequestCounts])) as Record<
      SourceKey,
      RequestCounts
    >;
  };
  const started: BenchServer[] = [];
  try {
    const shipped = demoConfig(vendors, emulators.ready.sources, 0).sources;
    const keyOfKind = new Map(VENDORS.map((module) => [module.configKind as string, module.emulator.starter.key]));
    const sourceNames = Object.fromEntries(shipped.map((s) => [keyOfKind.get((s as { kind: string }).kind), (s as { name: string }).name])) as Record<SourceKey, string>;
    const { sources: coldSources, settings: coldSettings } = withoutCrossRequestCaches(shipped);

    const cold = await benchServer(coldSources);
    started.push(cold);
    const warm = await benchServer(shipped);
    started.push(warm);

    return {
      emulatorUrls,
      demoSources: emulators.ready.sources,
      cold,
      warm,
      coldSettings,
      sourceNames,
      async calls() {
        const now = await counts();
        const bySource = {} as Record<SourceKey, number>;
        let total = 0;
        for (const key of SOURCE_KEYS) {
          bySource[key] = now[key].total;
          total += bySource[key];
        }
        const modelartsServiceList = Object.entries(now.modelarts.byPath)
          .filter(([path]) => SERVICE_LIST.test(path))
          .reduce((n, [, count]) => n + count, 0);
        return { total, bySource, modelartsServiceList };
      },
      async log() {
        const now = await counts();
        const out = {} as Record<SourceKey, RequestLogEntry[]>;
        for (const key of SOURCE_KEYS) out[key] = now[key].recent;
        return out;
      },
      async resetCalls() {
        await Promise.all(SOURCE_KEYS.map((key) => control(key, 'DELETE', '/requests')));
      },
      async settle(quietMs = 300) {
        const deadline = performance.now() + 30_000;
        const seen = async () => {
          const now = await counts();
          return SOURCE_KEYS.reduce((n, key) => n + now[key].total, 0);
        };
        let last = await seen();
        while (performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, quietMs));
          const now = await seen();
          if (now === last) return;
          last = now;
        }
        throw new Error('the emulators did not go quiet within 30 s');
      },
      async setLatency(ms) {
        await Promise.all(SOURCE_KEYS.map((key) => control(key, 'PUT', '/knobs', { latencyMs: ms })));
      },
      async close() {
        try {
          await cold.server.stop();
          await warm.server.stop();
        } finally {
          agent.destroy();
          await emulators.close();
        }
      },
    };
  } catch (error) {
    for (const server of started) await server.server.stop().catch(() => undefined);
    agent.destroy();
    await emulators.close();
    throw error;
  }
}

interface EmulatorsWorker {
  ready: EmulatorsReady;
  /** Stops the emulators and waits for the thread to end; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts bench/emulators.worker.ts in a worker thread. tsx does not carry its loader into
 * worker threads on Node 20 (their entry file fails with ERR_UNKNOWN_FILE_EXTENSION), so the
 * worker runs a two-line JavaScript entry that registers tsx's ESM loader in that thread
 * (`tsx/esm/api`, resolved here) and then imports the TypeScript file.
 */
async function startEmulatorsWorker(data: EmulatorsWorkerData): Promise<EmulatorsWorker> {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./emulators.worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: data });

  let exited = false;
  const exit = new Promise<number>((resolve) =>
    worker.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const ready = await new Promise<EmulatorsReady>((resolve, reject) => {
    worker.once('message', (message: EmulatorsReady) => {
      worker.off('error', reject);
      resolve(message);
    });
    worker.once('error', reject);
    void exit.then((code) => reject(new Error(`the emulators' worker thread ended (exit code ${code}) before they listened`)));
  });
  // After start-up an error ends the thread; the next request to an emulator then fails
  // and names the benchmark it broke. Say why here.
  worker.on('error', (error) => console.error("the emulators' worker thread failed:", error));

  let closing: Promise<void> | undefined;
  return {
    ready,
    close() {
      closing ??= (async () => {
        if (exited) return;
        worker.postMessage({ type: 'close' } satisfies EmulatorsClose);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 10_000, 'timeout').unref());
        if ((await Promise.race([exit, timeout])) === 'timeout') await worker.terminate();
      })();
      return closing;
    },
  };
}

/** One request to an emulator's control routes; the answer's body, or an error for any status but 200 and 204. */
function controlRequest(agent: http.Agent, url: string, method: string, body?: unknown): Promise<string> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise<string>((resolve, reject) => {
    const request = http.request(
      url,
      { method, agent, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200 || response.statusCode === 204) resolve(text);
          else reject(new Error(`${method} ${url}: ${response.statusCode} ${text.slice(0, 300)}`));
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * The demo sources with their cross-request caches off. The CSMS source keeps a copy of its
 * one-call answer for `cacheTtlSeconds`; a general upstream cache, where the configuration
 * offers one, has its own switch. Both are looked up in the source's configuration as
 * parsed, so the benchmark follows the schema instead of guessing it.
 */
function withoutCrossRequestCaches(sources: SourceConfig[]): { sources: SourceConfig[]; settings: string[] } {
  const settings = new Set<string>();
  const cold = sources.map((source) => {
    const copy = structuredClone(source) as SourceConfig & Record<string, unknown>;
    // The governors pace calls to the vendors' quotas; the cold server measures the server.
    const http = copy.http as { rateLimit?: object; circuitBreaker?: object };
    copy.http = { ...http, rateLimit: { ...http.rateLimit, perSecond: 0 }, circuitBreaker: { ...http.circuitBreaker, failures: 0 } } as typeof copy.http;
    settings.add('governors off');
    if ('cacheTtlSeconds' in copy) {
      copy.cacheTtlSeconds = 0;
      settings.add(`${source.kind}: cacheTtlSeconds 0`);
    }
    const cache = (copy as { cache?: unknown }).cache;
    if (cache && typeof cache === 'object') {
      const switched = { ...(cache as Record<string, unknown>) };
      if ('enabled' in switched) switched.enabled = false;
      if ('ttlSeconds' in switched) switched.ttlSeconds = 0;
      if ('ttlMs' in switched) switched.ttlMs = 0;
      (copy as { cache?: unknown }).cache = switched;
      settings.add(`cache ${JSON.stringify(switched)}`);
    }
    return copy;
  });
  return { sources: cold, settings: [...settings] };
}

async function benchServer(sources: SourceConfig[]): Promise<BenchServer> {
  const server = await startServer({ vendors, port: 0, host: '127.0.0.1', cursorSecret: 'benchmark-cursor-secret-0123456789' });
  server.setSources(vendors.createSources({ sources }));
  return {
    server,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>> {
      const sentAt = Date.now();
      const started = performance.now();
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as { data?: T; errors?: Array<{ message: string }> };
      const ms = performance.now() - started;
      // A figure measured over an error page would be meaningless (and flattering).
      if (response.status !== 200 || body.errors?.length || body.data == null) {
        throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
      }
      return { ms, sentAt, data: body.data, bytes: Buffer.byteLength(text) };
    },
  };
}
