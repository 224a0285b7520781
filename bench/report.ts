import type { CallStats, VariantResult } from './alternate.js';
import type { DashboardResult } from './dashboard.bench.js';
import type { DeepPagingResult } from './deep.bench.js';
import type { FanOutResult } from './fanout.bench.js';
import type { HistogramBenchResult, HistogramRun } from './histogram.bench.js';
import type { ServiceFieldResult } from './service.bench.js';
import type { AuthBenchResult } from './auth.bench.js';
import { VARIANT_LABELS, type ObservabilityBenchResult } from './observability.bench.js';
import { governorReportLines, governorVerdict, type GovernorResult } from './governor.bench.js';
import { renderLimits, type ConcurrentResult, type RefusalResult } from './limits.bench.js';
import { SOURCE_KEYS, SOURCE_LABELS, type SourceKey } from './stack.js';
import { median, mib, ms, ratio, signedMib } from './stats.js';
import type { ThroughputResult } from './throughput.bench.js';
import { httpPolicySchema } from '../src/config/source-config.fields.js';

const DEFAULT_CONCURRENCY = httpPolicySchema.parse({}).concurrency;

export interface RunInfo {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  totalMemory: number;
  loadAverage: number[];
  command: string;
  scale: number;
  seed: number;
  anchor: string;
  latencyMs: number;
  coldSettings: string[];
  sourceNames: Record<SourceKey, string>;
  /** `totalCount` of the timeline. */
  events: number | null;
  baselineRss: number;
  durationMs: number;
}

export interface Results {
  info: RunInfo;
  fanOut: FanOutResult;
  deep: DeepPagingResult;
  throughput: ThroughputResult;
  dashboard: DashboardResult;
  histogram: HistogramBenchResult;
  service: ServiceFieldResult;
  auth: AuthBenchResult;
  observability: ObservabilityBenchResult;
  limits: { refusal: RefusalResult; concurrent: ConcurrentResult };
  governor: GovernorResult;
}

/** A table: a header row and rows of cells. */
interface Table {
  head: string[];
  rows: string[][];
}

interface Section {
  title: string;
  /** Paragraphs before the tables. */
  intro: string[];
  tables: Table[];
  /** Paragraphs after the tables: what the figures say. */
  notes: string[];
}

/** Calls per request: one number when it never varied, else mean and range. */
function calls(stats: CallStats): string {
  if (!Number.isFinite(stats.min)) return 'n/a';
  if (stats.min === stats.max) return String(stats.min);
  return `${stats.mean.toFixed(1)} (${stats.min}–${stats.max})`;
}

const verdict = (met: boolean) => (met ? 'yes' : '**no**');
const meanRatio = (a: CallStats, b: CallStats) => ratio(a.mean / b.mean);

function summary(results: Results): Table {
  const { fanOut, deep, throughput, dashboard, info } = results;
  const fanRatio = fanOut.page.latency.median / info.latencyMs;
  const roundTrips = fanOut.page.latency.median - fanOut.withoutLatency.median;
  const deepSlow = deep.withLatency ?? { first: deep.first, deep: deep.deep };
  const deepTime = deepSlow.deep.latency.median / deepSlow.first.latency.median;
  const deepCpu = deep.deep.latency.median / deep.first.latency.median;
  const deepCalls = deep.deep.calls.total.mean / deep.first.calls.total.mean;
  const thr = throughput.eventgraph.rps / throughput.bare.rps;
  const dash = dashboard.three.calls.total.mean / dashboard.one.calls.total.mean;
  return {
    head: ['benchmark', 'aim', 'measured', 'met'],
    rows: [
      [`1. fan-out, p50 / ${info.latencyMs} ms upstream latency`, '< 1.30×', `${ratio(fanRatio)} (p50 ${ms(fanOut.page.latency.median)})`, verdict(fanRatio < 1.3)],
      [
        `1. fan-out, what the round trips add (p50 − p50 with no added latency, interleaved) / ${info.latencyMs} ms`,
        'one round trip',
        `${ratio(roundTrips / info.latencyMs)} (+${ms(roundTrips)})`,
        roundTrips / info.latencyMs < 1.3 ? 'yes' : '**no**',
      ],
      [
        `1. fan-out, floor: the same calls bare (nothing signed, validated or mapped), p50 / ${info.latencyMs} ms`,
        '(the machine)',
        `${ratio(fanOut.bare.median / info.latencyMs)} (p50 ${ms(fanOut.bare.median)})`,
        '',
      ],
      [`2. page ${deep.options.deepPage} / page 1, time (p50, +${info.latencyMs} ms upstream)`, '< 1.50×', ratio(deepTime), verdict(deepTime < 1.5)],
      [`2. page ${deep.options.deepPage} / page 1, time (p50, no added latency)`, '< 1.50×', ratio(deepCpu), verdict(deepCpu < 1.5)],
      [`2. page ${deep.options.deepPage} / page 1, upstream calls (mean)`, '< 1.50×', `${ratio(deepCalls)} (${deep.deep.calls.total.mean.toFixed(1)} / ${deep.first.calls.total.mean.toFixed(1)})`, verdict(deepCalls < 1.5)],
      ['3. throughput, eventgraph / bare Apollo Server', '≥ 0.50×', `${ratio(thr)} (${throughput.eventgraph.rps.toFixed(1)} / ${throughput.bare.rps.toFixed(1)} req/s)`, verdict(thr >= 0.5)],
      ['4. upstream calls, three panels / one panel', '1.00×', `${ratio(dash)} (${dashboard.three.calls.total.mean.toFixed(1)} / ${dashboard.one.calls.total.mean.toFixed(1)})`, verdict(Math.abs(dash - 1) < 1e-9)],
      ...histogramSummaryRows(results.histogram),
      ['7. warm throughput, API key / auth off', '≥ 0.95×', `${ratio(results.auth.ratio)} (${results.auth.apiKey.rps.toFixed(1)} / ${results.auth.off.rps.toFixed(1)} req/s)`, verdict(results.auth.ratio >= 0.95)],
      [
        '8. warm throughput, logging and metrics on / both off',
        `≥ ${results.observability.options.aim.toFixed(2)}×`,
        `${ratio(results.observability.ratio)} (${results.observability.on.rps.toFixed(1)} / ${results.observability.off.rps.toFixed(1)} req/s)`,
        verdict(results.observability.ratio >= results.observability.options.aim),
      ],
      [
        '8. request log lines = requests sent = `eventgraph_graphql_requests_total`',
        'equal',
        `${results.observability.logs.requestLines} / ${results.observability.logs.sentTotal} / ${results.observability.metrics.requestsTotal}`,
        verdict(observabilityChecked(results.observability)),
      ],
      [
        '9. the 500-alias document: refused, p50, upstream calls',
        '< 50 ms, 0',
        `${ms(results.limits.refusal.ms.median)} (${results.limits.refusal.code}), ${results.limits.refusal.upstreamCalls}`,
        verdict(results.limits.refusal.ms.median < 50 && results.limits.refusal.upstreamCalls === 0),
      ],
      [
        '9. six documents at the cost limit at once: peak RSS over the start',
        `< ${RSS_BOUND_MIB} MiB, no crash`,
        `${((results.limits.concurrent.atLimit.rssPeak - results.limits.concurrent.atLimit.rssBefore) / 2 ** 20).toFixed(1)} MiB, server ${results.limits.concurrent.survived ? 'answered after' : 'DOWN'}`,
        verdict(results.limits.concurrent.survived && results.limits.concurrent.atLimit.rssPeak - results.limits.concurrent.atLimit.rssBefore < RSS_BOUND_MIB * 2 ** 20),
      ],
      [
        '10. bk-repo answering 429 under 200 connections: its calls within its rate; other sources served',
        'held, served',
        `${results.governor.bkrepo.perSecond.toFixed(1)}/s against ${results.governor.options.rateLimit.perSecond}/s; ${results.governor.load.withOtherEvents} answers with other sources' events`,
        verdict(governorVerdict(results.governor).paced && governorVerdict(results.governor).served),
      ],
    ],
  };
}

function fanOutSection(results: Results): Section {
  const { fanOut: f, info } = results;
  const lat = f.options.latencyMs;
  const perSource: Table = {
    head: ['source', 'streams', 'calls / request', 'waves / request', 'last call started (p50)', 'floor: waves × latency'],
    rows: SOURCE_KEYS.map((key) => {
      const s = f.bySource[key];
      return [
        `${SOURCE_LABELS[key]} (\`${info.sourceNames[key]}\`)`,
        String(s.streams),
        calls(s.calls),
        calls(s.waves),
        Number.isFinite(s.lastStartMs) ? `+${s.lastStartMs.toFixed(0)} ms` : 'no call',
        `${(s.waves.max * lat).toFixed(0)} ms`,
      ];
    }),
  };
  const slowest = [...SOURCE_KEYS].sort((a, b) => f.bySource[b].waves.max - f.bySource[a].waves.max)[0]!;
  const sw = f.bySource[slowest];
  const p50 = f.page.latency.median;
  const notes: string[] = [];
  if (p50 / lat < 1.3) {
    notes.push(`The page takes about one upstream round trip: every source's calls go out together.`);
  } else {
    notes.push(
      sw.waves.max <= 1
        ? `**Above the aim.** The fan-out is parallel: every source's calls go out in one wave (the last call of any source ` +
            `starts within ${Math.max(...SOURCE_KEYS.map((key) => f.bySource[key].lastStartMs).filter(Number.isFinite)).toFixed(0)} ms ` +
            `of the request), and the round trips add ${ms(p50 - f.withoutLatency.median)} (${ratio((p50 - f.withoutLatency.median) / lat)} of one upstream latency) over the same ` +
            `page with the emulators answering at once (${ms(f.withoutLatency.median)}, measured in turn with it).`
        : `**Above the aim.** The sources run in parallel with each other, but not every source's calls do: the p50 of ${ms(p50)} ` +
            `is the slowest source's chain of round trips. ${SOURCE_LABELS[slowest]} needs up to ${sw.waves.max} waves ` +
            `(${calls(sw.calls)} calls over ${sw.streams} streams; its last call starts at +${sw.lastStartMs.toFixed(0)} ms), ` +
            `a floor of ${sw.waves.max * lat} ms before any processing.`,
    );
    notes.push(
      `The rest is CPU on the server's one thread: with no added latency the same first page takes ${ms(f.withoutLatency.median)} (p50). ` +
        `The answers of one wave arrive together, so the work on each (the HTTP client, JSON and zod validation, mapping, the merge) ` +
        `queues behind the others': ~${f.page.calls.total.mean.toFixed(0)} calls per page. The same calls sent bare, with nothing to sign, ` +
        `validate or map, take ${ms(f.bare.median)} (${ratio(f.bare.median / lat)} of ${lat} ms) on this machine, so the aim leaves ` +
        `eventgraph ${ms(Math.max(0, 1.3 * lat - f.bare.median))} for all its own work on ~${f.page.calls.total.mean.toFixed(0)} answers.`,
    );
    notes.push(
      `The emulators share one worker thread and take the requests in turn (signature checks, queries, JSON): the last ` +
        `call of a page was taken up at +${Math.max(...SOURCE_KEYS.map((key) => f.bySource[key].lastStartMs).filter(Number.isFinite)).toFixed(0)} ms (p50, ` +
        `"last call started" below), and its answer leaves ${lat} ms after that, so that part of the page's time is the test bed's, ` +
        `where remote vendors would work in parallel.`,
    );
    for (const key of SOURCE_KEYS) {
      const s = f.bySource[key];
      if (s.waves.max <= 1) continue;
      notes.push(`- ${SOURCE_LABELS[key]}: ${waveReason(key, s.calls.max, s.streams, s.waves.max)}`);
    }
  }
  return {
    title: `1. Fan-out: events(first: ${f.options.pageSize}) over five vendors, +${lat} ms per upstream answer`,
    intro: [
      `Every vendor emulator answers each API request ${lat} ms late. The cold server (cross-request caches off) ` +
        `reads a first page ${f.page.latency.n} times, one request at a time; the emulators' request logs give each ` +
        `request's calls per source and when each call arrived. Calls that arrive together form a **wave**; a new ` +
        `wave means a call that waited for an earlier answer (arrival gap > ${lat / 2} ms).`,
      `The warm-up pages teach the read plan (\`server.adaptiveReads\`): each stream is asked for about the share of ` +
        `the page it gave last time, not for a whole page. An emulator's answer leaves ${lat} ms after its request ` +
        `arrived, its own work done meanwhile, as a remote vendor's would be. After each timed page, its very calls ` +
        `are sent again bare (unsigned, each answered 401 after the latency, the body parsed as JSON): the floor of ` +
        `the same round trips on this machine.`,
    ],
    tables: [
      {
        head: ['figure', 'value'],
        rows: [
          ['p50 / p95', `${ms(p50)} / ${ms(f.page.latency.p95)}`],
          ['the same page with no added latency (one before each timed request), p50 / p95', `${ms(f.withoutLatency.median)} / ${ms(f.withoutLatency.p95)}`],
          [`what the round trips add, p50 − p50 with no added latency`, `${ms(p50 - f.withoutLatency.median)} (${ratio((p50 - f.withoutLatency.median) / lat)} of ${lat} ms)`],
          ['floor: the same calls bare, all at once, p50 / p95', `${ms(f.bare.median)} / ${ms(f.bare.p95)} (${ratio(f.bare.median / lat)} of ${lat} ms)`],
          ['eventgraph p50 / bare p50', ratio(p50 / f.bare.median)],
          [`p50 / ${lat} ms`, ratio(p50 / lat)],
          [`p95 / ${lat} ms`, ratio(f.page.latency.p95 / lat)],
          ['upstream calls / request (emulators)', calls(f.page.calls.total)],
          ['`sources.upstreamCalls`, summed (the API\'s own report)', calls(f.page.reportedCalls)],
        ],
      },
      perSource,
    ],
    notes,
  };
}

/** Why a source's calls come in several waves, from its call and stream counts and what its code does. */
function waveReason(key: SourceKey, calls: number, streams: number, waves: number): string {
  const limit = DEFAULT_CONCURRENCY;
  const slots = Math.ceil(calls / limit);
  const byLimit = calls > limit ? ` ${calls} calls through a concurrency limit of ${limit} take at least ${slots} waves.` : '';
  switch (key) {
    case 'bkrepo':
      return `one stream per (repository, event type): ${streams} streams, each its own \`POST /repository/api/log/list\`.${byLimit} ${waves} waves measured.`;
    case 'modelarts':
      return `the streams are the services of the service list (kept for \`serviceListTtlSeconds\`), then one event call per service: ${waves} waves for ${calls} calls.${byLimit}`;
    case 'tencentCcr':
      return `\`ListTriggerLog\` has no time filter, so a scan reads \`totalCount\` from a first page before it can binary-search offsets or read on: ${calls} calls over ${streams} repositories in ${waves} waves.${byLimit}`;
    case 'hss':
    case 'csms':
      return `${calls} calls in ${waves} waves.${byLimit}`;
  }
}

function deepSection(results: Results): Section {
  const { deep: d, info } = results;
  const page = d.options.deepPage;
  const latencyRows = (label: string, first: VariantResult, deep: VariantResult): string[][] => [
    [`${label}: page 1, p50 / p95`, `${ms(first.latency.median)} / ${ms(first.latency.p95)}`],
    [`${label}: page ${page}, p50 / p95`, `${ms(deep.latency.median)} / ${ms(deep.latency.p95)}`],
    [`${label}: page ${page} / page 1, p50`, ratio(deep.latency.median / first.latency.median)],
    [`${label}: page ${page} / page 1, p95`, ratio(deep.latency.p95 / first.latency.p95)],
  ];
  const timing: Table = {
    head: ['figure', 'value'],
    rows: [
      ...latencyRows('no added latency', d.first, d.deep),
      ...(d.withLatency ? latencyRows(`+${info.latencyMs} ms upstream`, d.withLatency.first, d.withLatency.deep) : []),
      ['upstream calls / request, page 1', calls(d.first.calls.total)],
      [`upstream calls / request, page ${page}`, calls(d.deep.calls.total)],
      [`page ${page} / page 1, calls (mean)`, meanRatio(d.deep.calls.total, d.first.calls.total)],
      ['`sources.upstreamCalls` summed, page 1 / page ' + page, `${calls(d.first.reportedCalls)} / ${calls(d.deep.reportedCalls)}`],
      [`the walk to page ${page}`, `${(d.walkMs / 1000).toFixed(1)} s, ${calls(d.walk.total)} calls per page`],
    ],
  };
  const perSource: Table = {
    head: ['source', 'calls, page 1', `calls, page ${page}`, `calls per page, pages 1–${page} of the walk`],
    rows: SOURCE_KEYS.map((key) => [
      `${SOURCE_LABELS[key]} (\`${info.sourceNames[key]}\`)`,
      calls(d.first.calls.bySource[key]),
      calls(d.deep.calls.bySource[key]),
      calls(d.walk.bySource[key]),
    ]),
  };
  const grew = SOURCE_KEYS.filter((key) => d.deep.calls.bySource[key].mean > d.first.calls.bySource[key].mean);
  const notes = [
    grew.length
      ? `Sources that call more on page ${page} than on page 1: ${grew.map((k) => `${SOURCE_LABELS[k]} (${calls(d.first.calls.bySource[k])} → ${calls(d.deep.calls.bySource[k])})`).join(', ')}. ` +
        'A deep cursor that lands inside a Tencent repository\'s history has to find its offset again (binary-search probes, logarithmic in the repository size, not linear in the depth).'
      : `No source calls more on page ${page} than on page 1.`,
  ];
  return {
    title: `2. Deep pages: page ${page} vs page 1 of events(first: ${d.options.pageSize})`,
    intro: [
      `The cold server walks the cursors once to page ${page} (events ${d.deepOffset + 1}–${d.deepOffset + d.options.pageSize} of ` +
        `${d.totalCount ?? 'an unknown number'}), then times page 1 and page ${page} interleaved (A B B A …): ` +
        `${d.first.latency.n} pairs with the emulators answering at once (eventgraph's own cost)` +
        (d.withLatency ? ` and ${d.withLatency.first.latency.n} pairs with +${info.latencyMs} ms per upstream answer (round trips dominate, as in production).` : '.') +
        ' Every timed page-' + page + ' request must return the very events the walk saw.',
    ],
    tables: [timing, perSource],
    notes,
  };
}

function throughputSection(results: Results): Section {
  const t = results.throughput;
  const o = t.options;
  const mem = t.memory;
  const r = t.eventgraph.rps / t.bare.rps;
  const tables: Table[] = [
    {
      head: ['figure', 'eventgraph', 'bare Apollo Server 5'],
      rows: [
        ['requests / second', t.eventgraph.rps.toFixed(1), t.bare.rps.toFixed(1)],
        ['requests (2xx, all verified)', String(t.eventgraph.requests), String(t.bare.requests)],
        ['latency p50 / p97.5', `${ms(t.eventgraph.latencyP50)} / ${ms(t.eventgraph.latencyP97_5)}`, `${ms(t.bare.latencyP50)} / ${ms(t.bare.latencyP97_5)}`],
        ['response body', `${t.bytes.eventgraph} bytes`, `${t.bytes.bare} bytes`],
        ['ratio eventgraph / bare', ratio(r), ''],
      ],
    },
    {
      head: ['upstream calls', `during the eventgraph rounds (${t.eventgraph.requests} requests answered)`, 'per panel request after the load, sent alone'],
      rows: [
        ...SOURCE_KEYS.map((key) => [SOURCE_LABELS[key], String(t.upstream.bySource[key]), t.warmCallsPerRequest.bySource[key].toFixed(1)]),
        ['all', String(t.upstream.total), t.warmCallsPerRequest.total.toFixed(1)],
      ],
    },
    {
      head: ['memory (whole process)', 'before', 'peak', 'after'],
      rows: [
        ["RSS (the emulators' worker thread included)", mib(mem.before.rss), mib(mem.peak.rss), mib(mem.after.rss)],
        ['V8 heap used (main thread)', mib(mem.before.heapUsed), mib(mem.peak.heapUsed), mib(mem.after.heapUsed)],
        ['heap growth over the load', signedMib(mem.after.heapUsed - mem.before.heapUsed), '', mem.collected ? 'before and after follow a full GC' : 'no GC could be forced'],
      ],
    },
  ];
  const notes: string[] = [];
  const upstreamPerRequest = t.warmCallsPerRequest.total;
  const { upstream: wentUpstream, sent } = t.warmRequestsUpstream;
  notes.push(
    upstreamPerRequest < 0.5
      ? `The cache works: ${upstreamPerRequest.toFixed(1)} upstream calls for a panel request after the load.`
      : wentUpstream < sent
        ? `The cache absorbs the repeats: ${wentUpstream} of the ${sent} panel requests sent alone after the load went upstream ` +
            `(${upstreamPerRequest.toFixed(1)} calls per request on average), where a snapshot step or a source's TTL ran out ` +
            'between them; the others made none.'
        : `The cache did not absorb the repeats: ${upstreamPerRequest.toFixed(1)} upstream calls for a panel request after the load, so every ` +
            'request still goes upstream (no cross-request cache, or cache keys that change from one request to the next). ' +
            'The calls during the rounds include those of the requests still in flight when a round ended.',
  );
  const missed = SOURCE_KEYS.filter((key) => t.warmCallsPerRequest.bySource[key] >= 0.5);
  const hit = SOURCE_KEYS.filter((key) => t.warmCallsPerRequest.bySource[key] < 0.5);
  if (missed.length && hit.length) {
    notes.push(
      `Per source, after the load: ${missed.map((k) => `${SOURCE_LABELS[k]} ${t.warmCallsPerRequest.bySource[k].toFixed(1)}`).join(', ')} calls per request; ` +
        `${hit.map((k) => SOURCE_LABELS[k]).join(', ')} under 0.5.`,
    );
  }
  if (t.profile) {
    const p = t.profile;
    tables.push(
      {
        head: ['top frames by self time', 'where', 'share of samples'],
        rows: p.topFrames.map((frame) => [`\`${frame.name}\``, `\`${frame.where}\``, `${(frame.share * 100).toFixed(1)} %`]),
      },
      {
        head: ['self time by area', 'share of samples'],
        rows: p.areas.slice(0, 12).map((area) => [`\`${area.area}\``, `${(area.share * 100).toFixed(1)} %`]),
      },
      {
        head: ['self time by nearest caller in src/ (libraries charged to the code that called them)', 'share of samples'],
        rows: p.callers.slice(0, 12).map((area) => [`\`${area.area}\``, `${(area.share * 100).toFixed(1)} %`]),
      },
    );
    notes.push(
      `**Below the aim**, so the server's thread was profiled for ${(p.durationMs / 1000).toFixed(1)} s of the same load ` +
        `(inspector CPU profile, ${p.samples} samples; the client runs on its own thread and is not in it). ` +
        'The emulators run in a worker thread of their own and are not in it either; the server\'s HTTP client, signing and zod ' +
        'validation of their answers are the price of each request going upstream, which an upstream cache that hits would remove.',
    );
  }
  return {
    title: `3. Throughput, warm cache: events(first: 50), one panel, the same document repeated`,
    intro: [
      `autocannon (${o.connections} connections, from a worker thread) against the **warm** server, the configuration as shipped ` +
        `with its caches on, after ${o.warmupS} s of warm-up each; then ${o.rounds} rounds of ${o.durationS} s per server, ` +
        'alternating (E B B E). The bare server is Apollo Server 5 on the same Express 5 stack with eventgraph\'s public ' +
        'schema, whose `events` resolver returns a prebuilt copy of eventgraph\'s own answer to the same document: ' +
        'same text in, same bytes out. Every response is checked (no `errors`, 50 edges). Emulators answer at once. ' +
        'The warm server keeps upstream answers for each source\'s `cacheTtlSeconds` and whole pages while those answers ' +
        'may serve; a first page pins its snapshot to `server.snapshotStepSeconds` (5 s), so each new step builds the page ' +
        'once more, from new upstream reads, while the requests that arrive meanwhile wait for that one build.',
    ],
    tables,
    notes,
  };
}

function dashboardSection(results: Results): Section {
  const { dashboard: d, info } = results;
  const perSource: Table = {
    head: ['source', 'one panel', 'three panels', 'distinct requests in three panels'],
    rows: SOURCE_KEYS.map((key) => [
      `${SOURCE_LABELS[key]} (\`${info.sourceNames[key]}\`)`,
      calls(d.one.calls.bySource[key]),
      calls(d.three.calls.bySource[key]),
      d.distinct[key] === null ? 'n/a (POST: body not logged)' : String(d.distinct[key]),
    ]),
  };
  perSource.rows.push(['all', calls(d.one.calls.total), calls(d.three.calls.total), '']);
  const same = Math.abs(d.three.calls.total.mean - d.one.calls.total.mean) < 1e-9;
  return {
    title: `4. Upstream calls: one panel vs three aliased panels (events(first: ${d.options.pageSize}))`,
    intro: [
      'Three aliased `events` panels in one document, same arguments, different selections: they ask for the same ' +
        'stream pages, so the distinct stream pages are those of one panel. Counted by the emulators on the cold ' +
        `server, ${d.one.latency.n} requests of each document, interleaved.`,
    ],
    tables: [
      {
        head: ['figure', 'value'],
        rows: [
          ['calls / request, one panel', calls(d.one.calls.total)],
          ['calls / request, three panels', calls(d.three.calls.total)],
          ['three / one', meanRatio(d.three.calls.total, d.one.calls.total)],
          ['`sources.upstreamCalls` summed over the panels, one / three', `${calls(d.one.reportedCalls)} / ${calls(d.three.reportedCalls)}`],
          ['latency p50, one / three panels', `${ms(d.one.latency.median)} / ${ms(d.three.latency.median)}`],
        ],
      },
      perSource,
    ],
    notes: [
      same
        ? 'Three panels cost exactly the calls of one: identical upstream page requests within a request reach the upstream once.'
        : `Three panels cost more than one (${calls(d.three.calls.total)} against ${calls(d.one.calls.total)}): within one GraphQL request ` +
          'some identical stream pages reach the upstream more than once, from ' +
          SOURCE_KEYS.filter((key) => d.three.calls.bySource[key].max > d.one.calls.bySource[key].max)
            .map((key) => `${SOURCE_LABELS[key]} (${calls(d.one.calls.bySource[key])} → ${calls(d.three.calls.bySource[key])})`)
            .join(', ') +
          (d.three.calls.total.min === d.one.calls.total.max
            ? '. Some requests of the three-panel document did cost one panel\'s calls, so the sharing is there but does not hold for every request.'
            : '.') +
          differing(d),
    ],
  };
}

/** Where the emulator log shows the panels sent different requests, say so: then no dedupe could share them. */
function differing(d: DashboardResult): string {
  const keys = SOURCE_KEYS.filter((key) => d.distinct[key] !== null && d.distinct[key]! > d.one.calls.bySource[key].max);
  if (!keys.length) return '';
  return (
    ` In the logged three-panel request the panels did not even ask the same questions: ${keys
      .map((key) => `${SOURCE_LABELS[key]} got ${d.distinct[key]} distinct requests against ${calls(d.one.calls.bySource[key])} for one panel`)
      .join(', ')}. ` +
    'Those upstreams take a time window, and a first page\'s window ends at its own snapshot time (`asOf`, the millisecond it ran), ' +
    'so panels resolved a millisecond apart ask for different pages; the same holds for the cross-request cache key in section 3.'
  );
}

/** The aim of the histogram benchmark (the issue): at least this many times fewer upstream calls than walking `events`. */
const HISTOGRAM_AIM = 10;

const num = (n: number): string => (!Number.isFinite(n) ? 'n/a' : Number.isInteger(n) ? String(n) : n.toFixed(1));
const aggregateCalls = (a: HistogramBenchResult['cold']): string =>
  a.calls.min === a.calls.max ? num(a.calls.median) : `${num(a.calls.median)} (${a.calls.min}–${a.calls.max})`;
const pageOf = (size: number): string => (Number.isFinite(size) ? String(size) : 'unbounded');
/** "SCAN, TOTALS" when every sample said so; else each combination with the samples that reported it. */
function methodsLabel(tally: Record<string, number>, samples: number): string {
  const entries = Object.entries(tally).sort((a, b) => b[1] - a[1]);
  if (entries.length === 1 && entries[0]![1] === samples) return entries[0]![0];
  return entries.map(([label, n]) => `${label} (${n}/${samples})`).join('; ');
}
/** A refresh that cost no more than counting its newest bucket alone read only that bucket. */
const refreshReadsNewestOnly = (h: HistogramBenchResult): boolean => h.samples.every((s) => s.warm.calls.total <= s.oneBucket.calls.total);

function histogramSummaryRows(h: HistogramBenchResult): string[][] {
  return [
    [
      `5. eventHistogram, 24 h in ${h.options.buckets} buckets, five vendors, cold: walk of \`events\` calls / histogram calls (median)`,
      `≥ ${HISTOGRAM_AIM}×`,
      `${ratio(h.walkOverCold)} (${num(h.walk.calls.median)} / ${num(h.cold.calls.median)}; p50 ${ms(h.cold.p50)} against ${ms(h.walk.p50)})`,
      verdict(h.walkOverCold >= HISTOGRAM_AIM),
    ],
    [
      '5. eventHistogram, warm refresh (+30 min): calls (median) / the newest bucket counted alone',
      'the newest bucket only',
      `${num(h.warm.calls.median)} / ${num(h.oneBucket.calls.median)} (walk / warm ${ratio(h.walkOverWarm)}; p50 ${ms(h.warm.p50)})`,
      verdict(refreshReadsNewestOnly(h)),
    ],
  ];
}

function histogramSection(results: Results): Section {
  const { histogram: h, info } = results;
  const n = h.samples.length;
  const o = h.options;
  const stepMin = h.stepMs / 60_000;
  const streams = SOURCE_KEYS.reduce((sum, key) => sum + h.inventory[key].streams, 0);
  const eventsOf = (key: SourceKey) => num(median(h.samples.map((s) => s.walk.eventsBySource[key])));
  const walkOver = (calls: number) => ratio(h.walk.calls.median / calls);
  const overview: Table = {
    head: ['figure', 'cold histogram', `warm refresh (+${stepMin} min)`, 'newest bucket alone', `walk: events(first: ${o.pageSize})`],
    rows: [
      ['time p50 / p90', ...[h.cold, h.warm, h.oneBucket, h.walk].map((a) => `${ms(a.p50)} / ${ms(a.p90)}`)],
      ['upstream calls / request, median (min–max)', ...[h.cold, h.warm, h.oneBucket, h.walk].map(aggregateCalls)],
      ['`sources.upstreamCalls` summed, median', ...[h.cold, h.warm, h.oneBucket, h.walk].map((a) => num(a.reportedCalls))],
      ['of which ModelArts service lists, median', ...[h.cold, h.warm, h.oneBucket, h.walk].map((a) => num(a.modelartsServiceList))],
      ['walk calls / these calls (medians)', walkOver(h.cold.calls.median), walkOver(h.warm.calls.median), walkOver(h.oneBucket.calls.median), ''],
      ['events counted, median', num(median(h.samples.map((s) => s.cold.total))), '', num(median(h.samples.map((s) => s.newestBucketEvents))), `${num(h.walk.events)} in ${num(h.walk.pages)} page${h.walk.pages === 1 ? '' : 's'}`],
    ],
  };
  const perSource: Table = {
    head: ['source', 'streams (with `Stream.count`)', 'largest page', 'events / day, median', 'calls: cold', 'warm', 'bucket alone', 'walk', 'methods: cold', 'methods: warm'],
    rows: SOURCE_KEYS.map((key) => {
      const inv = h.inventory[key];
      return [
        `${SOURCE_LABELS[key]} (\`${h.sourceNames[key]}\`)`,
        `${inv.streams} (${inv.withCount})`,
        Number.isFinite(inv.maxPageSize) ? String(inv.maxPageSize) : 'unbounded',
        eventsOf(key),
        num(h.cold.bySource[key]),
        num(h.warm.bySource[key]),
        num(h.oneBucket.bySource[key]),
        num(h.walk.bySource[key]),
        methodsLabel(h.methods[key].cold, n),
        methodsLabel(h.methods[key].warm, n),
      ];
    }),
  };
  perSource.rows.push(['all', `${streams} (${SOURCE_KEYS.reduce((sum, key) => sum + h.inventory[key].withCount, 0)})`, '', num(h.walk.events), num(h.cold.calls.median), num(h.warm.calls.median), num(h.oneBucket.calls.median), num(h.walk.calls.median), '', '']);
  const perDay: Table = {
    head: ['k', 'day (UTC)', 'filter', 'events', 'cold: calls, time', 'warm refresh: calls, time', 'newest bucket alone: calls', 'walk: calls, pages, time', 'walk / cold calls'],
    rows: h.samples.map((s) => [
      String(s.k),
      s.from.slice(0, 10),
      s.filter,
      String(s.walk.events),
      `${s.cold.calls.total}, ${ms(s.cold.ms)}`,
      `${s.warm.calls.total}, ${ms(s.warm.ms)}`,
      String(s.oneBucket.calls.total),
      `${s.walk.calls.total}, ${s.walk.pages}, ${ms(s.walk.ms)}`,
      ratio(s.walk.calls.total / s.cold.calls.total),
    ]),
  };
  const runMethods = (run: HistogramRun) => SOURCE_KEYS.map((key) => `${h.sourceNames[key]} ${run.bySource[key].methods.join('+') || '–'}`).join(', ');
  const walk0 = h.samples[0]!.walk;
  const outcome: Table = {
    head: [`day k=0 grouped by [SOURCE, OUTCOME]`, 'calls', 'time', 'methods by source'],
    rows: [
      ['cold histogram', String(h.outcome.cold.calls.total), ms(h.outcome.cold.ms), runMethods(h.outcome.cold)],
      [`warm refresh (+${stepMin} min)`, String(h.outcome.warm.calls.total), ms(h.outcome.warm.ms), runMethods(h.outcome.warm)],
      ['walk of events (the same walk as k=0 above)', String(walk0.calls.total), ms(walk0.ms), ''],
      ['walk / cold histogram calls', ratio(walk0.calls.total / h.outcome.cold.calls.total), '', ''],
    ],
  };

  const notes: string[] = [];
  if (h.walkOverCold >= HISTOGRAM_AIM) {
    notes.push(`A cold day costs ${ratio(h.walkOverCold)} fewer upstream calls than walking it (aim ≥ ${HISTOGRAM_AIM}×).`);
  } else {
    notes.push(
      `**Below the aim**: a cold day costs ${num(h.cold.calls.median)} upstream calls (median), the walk of the same day ${num(h.walk.calls.median)}: ` +
        `walk / histogram ${ratio(h.walkOverCold)}, against ≥ ${HISTOGRAM_AIM}× aimed at` +
        (h.walkOverCold < 1 ? ': the histogram makes more calls than the walk.' : '.'),
      `Where the calls go: the histogram counts each stream on its own, and a stream whose buckets are not kept costs at least one call, ` +
        `a count (\`Stream.count\`; an answer of 0 ends it) or one page of a scan. The five sources read ${streams} streams ` +
        `(${SOURCE_KEYS.map((key) => `${SOURCE_LABELS[key]} ${h.inventory[key].streams}`).join(', ')}), a floor of ${streams} calls under any cold day and any refresh. ` +
        `The walk costs about one call per stream and page, and this data is sparse: ${num(h.walk.events)} events a day (median) over ${streams} streams, ` +
        `${num(h.walk.pages)} page${h.walk.pages === 1 ? '' : 's'} of ${o.pageSize}, ${num(h.walk.calls.median)} calls. So no counting per stream can do better than walk calls / streams = ` +
        `${ratio(h.walk.calls.median / streams)} here; ${HISTOGRAM_AIM}× needs days whose walk reads ${HISTOGRAM_AIM} times as many pages per stream as a count costs calls, ` +
        'or a count that covers several streams in one call.',
    );
    const extra = h.cold.calls.median - streams;
    // Each source's busiest day fits in one page of its streams: then no stream needed more than one page of scan.
    const onePage = SOURCE_KEYS.every((key) => Math.max(...h.samples.map((s) => s.walk.eventsBySource[key])) <= h.inventory[key].maxPageSize);
    if (extra > 0) {
      notes.push(
        `Above the floor, ${num(extra)} calls (cold − streams, median). A stream with \`Stream.count\` is first counted over the whole run (one call; ` +
          'src/timeline/histogram/stream-count.ts); if that is not 0, it takes per-bucket totals only when they cost fewer calls than a scan, ' +
          `${o.buckets} counts against ceil(events / page) pages` +
          (onePage ? ", and here every source's whole day fits in one page of its streams, so each stream with events is then scanned: two calls where the walk makes one" : ', else it is scanned') +
          '. A stream with no event stops at that first count (TOTALS, one call). Per source:',
      );
    }
    for (const key of SOURCE_KEYS) {
      const inv = h.inventory[key];
      const label = `${SOURCE_LABELS[key]} (${inv.streams} stream${inv.streams === 1 ? '' : 's'}, page ${pageOf(inv.maxPageSize)})`;
      const figures =
        `${eventsOf(key)} events a day (median); calls (median) cold ${num(h.cold.bySource[key])}, warm ${num(h.warm.bySource[key])}, walk ${num(h.walk.bySource[key])}; ` +
        `methods ${methodsLabel(h.methods[key].cold, n)} cold, ${methodsLabel(h.methods[key].warm, n)} warm`;
      if (inv.withCount === 0) {
        notes.push(
          `- ${label}: no \`Stream.count\`, so every run is scanned. ${figures}.` +
            (Number.isFinite(inv.maxPageSize) ? '' : ' Its one call already reads the whole log: a count would not lower it (and would add a call whenever the run has events, as above).'),
        );
      } else if (inv.withCount < inv.streams) {
        notes.push(`- ${label}: ${inv.withCount} of its streams have \`Stream.count\`, the others are scanned. ${figures}.`);
      } else {
        const shared =
          h.cold.bySource[key] <= inv.streams && Object.keys(h.methods[key].cold).some((m) => m.includes('SCAN'))
            ? ' No call above one per stream although streams were scanned: the scan\'s first page is the very request its count made first, and an identical request reaches the upstream once per GraphQL request.'
            : '';
        notes.push(`- ${label}: every stream has \`Stream.count\`. ${figures}.${shared}`);
      }
    }
  }
  const readsNewest = refreshReadsNewestOnly(h);
  const refreshAbove = SOURCE_KEYS.filter((key) => h.inventory[key].withCount > 0 && h.samples.some((s) => s.warm.calls.bySource[key] > h.inventory[key].streams));
  notes.push(
    readsNewest
      ? `The warm refresh reads only the newest bucket: in every sample it cost no more than counting that bucket alone (${num(h.warm.calls.median)} against ${num(h.oneBucket.calls.median)} calls, median), ` +
          `${ratio(h.cold.calls.median / h.warm.calls.median)} fewer than the cold day. Counting a bucket still costs a call per stream (${streams} streams), so the refresh costs about what walking the whole day does (walk / warm ${ratio(h.walkOverWarm)}).` +
          (refreshAbove.length
            ? ' Above one call per stream: ' +
              refreshAbove
                .map((key) => `${SOURCE_LABELS[key]} (${h.inventory[key].streams} stream${h.inventory[key].streams === 1 ? '' : 's'}; ${h.samples.map((s) => s.warm.calls.bySource[key]).join(', ')} calls in the ${n} refreshes)`)
                .join(', ') +
              ". Where the newest bucket has events, its stream's first count, over a run of that one bucket, is already the bucket's exact total, " +
              'yet the stream is scanned after it (one total is not fewer calls than one page), one more call.'
            : '')
      : `**The warm refresh costs more than counting its newest bucket alone** in ${h.samples.filter((s) => s.warm.calls.total > s.oneBucket.calls.total).length} of ${n} samples ` +
          `(${num(h.warm.calls.median)} against ${num(h.oneBucket.calls.median)} calls, median): it reads more than the newest bucket.`,
  );
  return {
    title: `5. Counts over time: eventHistogram over 24 h in ${o.buckets} buckets vs walking events, five vendors`,
    intro: [
      `Produced by \`${info.command}\` (bench/histogram.bench.ts), on the cold server (cross-request upstream caches off; the histogram's own cache of settled buckets, ` +
        `kept 10 min in the server, stays on). ${n} day${n === 1 ? '' : 's'}, k = 0 … ${n - 1}: R_k = [anchor − (k+1)·24 h, anchor − k·24 h − 1 ms], ` +
        `\`maxDataPoints: ${o.buckets}\`, hence ${o.buckets} buckets of ${stepMin} min, every source, \`groupBy: [SOURCE]\`. For each day, in this order: ` +
        `the **cold** histogram (no earlier request counted that day); its **warm refresh**, the same range ${stepMin} min later, whose ${o.buckets - 1} older buckets ` +
        `are settled and kept and whose newest is new; the **newest bucket alone**, counted cold, for what a refresh should cost; and the **walk**: ` +
        `\`events(first: ${o.pageSize}, filter: {since, until})\` over R_k page by page until \`hasNextPage\` is false. Calls are the emulators' own count of API requests, ` +
        "reset before each request (before the walk's first page; its time is the pages' times summed).",
      `The days are adjacent, so the newest bucket of R_k's refresh is the first bucket of R_(k−1), which R_(k−1)'s cold histogram has just kept. So that it does not ` +
        'serve the next refresh from the cache, odd days filter on `kinds: [all five kinds]` and even days not at all: the same sources, streams and upstream requests, ' +
        'another key for the kept buckets. The bucket alone filters on `vendors: [all vendors]`, a third key.',
      `Every count was checked against the walk, and the benchmark fails otherwise: each histogram's total against the events its walk counted, and each of ` +
        `${h.checked.bucketsCompared} (source, bucket) counts of the cold answers, the refreshes and the buckets alone (the newest bucket against a walk of that bucket), ` +
        'and by outcome for the day grouped by [SOURCE, OUTCOME].',
    ],
    tables: [overview, perSource, perDay, outcome],
    notes,
  };
}

function serviceSection(results: Results): Section {
  const s = results.service;
  return {
    title: `6. DeploymentEvent.service on a page of ${s.options.pageSize} (kinds: [DEPLOYMENT])`,
    intro: [
      'The same page with and without `service { serviceName status }`, interleaved, on the cold server; the filter ' +
        'prunes every other source. An N+1 resolver would show hundreds of service-list calls.',
    ],
    tables: [
      {
        head: ['figure', 'without `service`', 'with `service`'],
        rows: [
          ['p50 / p95', `${ms(s.without.latency.median)} / ${ms(s.without.latency.p95)}`, `${ms(s.with.latency.median)} / ${ms(s.with.latency.p95)}`],
          ['with / without, p50', '', ratio(s.with.latency.median / s.without.latency.median)],
          ['ModelArts service-list calls / request', calls(s.without.calls.modelartsServiceList), calls(s.with.calls.modelartsServiceList)],
          ['ModelArts calls / request', calls(s.without.calls.bySource.modelarts), calls(s.with.calls.bySource.modelarts)],
          ['other sources\' calls / request', calls(otherCalls(s.without)), calls(otherCalls(s.with))],
          ['distinct services on the page', '', String(s.distinctServices)],
        ],
      },
    ],
    notes: [
      s.with.calls.modelartsServiceList.max <= 1
        ? 'The service list is read at most once per request with `service`: one DataLoader batch, shared with stream planning.'
        : '**The service list is read more than once per request** with `service`.',
    ],
  };
}

function otherCalls(result: VariantResult): CallStats {
  const others = SOURCE_KEYS.filter((key) => key !== 'modelarts').map((key) => result.calls.bySource[key]);
  return { mean: others.reduce((n, c) => n + c.mean, 0), min: others.reduce((n, c) => n + c.min, 0), max: others.reduce((n, c) => n + c.max, 0) };
}

/** The bound stated for six concurrent documents at the cost limit (issue: state one). */
const RSS_BOUND_MIB = 512;

function authSection(results: Results): Section {
  return {
    title: '7. Authentication: warm throughput, API key vs auth off',
    intro: [
      'Two warm servers over the same sources, one with no `auth` and one with an API key sent in `X-API-Key`, loaded in turn (autocannon, 8 connections).',
    ],
    tables: [],
    notes: [
      `Warm throughput: API key ${results.auth.apiKey.rps.toFixed(1)} req/s, auth off ${results.auth.off.rps.toFixed(1)} req/s, ratio ${ratio(results.auth.ratio)}.`,
    ],
  };
}

/** The log lines, the request counter and the client's count agree, overall and slot by slot, and every line is JSON. */
function observabilityChecked(o: ObservabilityBenchResult): boolean {
  return o.checks.linesEqualCounter && o.checks.linesEqualSent && o.checks.roundsLinesEqualSent && o.logs.notJson === 0 && o.logs.unexpected === 0;
}

const us = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(0)} µs`);
const signedUs = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} µs`;

function observabilitySection(results: Results): Section {
  const o = results.observability;
  const opt = o.options;
  const l = o.logs;
  const m = o.metrics;
  const ratios = o.perRound.map((r) => r.ratio).sort((a, b) => a - b);
  const medianRatio = ratios.length ? ratios[Math.ceil(ratios.length / 2) - 1]! : Number.NaN;
  const cpuRatio = o.on.cpuUsPerRequest !== undefined && o.off.cpuUsPerRequest !== undefined ? o.on.cpuUsPerRequest / o.off.cpuUsPerRequest : undefined;
  const slotsMatching = l.rounds.filter((run) => run.lines === run.sent).length;
  const tables: Table[] = [
    {
      head: ['figure', VARIANT_LABELS.off, VARIANT_LABELS.on],
      rows: [
        ['requests / second', o.off.rps.toFixed(1), o.on.rps.toFixed(1)],
        ['ratio on / off', '', `**${ratio(o.ratio)}**`],
        ['requests answered (2xx, every body verified)', String(o.off.requests), String(o.on.requests)],
        ['latency p50 / p99', `${ms(o.off.latencyP50)} / ${ms(o.off.latencyP99)}`, `${ms(o.on.latencyP50)} / ${ms(o.on.latencyP99)}`],
        [
          "server thread's CPU time per request (user + system)",
          us(o.off.cpuUsPerRequest),
          cpuRatio === undefined ? us(o.on.cpuUsPerRequest) : `${us(o.on.cpuUsPerRequest)} (${ratio(cpuRatio)})`,
        ],
      ],
    },
    {
      head: ['round', 'first', `${VARIANT_LABELS.off}, req/s`, `${VARIANT_LABELS.on}, req/s`, 'on / off', 'CPU / request, off / on'],
      rows: o.perRound.map((r, i) => [String(i + 1), r.first, r.off.toFixed(1), r.on.toFixed(1), ratio(r.ratio), `${us(r.offCpuUs)} / ${us(r.onCpuUs)}`]),
    },
    {
      head: ['check', 'value'],
      rows: [
        ['lines in the log file (all JSON)', `${l.lines} (${l.notJson} not JSON), ${mib(l.bytes)}`],
        ['request lines (`msg: "request"`); mean size', `${l.requestLines}; ${l.meanRequestLineBytes.toFixed(0)} bytes`],
        ['requests the client sent to the on server (probe, warm-up, step openers, slots, attribution)', String(l.sentTotal)],
        ['`eventgraph_graphql_requests_total`, by outcome', `${m.requestsTotal} (${Object.entries(m.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ')})`],
        ['`eventgraph_graphql_request_duration_seconds_count`', String(m.durationCount)],
        [`measured slots whose lines (by \`x-request-id\`) = requests sent`, `${slotsMatching} of ${l.rounds.length} (${l.rounds.reduce((n, r) => n + r.lines, 0)} lines; ${l.rounds.reduce((n, r) => n + r.answered, 0)} answers received, the rest cut at a slot's end)`],
        ['request lines of requests the client cut (outcome `aborted`)', String(l.abortedLines)],
        ['other request lines not a panel answered in full', String(l.unexpected)],
        ['other lines', Object.keys(l.otherLines).length ? Object.entries(l.otherLines).map(([k, v]) => `${k}: ${v}`).join(', ') : 'none'],
        ['GET /metrics once at the end', `${ms(m.scrapeMs)}, ${(m.bytes / 1024).toFixed(1)} KiB, ${m.series} samples`],
      ],
    },
  ];
  const notes: string[] = [];
  notes.push(
    o.ratio >= 1
      ? `Logging every request and keeping the metrics cost no throughput that this run could measure (ratio ${ratio(o.ratio)}; the aim allows ${((1 - opt.aim) * 100).toFixed(0)} %).`
      : o.ratio >= opt.aim
        ? `Logging every request and keeping the metrics cost ${((1 - o.ratio) * 100).toFixed(1)} % of warm throughput (the aim allows ${((1 - opt.aim) * 100).toFixed(0)} %).`
        : `**Below the aim**: with logging and metrics on, warm throughput is ${ratio(o.ratio)} of that with both off (aim ≥ ${ratio(opt.aim)}).`,
    `Round by round the ratio ran from ${ratio(ratios[0] ?? Number.NaN)} to ${ratio(ratios.at(-1) ?? Number.NaN)} (median ${ratio(medianRatio)}): the spread is the machine's, which the alternation shares out.` +
      (cpuRatio === undefined
        ? ''
        : ` The server thread's CPU time per request, which moves far less with the rest of the machine, says the same cost another way: ${us(o.on.cpuUsPerRequest)} against ${us(o.off.cpuUsPerRequest)} (${cpuRatio >= 1 ? '+' : '−'}${(Math.abs(cpuRatio - 1) * 100).toFixed(1)} %; the log file's writes run on libuv's pool threads and are not in it).`),
    observabilityChecked(o)
      ? `Every request left exactly one log line, and the request counter agrees with the lines and with the client: ${l.requestLines} lines, ${l.sentTotal} requests sent, ${m.requestsTotal} counted.`
      : `**The counts disagree**: ${l.requestLines} request lines, ${l.sentTotal} requests sent, ${m.requestsTotal} in the request counter, ${m.durationCount} in the duration histogram; ${slotsMatching} of ${l.rounds.length} slots matched; ${l.notJson} lines not JSON, ${l.unexpected} unexpected.`,
  );
  if (l.abortedLines) {
    notes.push(
      `The ${l.abortedLines} requests still in flight when autocannon closed its connections at a slot's end were logged and counted with the outcome \`aborted\` (the client went away before the answer was written).`,
    );
  }
  const a = o.attribution;
  if (a) {
    tables.push(
      {
        head: ['attribution (each against the off slots of its own steps)', 'requests / second', 'ratio to off', 'CPU / request'],
        rows: (['off', 'logs', 'metrics', 'on'] as const).map((variant) => [
          VARIANT_LABELS[variant],
          a.loads[variant].rps.toFixed(1),
          variant === 'off' ? '' : ratio(a.ratios[variant]),
          us(a.loads[variant].cpuUsPerRequest),
        ]),
      },
      {
        head: ['server-thread time per request by area (CPU profiles, one step each)', 'off', 'on', 'on − off'],
        rows: a.areaDelta.slice(0, 10).map((d) => [`\`${d.area}\``, us(d.off), us(d.on), signedUs(d.delta)]),
      },
      {
        head: ['… by function (top frames of either profile)', 'where', 'off', 'on', 'on − off'],
        rows: a.frameDelta.slice(0, 12).map((d) => [`\`${d.area}\``, `\`${d.where}\``, us(d.off), us(d.on), signedUs(d.delta)]),
      },
    );
    notes.push(
      `Attribution: ${a.rounds} rounds of three steps, each pairing logging only, metrics only or both with off. ` +
        `Profiles (inspector, server thread): off ${us(a.cpu.off.busyUsPerRequest)} busy per request over ${a.cpu.off.requests} requests, ` +
        `on ${us(a.cpu.on.busyUsPerRequest)} over ${a.cpu.on.requests}; files \`${a.cpu.off.profile.file}\` and \`${a.cpu.on.profile.file}\`.`,
    );
  }
  notes.push(
    'The servers share one process, and the upstream core publishes on one process-wide diagnostics channel: once the on server subscribes, ' +
      'the off server publishes its upstream events too, and the on server\'s metrics count them (and its logger would log the off server\'s upstream failures). ' +
      `On a warm cache that is one page's upstream reads per server and step, against hundreds of requests (\`eventgraph_upstream_calls_total\` ${m.upstreamCalls} and ` +
      `\`eventgraph_upstream_cache_requests_total\` ${m.upstreamCacheLookups} in all, for every server here).`,
  );
  return {
    title: '8. Observability: warm throughput with logging and metrics on vs both off',
    intro: [
      `Produced by \`${results.info.command}\` (bench/observability.bench.ts). Two warm servers over the same sources and emulators that differ only in observability: ` +
        '**off**, no logger and no metrics; **on**, a pino logger at `info` writing its JSON lines (one per request) to a real file through ' +
        '`pino.destination({ sync: false })`, so formatting and writing every line is paid for, and `metrics: { enabled: true }` (prom-client, ' +
        'the process metrics included, GET /metrics). Both warmed up, then autocannon (' +
        `${opt.connections} connections, from a worker thread), every body checked; every request carries an \`x-request-id\` naming its load.`,
      `Rounds follow the snapshot step (${(opt.stepMs / 1000).toFixed(0)} s): at each step's start the warm server builds the new snapshot's first page from new upstream reads, and under the ` +
        "sources' rate limits that one build holds every connection for about half a second, so a load placed anywhere on the clock would catch zero, one or two of those stalls. " +
        `Each of ${opt.rounds} rounds is one step: one request to each server builds its page, and from ${(opt.phaseMs / 1000).toFixed(1)} s into the step each server ` +
        `is measured alone for an equal slot (${(opt.slotMs / 1000).toFixed(1)} s, the load generator's start included), off first in odd rounds and on first in even ones, ` +
        `so a second or two apart; the slots ran from +${(o.slotWindow[0] / 1000).toFixed(2)} s to +${(o.slotWindow[1] / 1000).toFixed(2)} s of their steps.`,
    ],
    tables,
    notes,
  };
}

function protectionSection(results: Results): Section {
  return {
    title: '9–10. Protection: request limits, vendor governors',
    intro: [
      'Request limits: a server with the shipped cost limit and shape limits wide enough for the 500-alias document to reach the cost check (`maxAliases` 1000, `maxTokens` 100000); with the shipped shape limits it is refused sooner, while parsing.',
      'Governors: the warm server as shipped, bk-repo forced to answer 429 (Retry-After: 1).',
    ],
    tables: [],
    notes: [
      renderLimits([results.limits.refusal], results.limits.concurrent).split('\n').join(' · '),
      ...governorReportLines(results.governor),
    ],
  };
}

function sections(results: Results): Section[] {
  return [
    fanOutSection(results),
    deepSection(results),
    throughputSection(results),
    dashboardSection(results),
    histogramSection(results),
    serviceSection(results),
    authSection(results),
    observabilitySection(results),
    protectionSection(results),
  ];
}

export function renderConsole(results: Results): string {
  const lines: string[] = [];
  const table = (t: Table) => {
    const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
    lines.push(line(t.head), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of t.rows) lines.push(line(row));
    lines.push('');
  };
  lines.push('', 'Summary', '=======');
  table(summary(results));
  for (const section of sections(results)) {
    lines.push(section.title, '-'.repeat(section.title.length));
    for (const t of section.tables) table(t);
    for (const note of section.notes) lines.push(note);
    lines.push('');
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
    'Speed and upstream cost of eventgraph, measured here rather than in timed tests. The real',
    'server runs against the five vendor emulators over loopback HTTP, with the demo',
    'configuration (`src/demo/demo.config.ts`) and the production HTTP policy (signing, zod',
    `validation of every answer, retries, concurrency ${DEFAULT_CONCURRENCY} per source). The emulators run in a`,
    'worker thread of their own, so the server\'s thread runs eventgraph alone. The machines',
    'these run on are noisy and shared, so every comparison is measured **in one run,',
    'interleaved**, and the **ratios** are the figures to compare between runs; absolute',
    'milliseconds are for this machine on this day only. All figures below come from the run',
    'described here; none is edited by hand.',
    '',
    '## This run',
    '',
    '| | |',
    '|---|---|',
    `| command | \`${info.command}\` |`,
    `| date | ${info.date} |`,
    `| machine | ${info.cpus} × ${escape(info.cpuModel)}, ${(info.totalMemory / 1024 ** 3).toFixed(1)} GiB RAM, ${info.platform}; load average before the run ${info.loadAverage.map((x) => x.toFixed(2)).join(' / ')} |`,
    `| node | ${info.node} |`,
    `| data | the five emulators with \`scale: ${info.scale}\`, \`seed: ${info.seed}\`, anchor ${info.anchor}: ${info.events?.toLocaleString('en') ?? 'an unknown number of'} events in the timeline (\`totalCount\`) |`,
    `| sources | ${SOURCE_KEYS.map((key) => `\`${info.sourceNames[key]}\` (${SOURCE_LABELS[key]})`).join(', ')} |`,
    `| cold server | the same sources with cross-request caches off: ${info.coldSettings.length ? info.coldSettings.map((s) => `\`${escape(s)}\``).join(', ') : 'none to switch off'} |`,
    `| warm server | the configuration as shipped |`,
    `| process RSS after start-up | ${mib(info.baselineRss)} (one process: both servers, and the emulators' worker thread with their data) |`,
    `| whole run | ${(info.durationMs / 1000).toFixed(1)} s |`,
    '',
    '## Summary',
    '',
  ];
  const table = (t: Table) => {
    out.push(`| ${t.head.map(escape).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
    for (const row of t.rows) out.push(`| ${row.map(escape).join(' | ')} |`);
    out.push('');
  };
  table(summary(results));
  for (const section of sections(results)) {
    out.push(`## ${section.title}`, '');
    for (const paragraph of section.intro) out.push(paragraph, '');
    for (const t of section.tables) table(t);
    for (const note of section.notes) out.push(note);
    if (section.notes.length) out.push('');
  }
  out.push(
    '## Notes',
    '',
    '- Percentiles are nearest-rank: a p95 is an observed request, not an interpolation.',
    '- "Calls" are API requests counted by the emulators themselves (their request logs), reset',
    '  before each timed request; `sources.upstreamCalls` is what the API reports about itself.',
    '- The emulators run in a worker thread of their own, with their own event loop, as remote',
    '  vendors would: their query work and signature checks do not run on the server\'s thread,',
    '  and the throughput profile (the server\'s thread only) does not include them. They are',
    '  still in the same process, so they share the machine\'s cores with the server (and, in',
    '  section 3, with the load generator\'s thread), and the process RSS includes them.',
    '',
  );
  return out.join('\n');
}
