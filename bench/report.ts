import type { CallStats, VariantResult } from './alternate.js';
import { mib, ms, ratio, signedMib } from './stats.js';
import type { ServiceFieldResult } from './service.bench.js';
import type { ThroughputResult } from './throughput.bench.js';
import type { DeepPagingResult } from './timeline.bench.js';

export interface RunInfo {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  totalMemory: number;
  command: string;
  scale: number;
  seed: number;
  anchor: string;
  /** Services in the emulator, and how many the service list shows (one stream each). */
  services: number;
  streams: number;
  /** Events the emulator holds, and those the timeline shows (`totalCount`). */
  emulatorEvents: number;
  events: number;
  baselineRss: number;
  durationMs: number;
}

export interface Results {
  info: RunInfo;
  deep: DeepPagingResult;
  service: ServiceFieldResult;
  throughput: ThroughputResult;
}

interface Row {
  figure: string;
  value: string;
  meaning: string;
}

/** Calls per request: one number when it never varied, else mean and range. */
function calls(stats: CallStats): string {
  if (stats.min === stats.max) return String(stats.min);
  return `${stats.mean.toFixed(1)} (${stats.min}–${stats.max})`;
}

function range(values: number[]): string {
  const [min, max] = [Math.min(...values), Math.max(...values)];
  return min === max ? String(min) : `${min}–${max}`;
}

function sameCalls(a: VariantResult, b: VariantResult): boolean {
  return a.calls.total.min === a.calls.total.max && b.calls.total.min === b.calls.total.max && a.calls.total.min === b.calls.total.min;
}

export function rows(results: Results): Array<{ section: string; rows: Row[] }> {
  const { deep, service, throughput } = results;
  const d = deep.options;
  const deepRows: Row[] = [
    { figure: `first page, median / p95`, value: `${ms(deep.first.latency.median)} / ${ms(deep.first.latency.p95)}`, meaning: `events(first: ${d.pageSize}), no cursor; ${deep.first.latency.n} timed requests` },
    { figure: `page ${d.deepPage}, median / p95`, value: `${ms(deep.deep.latency.median)} / ${ms(deep.deep.latency.p95)}`, meaning: `events(first: ${d.pageSize}, after: <end cursor of page ${d.deepPage - 1}>), events ${deep.deepOffset + 1}–${deep.deepOffset + d.pageSize}; only this request timed` },
    { figure: `page ${d.deepPage} / first, median`, value: ratio(deep.deep.latency.median / deep.first.latency.median), meaning: '1.00× = a deep page costs what the first page costs' },
    { figure: `page ${d.deepPage} / first, p95`, value: ratio(deep.deep.latency.p95 / deep.first.latency.p95), meaning: 'the same for the tail' },
    { figure: 'upstream calls, first page', value: `${calls(deep.first.calls.total)} (${calls(deep.first.calls.serviceList)} list + ${calls(deep.first.calls.serviceEvents)} events)`, meaning: 'counted by the ModelArts emulator per request' },
    { figure: `upstream calls, page ${d.deepPage}`, value: `${calls(deep.deep.calls.total)} (${calls(deep.deep.calls.serviceList)} list + ${calls(deep.deep.calls.serviceEvents)} events)`, meaning: sameCalls(deep.first, deep.deep) ? 'identical to the first page: no re-reading from offset 0' : 'DIFFERS from the first page' },
    { figure: `upstream calls, pages 1–${d.deepPage} of the walk`, value: `${range(deep.walkCalls.map((c) => c.total))} per page`, meaning: 'every page of the cursor walk, not only the two timed ones' },
    { figure: 'reported `sources.upstreamCalls`', value: `${calls(deep.first.reportedCalls)} / ${calls(deep.deep.reportedCalls)}`, meaning: 'what the API itself reports (first / deep); should match the emulator' },
  ];
  if (deep.withLatency) {
    const slow = deep.withLatency;
    deepRows.push(
      { figure: `+${d.upstreamLatencyMs} ms upstream: first, median / p95`, value: `${ms(slow.first.latency.median)} / ${ms(slow.first.latency.p95)}`, meaning: `every emulator answer delayed by ${d.upstreamLatencyMs} ms, as a real cloud API would be; ${slow.first.latency.n} timed requests. Floor: the list, then ${deep.first.calls.serviceEvents.max} event calls 8 at a time = ${(1 + Math.ceil(deep.first.calls.serviceEvents.max / 8)) * d.upstreamLatencyMs} ms` },
      { figure: `+${d.upstreamLatencyMs} ms upstream: page ${d.deepPage}, median / p95`, value: `${ms(slow.deep.latency.median)} / ${ms(slow.deep.latency.p95)}`, meaning: 'the same deep cursor' },
      { figure: `+${d.upstreamLatencyMs} ms upstream: page ${d.deepPage} / first, median`, value: ratio(slow.deep.latency.median / slow.first.latency.median), meaning: 'when upstream round trips dominate, as in production' },
    );
  }

  const s = service.options;
  const serviceRows: Row[] = [
    { figure: 'without `service`, median / p95', value: `${ms(service.without.latency.median)} / ${ms(service.without.latency.p95)}`, meaning: `events(first: ${s.pageSize}) with DeploymentEvent { serviceId eventType }; ${service.without.latency.n} timed requests` },
    { figure: 'with `service`, median / p95', value: `${ms(service.with.latency.median)} / ${ms(service.with.latency.p95)}`, meaning: `the same plus service { serviceName status }, ${service.distinctServices} distinct services on the page` },
    { figure: 'with / without, median', value: ratio(service.with.latency.median / service.without.latency.median), meaning: 'the price of resolving `service` for 500 events' },
    { figure: 'with / without, p95', value: ratio(service.with.latency.p95 / service.without.latency.p95), meaning: 'the same for the tail' },
    { figure: 'service-list calls per request', value: `${calls(service.without.calls.serviceList)} without / ${calls(service.with.calls.serviceList)} with`, meaning: service.with.calls.serviceList.max === 1 ? 'exactly 1 with `service`: one DataLoader batch, shared with stream planning' : 'NOT 1: the service list is read more than once per request' },
    { figure: 'event calls per request', value: `${calls(service.without.calls.serviceEvents)} / ${calls(service.with.calls.serviceEvents)}`, meaning: 'one page per service stream either way' },
  ];

  const t = throughput.options;
  const mem = throughput.memory;
  const throughputRows: Row[] = [
    { figure: 'requests / second', value: throughput.requestsPerSecond.toFixed(1), meaning: `${t.clients} concurrent clients, events(first: ${t.pageSize}) first pages, ${(throughput.elapsedMs / 1000).toFixed(1)} s after a ${(t.warmupMs / 1000).toFixed(0)} s warm-up; ${throughput.requests} requests` },
    { figure: 'latency under load, median / p95', value: `${ms(throughput.latency.median)} / ${ms(throughput.latency.p95)}`, meaning: 'per request, seen by a client' },
    { figure: 'upstream calls / request', value: (throughput.upstream.total / throughput.requests).toFixed(1), meaning: `${throughput.upstream.total} emulator requests in the window (${throughput.upstream.serviceList} list, ${throughput.upstream.serviceEvents} events); all requests share the source's limit of 8 upstream calls in flight` },
    { figure: 'RSS before / peak / after', value: `${mib(mem.before.rss)} / ${mib(mem.peak.rss)} / ${mib(mem.after.rss)}`, meaning: `whole process (client, server and emulators with their data); sampled every ${t.sampleEveryMs} ms` },
    { figure: 'heap used before / peak / after', value: `${mib(mem.before.heapUsed)} / ${mib(mem.peak.heapUsed)} / ${mib(mem.after.heapUsed)}`, meaning: mem.collected ? 'V8 heap in use; before and after follow a full GC, the peak is sampled with garbage' : 'V8 heap in use; no GC could be forced, so before and after include uncollected garbage' },
    { figure: 'heap growth over the load', value: signedMib(mem.after.heapUsed - mem.before.heapUsed), meaning: `after − before${mem.collected ? ' (both after a full GC)' : ''}: what ${throughput.requests} requests left reachable` },
    { figure: 'RSS growth over the load', value: signedMib(mem.after.rss - mem.before.rss), meaning: 'after − before; moves with V8 and malloc keeping or returning pages, so the heap growth above is the leak check' },
  ];

  return [
    { section: `1. Deep pages vs the first page (events(first: ${d.pageSize}))`, rows: deepRows },
    { section: `2. DeploymentEvent.service on a page of ${s.pageSize}`, rows: serviceRows },
    { section: `3. Throughput and memory (${t.clients} clients)`, rows: throughputRows },
  ];
}

export function renderConsole(results: Results): string {
  const sections = rows(results);
  const all = sections.flatMap((section) => section.rows);
  const w1 = Math.max(...all.map((row) => row.figure.length));
  const w2 = Math.max(...all.map((row) => row.value.length));
  const lines: string[] = [];
  for (const section of sections) {
    lines.push('', section.section, '-'.repeat(section.section.length));
    for (const row of section.rows) lines.push(`${row.figure.padEnd(w1)}  ${row.value.padEnd(w2)}  ${row.meaning}`);
  }
  return lines.join('\n');
}

export function renderMarkdown(results: Results): string {
  const { info } = results;
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); edit the benchmark, not this file. -->',
    '',
    'Speed and memory of eventgraph are measured here, not in timed tests. The real server runs',
    'against the in-process emulators over loopback HTTP, with the production HTTP policy',
    '(AK/SK signing, zod validation of every answer, per-source concurrency 8). The machines',
    'these run on are noisy and shared, so each comparison is measured **in one run, interleaved',
    '(A B B A …)**, and the **ratios** are the figures to compare between runs; absolute',
    'milliseconds are for this machine on this day only.',
    '',
    '## This run',
    '',
    '| | |',
    '|---|---|',
    `| date | ${info.date} |`,
    `| command | \`${info.command}\` |`,
    `| node | ${info.node} |`,
    `| machine | ${info.cpus} × ${escape(info.cpuModel)}, ${(info.totalMemory / 1024 ** 3).toFixed(1)} GiB RAM, ${info.platform} |`,
    `| data | ModelArts emulator, \`scale: ${info.scale}\`, \`seed: ${info.seed}\`, anchor ${info.anchor}: ${info.services} services holding ${info.emulatorEvents.toLocaleString('en')} events; the service list shows the ${info.streams} in the default workspace (one stream each), ${info.events.toLocaleString('en')} events in the timeline (\`totalCount\`) |`,
    `| process RSS after start-up | ${mib(info.baselineRss)} (server, emulators and their data) |`,
    `| whole run | ${(info.durationMs / 1000).toFixed(1)} s |`,
    '',
  ];
  for (const section of rows(results)) {
    out.push(`## ${section.section}`, '', '| figure | value | what it means |', '|---|---|---|');
    for (const row of section.rows) out.push(`| ${escape(row.figure)} | ${escape(row.value)} | ${escape(row.meaning)} |`);
    out.push('');
  }
  out.push(
    '## How to read these',
    '',
    '- **Deep pages.** A cursor is a signed keyset position; the next page pushes it upstream',
    '  as a time window, so every page is a first page for each service stream. Page N should',
    '  make the same upstream calls as page 1 and take about as long (ratio near 1.00×). A',
    '  walk that re-read from offset 0 would show calls and latency growing with N.',
    '- **`service`.** One DataLoader per request batches every event\'s service lookup into',
    '  the service list that stream planning already read, so the list is read once per',
    '  request with or without the field. The latency ratio is the cost of resolving and',
    '  serialising 500 extra objects.',
    '- **Throughput.** Clients, server and emulators share one Node process and its event',
    '  loop, so requests/second is the capacity of the whole loop on this machine. Compare',
    '  it between runs on the same machine; it is not a production capacity. Memory is',
    '  `process.memoryUsage()` of that one process: before and after the load, each right',
    '  after a full GC, and the peak sampled during it. Heap growth is the leak check.',
    '- Percentiles are nearest-rank: the p95 is an observed request, not an interpolation.',
    '',
  );
  return out.join('\n');
}
