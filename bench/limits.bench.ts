import { fileURLToPath } from 'node:url';
import { limitsSchema, type LimitsConfig } from '../src/config/auth-config.schema.js';
import { parseConfig } from '../src/config/config.loader.js';
import { demoSources } from '../src/demo/demo.config.js';
import { startEmulators } from '../src/demo/demo.emulators.js';
import type { RequestCounts } from '../src/emulators/common/request.log.js';
import { startServer } from '../src/server/server.js';
import type { DemoSourceDocument } from '../src/vendors/vendor-module.js';
import { builtInVendors, VENDORS } from '../src/vendors/vendors.js';
import { mib, ms, summarize, type Summary } from './stats.js';

/*
 * The request limits of docs/limits.md under attack: how fast the 500-alias document is
 * refused, and what six concurrent documents do to memory, both at the edge of what the
 * limits let through and far beyond it.
 *
 * What the functions need from the stack (`LimitsBenchTarget`): a server started with
 * `limits` (the cost, armor and response-size plugins wired in) over the emulators, and the
 * emulators' call counts. `BenchStack` gives `calls()` and `resetCalls()` as they are; the
 * server must be one that `startServer` starts with `limits`. For the refusal to be timed
 * at the cost limit rather than at the parser, that server needs `limits.maxTokens` of at
 * least 9 000 and `limits.maxAliases` of at least 500: with the defaults the document is
 * refused earlier, while parsing, which the result says (`code`).
 *
 * `npx tsx bench/limits.bench.ts` runs both on their own: the five emulators in-process, with
 * demo mode's sources (caches off), and a server built as src/server/server.ts is to wire
 * the plugins.
 */

export interface LimitsBenchTarget {
  /** The GraphQL endpoint of a server with limits. */
  url: string;
  /** The limits that server runs with. */
  limits: Pick<LimitsConfig, 'maxCost' | 'maxAliases'>;
  /** Upstream requests the emulators received since the last reset. */
  calls(): Promise<{ total: number }>;
  resetCalls(): Promise<void>;
}

/** `{ a0: events(first: 500) { edges { node { id } } } a1: ... }`, `n` aliases. */
export function aliasedPages(n: number, pageSize = 500): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: events(first: ${pageSize}) { edges { node { id } } }`).join(' ')} }`;
}

/** The attack: 500 aliased pages of 500 events. */
export const FIVE_HUNDRED_ALIASES = aliasedPages(500);

interface Answer {
  status: number;
  ms: number;
  code: string | null;
  cost: number | null;
}

async function post(url: string, query: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string; cost?: number } }> };
  const first = body.errors?.[0]?.extensions;
  return { status: response.status, ms: performance.now() - started, code: first?.code ?? null, cost: first?.cost ?? null };
}

export interface RefusalOptions {
  warmup: number;
  samples: number;
  /**
   * Each document differs by a comment, as an attacker's would, so that none is answered
   * from Apollo's cache of parsed and validated documents: each is parsed, validated and
   * estimated. False sends the same text every time (after the first, only the estimate runs).
   */
  distinct: boolean;
}

export interface RefusalResult {
  distinct: boolean;
  documentBytes: number;
  /** Client-side time of each refusal, over loopback HTTP. */
  ms: Summary;
  status: number;
  /** What refused it: QUERY_TOO_COSTLY, or GRAPHQL_PARSE_FAILED with the default token limit. */
  code: string | null;
  /** The estimate, when the cost limit refused it. */
  cost: number | null;
  /** Upstream requests the emulators received during the timed refusals: 0 is the point. */
  upstreamCalls: number;
}

/** (a) The 500-alias document, refused `samples` times in a row. */
export async function benchCostRefusal(target: LimitsBenchTarget, options: RefusalOptions): Promise<RefusalResult> {
  const document = (i: number) => (options.distinct ? `# ${i}\n${FIVE_HUNDRED_ALIASES}` : FIVE_HUNDRED_ALIASES);
  for (let i = 0; i < options.warmup; i += 1) await post(target.url, document(-i - 1));
  await target.resetCalls();
  const answers: Answer[] = [];
  for (let i = 0; i < options.samples; i += 1) answers.push(await post(target.url, document(i)));
  const { total } = await target.calls();
  const last = answers.at(-1)!;
  if (answers.some((answer) => answer.status === 200)) throw new Error('the 500-alias document was answered, not refused: is the server started with limits?');
  return {
    distinct: options.distinct,
    documentBytes: Buffer.byteLength(FIVE_HUNDRED_ALIASES),
    ms: summarize(answers.map((answer) => answer.ms)),
    status: last.status,
    code: last.code,
    cost: last.cost,
    upstreamCalls: total,
  };
}

export interface ConcurrentOptions {
  /** Documents sent at once (the issue's figure is six). */
  concurrency: number;
  /** RSS sampling period. */
  sampleEveryMs: number;
}

export interface ConcurrentPhase {
  /** What was sent, in words. */
  what: string;
  /** Estimated cost of one document (the server's figure when it refused one, else our own bound). */
  costEach: number | null;
  statuses: number[];
  ms: number;
  /** RSS before the phase, and the highest sampled during it. */
  rssBefore: number;
  rssPeak: number;
  upstreamCalls: number;
}

export interface ConcurrentResult {
  options: ConcurrentOptions;
  /** Six 500-alias documents: refused, none should call upstream. */
  refused: ConcurrentPhase;
  /** Six documents just within the cost limit: answered, the most the limits let through. */
  atLimit: ConcurrentPhase;
  /** The server answered a small query after both. */
  survived: boolean;
}

/**
 * (b) `concurrency` documents at once, twice: 500-alias documents (refused), then documents
 * as costly as the limit allows (answered), sampling the process's RSS every
 * `sampleEveryMs`. The emulators run in this process too; the baseline is in the result.
 */
export async function benchConcurrentAtLimit(target: LimitsBenchTarget, options: ConcurrentOptions): Promise<ConcurrentResult> {
  const phase = async (what: string, document: string, costEach: number | null): Promise<ConcurrentPhase> => {
    await target.resetCalls();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, options.sampleEveryMs);
    const started = performance.now();
    try {
      const answers = await Promise.all(Array.from({ length: options.concurrency }, () => post(target.url, document)));
      const elapsed = performance.now() - started;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      const { total } = await target.calls();
      return { what, costEach: costEach ?? answers.find((answer) => answer.cost !== null)?.cost ?? null, statuses: answers.map((a) => a.status), ms: elapsed, rssBefore, rssPeak, upstreamCalls: total };
    } finally {
      clearInterval(sampler);
    }
  };

  const refused = await phase(`${options.concurrency} × the 500-alias document`, FIVE_HUNDRED_ALIASES, null);
  const { document, costEach } = await atTheLimit(target);
  const atLimit = await phase(`${options.concurrency} × ${costEach.aliases} aliased events(first: 500)`, document, costEach.total);
  const after = await post(target.url, '{ sources { name } }');
  return { options, refused, atLimit, survived: after.status === 200 };
}

/**
 * The costliest document of aliased `events(first: 500)` the limits let through: the
 * server's own estimate of a document it refuses gives the cost of one field.
 */
async function atTheLimit(target: LimitsBenchTarget): Promise<{ document: string; costEach: { aliases: number; total: number } }> {
  const probeAliases = Math.min(target.limits.maxAliases, 500);
  const probe = await post(target.url, aliasedPages(probeAliases));
  let aliases = probeAliases;
  let perField: number | null = null;
  if (probe.code === 'QUERY_TOO_COSTLY' && probe.cost !== null) {
    perField = probe.cost / probeAliases;
    aliases = Math.max(1, Math.floor(target.limits.maxCost / perField));
  }
  return { document: aliasedPages(aliases), costEach: { aliases, total: perField === null ? Number.NaN : aliases * perField } };
}

export function renderLimits(refusals: readonly RefusalResult[], concurrent: ConcurrentResult): string {
  const lines = refusals.map(
    (refusal) =>
      `refusal of the 500-alias document (${(refusal.documentBytes / 1024).toFixed(1)} KB, ${refusal.distinct ? 'a new text each time' : 'the same text each time'}): ` +
      `${refusal.status} ${refusal.code}${refusal.cost === null ? '' : `, estimate ${refusal.cost}`}; ` +
      `p50 ${ms(refusal.ms.median)}, p95 ${ms(refusal.ms.p95)} over ${refusal.ms.n}; upstream calls ${refusal.upstreamCalls}`,
  );
  for (const phase of [concurrent.refused, concurrent.atLimit]) {
    lines.push(
      `${phase.what}${phase.costEach === null || Number.isNaN(phase.costEach) ? '' : ` (cost ${phase.costEach} each)`}: statuses ${[...new Set(phase.statuses)].join('/')}, ` +
        `${ms(phase.ms)}, RSS ${mib(phase.rssBefore)} → peak ${mib(phase.rssPeak)}, upstream calls ${phase.upstreamCalls}`,
    );
  }
  lines.push(`server answered afterwards: ${concurrent.survived ? 'yes' : 'NO'}`);
  return lines.join('\n');
}

/**
 * A server with `limits`, over demo mode's sources with the cross-request cache off, so that
 * every document at the limit really goes upstream. Shape limits wide enough for the
 * 500-alias document to reach the cost limit rather than be refused while parsing.
 */
export async function startLimitsBenchServer(documents: readonly DemoSourceDocument[]): Promise<{ url: string; limits: LimitsConfig; stop(): Promise<void> }> {
  const vendors = builtInVendors();
  const limits = limitsSchema.parse({ maxAliases: 1000, maxTokens: 100_000 });
  const config = parseConfig({ sources: documents.map((source) => ({ ...source, cacheTtlSeconds: 0 })) }, 'limits benchmark', vendors.configSchema);
  const server = await startServer({ vendors, port: 0, host: '127.0.0.1', cursorSecret: 'limits-bench-cursor-secret', limits });
  server.setSources(vendors.createSources(config));
  return { url: server.url, limits, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const smoke = process.env.BENCH_SMOKE === '1';
  const emulators = await startEmulators({ scale: 2, seed: 1, now: Date.UTC(2026, 0, 1) });
  const handles = emulators as unknown as Record<string, { requests(): RequestCounts; resetRequests(): void }>;
  const keys = VENDORS.map((module) => module.emulator.starter.key);
  const server = await startLimitsBenchServer(demoSources(VENDORS, emulators));
  const target: LimitsBenchTarget = {
    url: server.url,
    limits: server.limits,
    calls: async () => ({ total: keys.reduce((n, key) => n + handles[key]!.requests().total, 0) }),
    resetCalls: async () => keys.forEach((key) => handles[key]!.resetRequests()),
  };
  try {
    const counts = { warmup: smoke ? 1 : 5, samples: smoke ? 3 : 50 };
    const distinct = await benchCostRefusal(target, { ...counts, distinct: true });
    const same = await benchCostRefusal(target, { ...counts, distinct: false });
    const concurrent = await benchConcurrentAtLimit(target, { concurrency: 6, sampleEveryMs: 10 });
    console.log(renderLimits([distinct, same], concurrent));
  } finally {
    await server.stop();
    await emulators.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
