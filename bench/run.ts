/**
 * `npm run bench`: starts the real server against the five vendor emulators (which run in a
 * worker thread of their own, see bench/stack.ts), runs the benchmarks one after the other
 * (never concurrently, so one does not time the other), prints a table and rewrites
 * BENCHMARKS.md.
 *
 * `BENCH_SMOKE=1 npm run bench` runs every benchmark with tiny counts and writes nothing:
 * a check that the benchmark still runs, not a measurement.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAuth } from './auth.bench.js';
import { benchDashboard } from './dashboard.bench.js';
import { benchDeepPaging } from './deep.bench.js';
import { benchExport, exportBenchOptions, renderExportConsole, renderExportMarkdown, withExportSection } from './export.bench.js';
import { benchFanOut } from './fanout.bench.js';
import { benchHistogram } from './histogram.bench.js';
import { benchGovernor } from './governor.bench.js';
import { benchObservability } from './observability.bench.js';
import { benchConcurrentAtLimit, benchCostRefusal, startLimitsBenchServer, type LimitsBenchTarget } from './limits.bench.js';
import { renderConsole, renderMarkdown, type Results } from './report.js';
import { benchServiceField } from './service.bench.js';
import { startBenchStack } from './stack.js';
import { benchTail, renderTailConsole, renderTailMarkdown, tailBenchOptions, withTailSection } from './tail.bench.js';
import { benchThroughput } from './throughput.bench.js';

const SCALE = 2;
const SEED = 1;
// A fixed anchor in the past gives the same bytes on every run and keeps every generated
// event before the snapshot time the first page pins.
const ANCHOR = Date.UTC(2026, 0, 1);
const LATENCY_MS = 50;
const SMOKE = process.env.BENCH_SMOKE === '1';

const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

async function main(): Promise<void> {
  const started = performance.now();
  const stack = await startBenchStack({ scale: SCALE, seed: SEED, now: ANCHOR });
  try {
    const baselineRss = process.memoryUsage().rss;
    log(`stack up: five emulators at scale ${SCALE}; cold server ${stack.cold.server.url}, warm server ${stack.warm.server.url}`);
    const n = (full: number, smoke: number) => (SMOKE ? smoke : full);

    log(`1/12 fan-out: events(first: 50) over five vendors, +${LATENCY_MS} ms per upstream answer`);
    const fanOut = await benchFanOut(stack, { pageSize: 50, latencyMs: LATENCY_MS, warmup: n(50, 1), samples: n(30, 2) });

    log('2/12 deep pages: page 1 vs page 200');
    const deep = await benchDeepPaging(stack, {
      pageSize: 50,
      deepPage: n(200, 5),
      warmup: n(2, 1),
      samples: n(15, 2),
      latencyMs: LATENCY_MS,
      latencySamples: n(8, 1),
    });

    log('3/12 throughput, warm cache: eventgraph vs a bare Apollo Server');
    const throughput = await benchThroughput(stack, {
      connections: 8,
      durationS: n(5, 1),
      rounds: 2,
      warmupS: n(2, 1),
      aim: 0.5,
      profileS: n(4, 1),
    });

    log('4/12 upstream calls: one dashboard panel vs three aliased panels');
    const dashboard = await benchDashboard(stack, { pageSize: 50, warmup: 1, samples: n(6, 1) });

    log('5/12 counts over time: eventHistogram, 24 h in 48 buckets, cold and a warm refresh, vs walking events(first: 500)');
    const histogram = await benchHistogram(stack, { samples: n(7, 1), anchor: ANCHOR, buckets: 48, pageSize: 500 });

    log('6/12 DeploymentEvent.service on a page of 500');
    const service = await benchServiceField(stack, { pageSize: 500, warmup: n(3, 1), samples: n(20, 2) });

    log('7/12 authentication: warm throughput with an API key vs auth off');
    const auth = await benchAuth(stack, { connections: 8, durationS: n(5, 1), rounds: 2, warmupS: n(2, 1), sources: stack.demoSources });

    log('8/12 observability: warm throughput with logging and metrics on vs both off, one snapshot step per round');
    const observability = await benchObservability(stack, {
      connections: 8,
      rounds: n(12, 2),
      warmupS: n(2, 1),
      phaseMs: 1000,
      marginMs: 400,
      aim: 0.9,
      attributeRounds: n(4, 1),
      sources: stack.demoSources,
    });

    log('9/12 request limits: the 500-alias document, and six documents at once');
    const limitsServer = await startLimitsBenchServer(stack.demoSources);
    let limits: Results['limits'];
    try {
      const target: LimitsBenchTarget = { url: limitsServer.url, limits: limitsServer.limits, calls: stack.calls, resetCalls: stack.resetCalls };
      const refusal = await benchCostRefusal(target, { warmup: n(5, 1), samples: n(50, 3), distinct: true });
      const concurrent = await benchConcurrentAtLimit(target, { concurrency: 6, sampleEveryMs: 10 });
      limits = { refusal, concurrent };
    } finally {
      await limitsServer.stop();
    }

    log('10/12 vendor governors: 200 connections for 30 s, bk-repo answering 429');
    const governor = await benchGovernor(stack, { connections: 200, durationS: n(30, 2) });

    log('11/12 live tail: 1,000 subscribers over 10 filters, the server in a process of its own');
    const tail = await benchTail(stack, tailBenchOptions(SMOKE));

    // Emulators of its own at a larger scale (about 49k events) and the server in a process
    // of its own; this stack stays idle meanwhile.
    log('12/12 export: GET /export.ndjson and /export.csv vs walking events(first: 500), the server in a process of its own');
    const exported = await benchExport(exportBenchOptions(SMOKE));

    const cpu = os.cpus();
    const results: Results = {
      info: {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpu.length,
        cpuModel: cpu[0]?.model.trim() ?? 'unknown',
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        totalMemory: os.totalmem(),
        loadAverage: os.loadavg(),
        command: 'npm run bench',
        scale: SCALE,
        seed: SEED,
        anchor: new Date(ANCHOR).toISOString(),
        latencyMs: LATENCY_MS,
        coldSettings: stack.coldSettings,
        sourceNames: stack.sourceNames,
        events: deep.totalCount,
        baselineRss,
        durationMs: performance.now() - started,
      },
      fanOut,
      deep,
      throughput,
      dashboard,
      histogram,
      service,
      auth,
      observability,
      limits,
      governor,
    };

    console.log(renderConsole(results));
    console.log(renderTailConsole(tail, results.info.command));
    console.log(renderExportConsole(exported, results.info.command));
    if (SMOKE) log('\nsmoke run: BENCHMARKS.md left as it was');
    else {
      const markdown = withTailSection(renderMarkdown(results), renderTailMarkdown(tail, results.info.command));
      await writeFile(BENCHMARKS_MD, withExportSection(markdown, renderExportMarkdown(exported, results.info.command)));
      log(`\nwrote ${BENCHMARKS_MD}`);
    }
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
