import { demoConfig } from '../src/config/demo.config.js';
import type { SourceConfig } from '../src/config/config.schema.js';
import { startEmulators, type RequestLogEntry, type RunningEmulators } from '../src/emulators/emulators.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { createSources } from '../src/sources/source-registry.js';

/**
 * The real server against the real emulators over loopback HTTP, with the demo
 * configuration (all five vendors) and the production HTTP policy (retries, concurrency 8
 * per source) rather than the tests' `retries: 0`.
 *
 * Two servers share the emulators. `cold` has every cross-request cache switched off that
 * the configuration lets us switch off, so that a repeated request really goes upstream:
 * fan-out, deep pages and call counts are about upstream round trips, and a cache hit
 * would time nothing. `warm` runs the configuration as shipped, for the throughput figure.
 */

/** The five vendor emulators, in the order the tables list them. */
export const SOURCE_KEYS = ['tencentCcr', 'hss', 'csms', 'modelarts', 'bkrepo'] as const;
export type SourceKey = (typeof SOURCE_KEYS)[number];

export const SOURCE_LABELS: Record<SourceKey, string> = {
  tencentCcr: 'Tencent CCR',
  hss: 'Huawei HSS',
  csms: 'Huawei CSMS',
  modelarts: 'ModelArts',
  bkrepo: 'bk-repo',
};

export interface BenchServer {
  server: RunningServer;
  /** One POST to /graphql, timed from sending to the parsed body. Throws on any GraphQL error. */
  query<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>>;
}

export interface BenchStack {
  emulators: RunningEmulators;
  cold: BenchServer;
  warm: BenchServer;
  /** What was done to the configuration for `cold`, in words, for the report. */
  coldSettings: string[];
  /** Source names as configured, by emulator. */
  sourceNames: Record<SourceKey, string>;
  /** Upstream requests the emulators received since the last `resetCalls()`. */
  calls(): UpstreamCalls;
  /** The emulators' request logs since the last reset (each keeps its last 1000). */
  log(): Record<SourceKey, RequestLogEntry[]>;
  resetCalls(): void;
  /**
   * Waits until the emulators have seen no request for `quietMs`: after a load ends, the
   * server still finishes the GraphQL requests it had accepted, and their upstream calls
   * must not land in the next benchmark's counts.
   */
  settle(quietMs?: number): Promise<void>;
  /** Added by every vendor emulator to every API request. */
  setLatency(ms: number): void;
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
  const emulators = await startEmulators({ scale: options.scale, seed: options.seed, now: options.now });
  const handles = () => ({
    tencentCcr: emulators.tencentCcr,
    hss: emulators.hss,
    csms: emulators.csms,
    modelarts: emulators.modelarts,
    bkrepo: emulators.bkrepo,
  });
  try {
    const shipped = demoConfig(emulators, 0).sources;
    const byKind: Record<SourceConfig['kind'], SourceKey> = {
      'tencent-ccr': 'tencentCcr',
      'huawei-hss': 'hss',
      'huawei-csms': 'csms',
      'huawei-modelarts': 'modelarts',
      bkrepo: 'bkrepo',
    };
    const sourceNames = Object.fromEntries(shipped.map((s) => [byKind[s.kind], s.name])) as Record<SourceKey, string>;
    const { sources: coldSources, settings: coldSettings } = withoutCrossRequestCaches(shipped);

    const cold = await benchServer(coldSources);
    const warm = await benchServer(shipped);

    return {
      emulators,
      cold,
      warm,
      coldSettings,
      sourceNames,
      calls() {
        const bySource = {} as Record<SourceKey, number>;
        let total = 0;
        for (const key of SOURCE_KEYS) {
          bySource[key] = handles()[key].requests().total;
          total += bySource[key];
        }
        const modelartsServiceList = Object.entries(emulators.modelarts.requests().byPath)
          .filter(([path]) => SERVICE_LIST.test(path))
          .reduce((n, [, count]) => n + count, 0);
        return { total, bySource, modelartsServiceList };
      },
      log() {
        const out = {} as Record<SourceKey, RequestLogEntry[]>;
        for (const key of SOURCE_KEYS) out[key] = handles()[key].requests().recent;
        return out;
      },
      resetCalls() {
        for (const key of SOURCE_KEYS) handles()[key].resetRequests();
      },
      async settle(quietMs = 300) {
        const deadline = performance.now() + 30_000;
        const seen = () => SOURCE_KEYS.reduce((n, key) => n + handles()[key].requests().total, 0);
        let last = seen();
        while (performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, quietMs));
          const now = seen();
          if (now === last) return;
          last = now;
        }
        throw new Error('the emulators did not go quiet within 30 s');
      },
      setLatency(ms) {
        for (const key of SOURCE_KEYS) handles()[key].setKnobs({ latencyMs: ms });
      },
      async close() {
        await cold.server.stop();
        await warm.server.stop();
        await emulators.close();
      },
    };
  } catch (error) {
    await emulators.close();
    throw error;
  }
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
  const server = await startServer({ port: 0, host: '127.0.0.1', cursorSecret: 'benchmark-cursor-secret-0123456789' });
  server.setSources(createSources(sources));
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
