/**
 * `npm run bench`: starts the real server against in-process emulators with a larger data
 * set, runs the benchmarks one after the other (never concurrently, so one does not time
 * the other), prints a table and rewrites BENCHMARKS.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderConsole, renderMarkdown, type Results } from './report.js';
import { benchServiceField } from './service.bench.js';
import { startBenchStack } from './stack.js';
import { benchThroughput } from './throughput.bench.js';
import { benchDeepPaging } from './timeline.bench.js';

const SCALE = 4;
const SEED = 1;
// A fixed anchor in the past gives the same bytes on every run and keeps every generated
// event before the snapshot time the first page pins.
const ANCHOR = Date.UTC(2026, 0, 1);

const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

async function main(): Promise<void> {
  const started = performance.now();
  const stack = await startBenchStack({ scale: SCALE, seed: SEED, now: ANCHOR });
  try {
    const baselineRss = process.memoryUsage().rss;
    const summaries = stack.emulators.modelarts.summaries();
    log(`stack up: ${summaries.length} services, ${summaries.reduce((n, s) => n + s.event_count, 0)} events; server ${stack.server.url}`);

    log('1/3 first page vs deep page');
    const deep = await benchDeepPaging(stack, {
      pageSize: 100,
      deepPage: 30,
      warmup: 5,
      samples: 40,
      upstreamLatencyMs: 20,
      latencySamples: 15,
    });

    log('2/3 DeploymentEvent.service on a page of 500');
    const service = await benchServiceField(stack, { pageSize: 500, warmup: 5, samples: 40 });

    log('3/3 throughput');
    const throughput = await benchThroughput(stack, {
      clients: 8,
      pageSize: 50,
      durationMs: 5_000,
      warmupMs: 1_000,
      sampleEveryMs: 50,
    });

    const cpu = os.cpus();
    const results: Results = {
      info: {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpu.length,
        cpuModel: cpu[0]?.model.trim() ?? 'unknown',
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        totalMemory: os.totalmem(),
        command: 'npm run bench',
        scale: SCALE,
        seed: SEED,
        anchor: new Date(ANCHOR).toISOString(),
        services: summaries.length,
        streams: deep.streams,
        emulatorEvents: summaries.reduce((n, s) => n + s.event_count, 0),
        events: deep.totalCount ?? Number.NaN,
        baselineRss,
        durationMs: performance.now() - started,
      },
      deep,
      service,
      throughput,
    };

    console.log(renderConsole(results));
    await writeFile(BENCHMARKS_MD, renderMarkdown(results));
    log(`\nwrote ${BENCHMARKS_MD}`);
  } finally {
    await stack.close();
  }
}

function log(message: string): void {
  console.error(message);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
