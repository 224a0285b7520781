import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { demoConfig } from '../src/demo/demo.config.js';
import { startServer, type RunningServer, type TailServerOptions } from '../src/server/server.js';
import type { DemoSourceDocument } from '../src/vendors/vendor-module.js';
import { builtInVendors } from '../src/vendors/vendors.js';

/**
 * The server of the live-tail benchmark (bench/tail.bench.ts), in a child process of its own:
 * its RSS is then the server's alone, not that of the benchmark's thousand clients, nor of
 * the emulators' worker thread and the idle cold and warm servers of the bench stack, which
 * share the benchmark's process. Started by `startTailServerProcess` there (node:child_process
 * `fork`, with tsx's loader and `--expose-gc`), never imported.
 *
 * It speaks over the IPC channel only: `start` (the demo sources over the stack's emulators,
 * the tail options) answered by `ready` (its URL); `probe` answered by the process's memory
 * and CPU time, after a full GC when asked; `stop`, after which the process ends.
 */

export interface TailServerStart {
  type: 'start';
  sources: DemoSourceDocument[];
  tail: TailServerOptions;
}

export interface TailServerProbe {
  type: 'probe';
  id: number;
  /** Run a full garbage collection first (the process has `--expose-gc`). */
  gc: boolean;
  /** Start the event-loop delay histogram afresh after reading it. */
  resetLag?: boolean;
}

export interface TailServerStop {
  type: 'stop';
}

export type TailServerRequest = TailServerStart | TailServerProbe | TailServerStop;

export interface TailServerReady {
  type: 'ready';
  url: string;
  metricsUrl: string;
  pid: number;
  /** What was changed in the demo configuration, in words. */
  settings: string[];
}

export interface TailServerProbeAnswer {
  type: 'probe';
  id: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8's heap spaces, used bytes by name (old_space, code_space, large_object_space...). */
  spaces: Record<string, number>;
  /** process.cpuUsage(), µs since the process began. */
  cpuUser: number;
  cpuSystem: number;
  /** performance.eventLoopUtilization() since the process began: ms idle and active. */
  loopIdleMs: number;
  loopActiveMs: number;
  /** Event-loop delay since the last reset, in ms: how late perf_hooks' 10 ms sampling timer fired. */
  lag: { p50: number; p99: number; max: number };
}

export type TailServerAnswer = TailServerReady | TailServerProbeAnswer | { type: 'stopped' } | { type: 'failed'; message: string };

const send = (message: TailServerAnswer) => process.send?.(message);
if (!process.send) throw new Error('bench/tail.server.ts runs as a child process with an IPC channel (see bench/tail.bench.ts)');

let server: RunningServer | undefined;
const LAG_RESOLUTION_MS = 10;
const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
lag.enable();

process.on('message', (message: TailServerRequest) => {
  void handle(message).catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
// The benchmark went away (crashed, or was stopped): nothing is left to serve.
process.on('disconnect', () => process.exit(0));

async function handle(message: TailServerRequest): Promise<void> {
  switch (message.type) {
    case 'start': {
      const vendors = builtInVendors();
      // As shipped, but for the governors: see `governorsOff`.
      const { sources, settings } = governorsOff(demoConfig(vendors, message.sources, 0).sources);
      server = await startServer({
        vendors,
        port: 0,
        host: '127.0.0.1',
        cursorSecret: 'benchmark-cursor-secret-0123456789',
        tail: message.tail,
        // The calls counter by source and API, and the tail's gauges, scraped by the benchmark.
        metrics: { enabled: true },
      });
      server.setSources(vendors.createSources({ sources }));
      send({ type: 'ready', url: server.url, metricsUrl: server.metricsUrl!, pid: process.pid, settings });
      return;
    }
    case 'probe': {
      if (message.gc) {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('no global gc(): start the process with --expose-gc');
        gc();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const loop = performance.eventLoopUtilization();
      // The histogram holds the sampling timer's intervals: what exceeds its 10 ms is the delay.
      const beyond = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
      const lagMs = { p50: beyond(lag.percentile(50)), p99: beyond(lag.percentile(99)), max: beyond(lag.max) };
      if (message.resetLag) lag.reset();
      send({
        type: 'probe',
        id: message.id,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size])),
        cpuUser: cpu.user,
        cpuSystem: cpu.system,
        loopIdleMs: loop.idle,
        loopActiveMs: loop.active,
        lag: lagMs,
      });
      return;
    }
    case 'stop': {
      await server?.stop();
      send({ type: 'stopped' });
      process.disconnect();
      return;
    }
  }
}

type SourceConfig = ReturnType<typeof demoConfig>['sources'][number];

/**
 * The demo sources with their rate limits off. Ten filters over ModelArts's services poll
 * each service ten times an interval: at a 1 s interval that is far above the Huawei
 * default of 10 calls/s, and the governor would pace the polls, so that the calls counted
 * and the latency would be the governor's. Caches, retries and circuit breakers stay as
 * shipped.
 */
function governorsOff(sources: SourceConfig[]): { sources: SourceConfig[]; settings: string[] } {
  const out = sources.map((source) => {
    const copy = structuredClone(source) as SourceConfig & { http: { rateLimit?: object } };
    copy.http = { ...copy.http, rateLimit: { ...copy.http.rateLimit, perSecond: 0 } } as typeof copy.http;
    return copy;
  });
  return { sources: out, settings: ['rate limits off (`http.rateLimit.perSecond: 0`)'] };
}
