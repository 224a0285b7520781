import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runExport, type ExportIo } from '../../src/cli/export/export-command.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { startCuttingProxy, type CuttingProxy } from '../helpers/cutting-proxy.js';
import { exportUrl, getExport, ndjsonOf } from '../helpers/export-client.js';
import { histogramScope } from '../helpers/histogram-oracle.js';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/tail-client.js';
import { fiveSources, SOURCE_NAMES } from '../helpers/timeline-oracle.js';

/*
 * `npx eventgraph export` against the real server and the five emulators: as a process where
 * a user would notice the difference (the command, exit codes, a kill), in-process otherwise.
 */

const root = new URL('../..', import.meta.url).pathname;
const KEY = generateApiKey();
/** Parts small enough that an export of the stack's data takes several. */
const CHUNK = '400';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command as a user runs it: `npx eventgraph export`, or its bin script itself when it is to be killed (npx would survive it). */
function spawnCli(args: readonly string[], through: 'npx' | 'node' = 'npx'): ChildProcess & { done: Promise<Run> } {
  const command = through === 'npx' ? ['npx', 'eventgraph', 'export'] : [process.execPath, 'bin/eventgraph.mjs', 'export'];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: root, env: { ...process.env, EVENTGRAPH_API_KEY: KEY } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return Object.assign(child, { done });
}

/** The command in this process, with stderr a terminal or not. */
async function runInProcess(args: readonly string[], options: { tty?: boolean; key?: string | null } = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 120 });
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const env = options.key === null ? {} : { EVENTGRAPH_API_KEY: options.key ?? KEY };
  const io: ExportIo = { stdout, stderr, env, backoffMs: () => 20 };
  const code = await runExport(args, io);
  return { code, stdout: out, stderr: err };
}

describe('eventgraph export', () => {
  let stack: Stack;
  let dir: string;
  let origin: string;
  /** The whole NDJSON export, in one request: what every file must come to. */
  let wholeEvents: string;
  let wholeCsv: string;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: 0.05 },
      sources: (emulators) => fiveSources(emulators, histogramScope(emulators)),
      server: { auth: { mode: 'required', apiKeys: [{ name: 'auditor', hash: await hashApiKey(KEY, { N: 2 ** 14, r: 8, p: 1 }), sources: ['*'] }] } },
    });
    origin = new URL(stack.server.url).origin;
    const headers = { authorization: `Bearer ${KEY}` };
    const ndjson = await getExport(exportUrl(stack.server.url, 'ndjson'), headers);
    wholeEvents = ndjsonOf(ndjson.body).rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    wholeCsv = (await getExport(exportUrl(stack.server.url, 'csv'), headers)).body;
    expect(ndjsonOf(ndjson.body).rows.length).toBeGreaterThan(3 * Number(CHUNK));
  }, 60_000);
  afterAll(() => stack?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventgraph-export-'));
    return () => rm(dir, { recursive: true, force: true });
  });

  /** An NDJSON file's events, and its last line's summary. */
  async function ndjsonFile(path: string) {
    const { rows, summary } = ndjsonOf(await readFile(path, 'utf8'));
    return { events: rows.map((row) => `${JSON.stringify(row)}\n`).join(''), rows, summary };
  }

  it('writes the export to a file in parts, as one request would give it, and ends it with the whole summary', async () => {
    const out = join(dir, 'audit.ndjson');
    const run = await spawnCli(['--url', `${origin}/graphql`, '--out', out, '--chunk', CHUNK]).done;
    expect(run.stderr).toMatch(/events written to .*audit\.ndjson, complete/);
    expect(run.code).toBe(0);
    const file = await ndjsonFile(out);
    expect(file.events).toBe(wholeEvents);
    expect(file.summary).toMatchObject({ complete: true, events: file.rows.length, nextCursor: null, failed: [] });
    expect(existsSync(`${out}.export-state.json`)).toBe(false);
  });

  it('CSV: one header, the records of every part, and FILE.summary.json', async () => {
    const out = join(dir, 'audit.csv');
    const run = await runInProcess(['--url', origin, '--format', 'csv', '--out', out, '--chunk', CHUNK]);
    expect(run.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(wholeCsv);
    expect(JSON.parse(await readFile(`${out}.summary.json`, 'utf8'))).toMatchObject({ complete: true, failed: [] });
  });

  it('writes to stdout without --out', async () => {
    const run = await runInProcess(['--url', origin, '--chunk', CHUNK]);
    expect(run.code).toBe(0);
    const { rows, summary } = ndjsonOf(run.stdout);
    expect(rows.map((row) => `${JSON.stringify(row)}\n`).join('')).toBe(wholeEvents);
    expect(summary.complete).toBe(true);
  });

  describe('through a connection that breaks', () => {
    let proxy: CuttingProxy;
    afterAll(() => proxy?.close());

    it.each(['ndjson', 'csv'] as const)('%s: a connection killed mid-stream is asked again from the last whole part: the same file', async (format) => {
      // The second part's connection breaks halfway through a record.
      proxy = await startCuttingProxy(stack.server.port, (index) => (index === 1 ? { cutAfterBytes: 70_001 } : {}));
      const out = join(dir, `audit.${format}`);
      const run = await runInProcess(['--url', proxy.url, '--format', format, '--out', out, '--chunk', CHUNK]);
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.connections).toBeGreaterThan(2);
      if (format === 'csv') expect(await readFile(out, 'utf8')).toBe(wholeCsv);
      else expect((await ndjsonFile(out)).events).toBe(wholeEvents);
      await proxy.close();
    });

    it('a process killed mid-stream is continued with --resume: the same file', async () => {
      // The second part's answer stops coming halfway; the process is killed while it waits.
      proxy = await startCuttingProxy(stack.server.port, (index) => (index === 1 ? { holdAfterBytes: 50_000 } : {}));
      const out = join(dir, 'audit.ndjson');
      const first = spawnCli(['--url', proxy.url, '--out', out, '--chunk', CHUNK], 'node');
      await waitUntil(() => (proxy.held && existsSync(`${out}.export-state.json`) ? true : undefined), 20_000, () => 'the second part was not held');
      first.kill('SIGKILL');
      await first.done;
      const partial = await readFile(out, 'utf8');
      expect(partial.length).toBeGreaterThan(0);
      expect(wholeEvents.startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(wholeEvents.length);

      const resumed = await spawnCli(['--url', origin, '--out', out, '--resume', '--chunk', CHUNK]).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((await ndjsonFile(out)).events).toBe(wholeEvents);
      await proxy.close();
    }, 60_000);

    it('gives up after --retries broken attempts: exit 1, and the message says to resume', async () => {
      proxy = await startCuttingProxy(stack.server.port, (index) => (index >= 1 ? { cutAfterBytes: 10_000 } : {}));
      const out = join(dir, 'audit.ndjson');
      const run = await runInProcess(['--url', proxy.url, '--out', out, '--chunk', CHUNK, '--retries', '2']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/INCOMPLETE: the export was cut off.*--resume/);
      expect(proxy.connections).toBe(4);
      // The file holds the first part, whole: nothing of the broken ones.
      expect(wholeEvents.startsWith(await readFile(out, 'utf8'))).toBe(true);
      await proxy.close();
      const resumed = await runInProcess(['--url', origin, '--out', out, '--resume', '--chunk', CHUNK]);
      expect(resumed.code).toBe(0);
      expect((await ndjsonFile(out)).events).toBe(wholeEvents);
    });
  });

  it('an export a source failed is INCOMPLETE (exit 1, the source named); --resume completes it', async () => {
    const out = join(dir, 'audit.ndjson');
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    let run: Run;
    try {
      run = await runInProcess(['--url', origin, '--out', out, '--chunk', CHUNK]);
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`INCOMPLETE: source ${SOURCE_NAMES.modelarts} failed (UPSTREAM_UNAVAILABLE`);
    expect(run.stderr).toContain('--resume');
    const partial = await ndjsonFile(out);
    expect(partial.summary).toMatchObject({ complete: false, failed: [SOURCE_NAMES.modelarts] });

    const resumed = await runInProcess(['--url', origin, '--out', out, '--resume', '--chunk', CHUNK]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const file = await ndjsonFile(out);
    expect(file.summary).toMatchObject({ complete: true, failed: [] });
    // What the source missed comes after: the same events, the failed source's later.
    const ids = file.rows.map((row) => row['id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(ndjsonOf(`${wholeEvents}{"exportSummary":{}}\n`).rows.map((row) => row['id'])));
  });

  it('shows a progress bar on a terminal: events, rate and the time reached; nothing of it otherwise', async () => {
    const since = '2019-01-01T00:00:00Z';
    const args = ['--url', origin, '--out', join(dir, 'a.ndjson'), '--chunk', CHUNK, '--since', since, '--until', new Date(ANCHOR).toISOString()];
    const tty = await runInProcess(args, { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/\d+% \| [\d,]+ events \| [\d,]+\/s \| at 20\d\d-\d\d-\d\dT/);
    expect(tty.stderr).toContain('100%');
    const plain = await runInProcess(['--url', origin, '--out', join(dir, 'b.ndjson'), '--chunk', CHUNK]);
    expect(plain.stderr).not.toMatch(/events \|/);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says what is wrong, with a non-zero exit', async () => {
    const out = join(dir, 'audit.ndjson');
    await writeFile(out, 'precious');
    const exists = await runInProcess(['--url', origin, '--out', out]);
    expect(exists).toMatchObject({ code: 2, stderr: expect.stringContaining('exists: add --resume') });
    expect(await readFile(out, 'utf8')).toBe('precious');
    const nothing = await runInProcess(['--url', origin, '--out', out, '--resume']);
    expect(nothing).toMatchObject({ code: 2, stderr: expect.stringContaining('nothing to resume') });
    expect(await runInProcess(['--format', 'xml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--format must be ndjson or csv') });
    expect(await runInProcess(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--bogus'") });
    const noKey = await runInProcess(['--url', origin], { key: null });
    expect(noKey).toMatchObject({ code: 1, stderr: expect.stringContaining('HTTP 401, UNAUTHENTICATED') });
    const badKind = await runInProcess(['--url', origin, '--kinds', 'NOPE']);
    expect(badKind).toMatchObject({ code: 1, stderr: expect.stringContaining('HTTP 400, BAD_USER_INPUT): kinds:') });
    const down = await runInProcess(['--url', 'http://127.0.0.1:9', '--retries', '0']);
    expect(down).toMatchObject({ code: 1, stderr: expect.stringContaining('the connection to http://127.0.0.1:9 failed') });
  });
});
