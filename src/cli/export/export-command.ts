import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { addToSource, failedSources, type ExportSummary, type SourceSummary } from '../../server/export/export-summary.js';
import { ExportOutputError, FileOutput, STATE_VERSION, StreamOutput, type ExportOutput, type ExportState } from './export-output.js';
import { ExportProgress } from './export-progress.js';
import { ExportBrokenError, ExportHttpError, requestExportPart } from './export-request.js';

/*
 * `eventgraph export` (docs/export.md): asks a running server for an export in parts of
 * `--chunk` events, each resumed from the cursor the last one ended with, so that a broken
 * connection costs one part, and `--resume` continues a file another run left partial.
 */

export const EXPORT_USAGE = `usage: eventgraph export [options]
  --url URL          the server (default $EVENTGRAPH_URL, or http://127.0.0.1:4000)
  --api-key KEY      its API key (default $EVENTGRAPH_API_KEY); needed when the server has auth
  --format FORMAT    ndjson (default) or csv
  --out FILE         write to FILE (default: stdout); FILE.export-state.json keeps its progress
  --resume           go on with a partial FILE, from where it stopped
  --force            write FILE even if it exists
  --since TIME       the filter: ISO-8601 or epoch milliseconds, inclusive
  --until TIME
  --kinds LIST       comma-separated, e.g. AUDIT,TRIGGER; so are --vendors, --sources, --outcomes
  --vendors LIST
  --sources LIST
  --outcomes LIST
  --actor TEXT       exact actor
  --resource TEXT    exact resource
  --search TEXT      text in summary, resource or actor
  --order ORDER      ASC (default, oldest first) or DESC
  --chunk N          events per request (default 10000)
  --retries N        attempts per part after a broken connection or a busy server (default 3)
  --quiet            no progress bar (there is none unless stderr is a terminal)`;

const FILTER_OPTIONS = ['since', 'until', 'kinds', 'vendors', 'sources', 'outcomes', 'actor', 'resource', 'search', 'order'] as const;
const DEFAULT_URL = 'http://127.0.0.1:4000';
const DEFAULT_CHUNK = 10_000;
const DEFAULT_RETRIES = 3;

export interface ExportIo {
  stdout: NodeJS.WritableStream & { write(text: string): boolean };
  stderr: NodeJS.WritableStream & { write(text: string): boolean; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Waits between retries; tests shorten it. */
  backoffMs?: (attempt: number) => number;
}

interface ExportCommand {
  url: URL;
  apiKey: string | undefined;
  format: 'ndjson' | 'csv';
  out: string | undefined;
  resume: boolean;
  force: boolean;
  params: Record<string, string>;
  chunk: number;
  retries: number;
  quiet: boolean;
}

/** Exit codes: 0 complete, 1 incomplete or refused by the server, 2 a usage or file problem. */
export async function runExport(args: readonly string[], io: ExportIo): Promise<number> {
  let command: ExportCommand;
  try {
    command = parseCommand(args, io.env);
  } catch (error) {
    io.stderr.write(`eventgraph export: ${(error as Error).message}\n${EXPORT_USAGE}\n`);
    return 2;
  }
  let opened: { output: ExportOutput; state: ExportState };
  try {
    opened = await openOutput(command, io);
  } catch (error) {
    if (!(error instanceof ExportOutputError)) throw error;
    io.stderr.write(`eventgraph export: ${error.message}\n`);
    return 2;
  }
  return exportParts(command, opened.output, opened.state, io);
}

function parseCommand(args: readonly string[], env: NodeJS.ProcessEnv): ExportCommand {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      chunk: { type: 'string' },
      retries: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      ...Object.fromEntries(FILTER_OPTIONS.map((name) => [name, { type: 'string' as const }])),
    },
  });
  const format = values.format;
  if (format !== 'ndjson' && format !== 'csv') throw new Error('--format must be ndjson or csv');
  if (values.resume && !values.out) throw new Error('--resume needs --out: stdout cannot be resumed');
  if (values.resume && values.force) throw new Error('--resume and --force contradict each other');
  let url: URL;
  try {
    url = new URL(values.url ?? env['EVENTGRAPH_URL'] ?? DEFAULT_URL);
  } catch {
    throw new Error('--url must be a URL such as http://127.0.0.1:4000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('--url must be http: or https:');
  const params: Record<string, string> = {};
  for (const name of FILTER_OPTIONS) {
    const value = (values as Record<string, unknown>)[name];
    if (typeof value === 'string') params[name] = value;
  }
  return {
    url,
    apiKey: values['api-key'] ?? env['EVENTGRAPH_API_KEY'],
    format,
    out: values.out,
    resume: values.resume,
    force: values.force,
    params,
    chunk: positive(values.chunk, '--chunk', DEFAULT_CHUNK),
    retries: positive(values.retries, '--retries', DEFAULT_RETRIES, 0),
    quiet: values.quiet,
  };
}

function positive(text: string | undefined, name: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new Error(`${name} must be a whole number of at least ${min}`);
  return value;
}

async function openOutput(command: ExportCommand, io: ExportIo): Promise<{ output: ExportOutput; state: ExportState }> {
  const fresh: ExportState = { version: STATE_VERSION, format: command.format, params: command.params, cursor: null, bytes: 0, events: 0, asOf: null, sources: [] };
  if (!command.out) return { output: new StreamOutput(io.stdout), state: fresh };
  if (!command.resume) return { output: await FileOutput.create(command.out, command.force), state: fresh };
  const resumed = await FileOutput.resume(command.out);
  // The resumption asks what the partial file was asked: options given again must agree.
  if (resumed.state.format !== command.format) throw new ExportOutputError(`${command.out} is a ${resumed.state.format} export, not ${command.format}`);
  for (const [name, value] of Object.entries(command.params)) {
    if (resumed.state.params[name] !== value) throw new ExportOutputError(`--${name} differs from the partial export's; leave it out to resume, or start again with --force`);
  }
  return resumed;
}

/**
 * Asks for part after part until the export is done (or cannot go on), then writes the end:
 * the summary of the whole export, as the last NDJSON line or as FILE.summary.json.
 */
async function exportParts(command: ExportCommand, output: ExportOutput, initial: ExportState, io: ExportIo): Promise<number> {
  const state = { ...initial, params: { ...initial.params } };
  const progress = io.stderr.isTTY && !command.quiet ? progressFor(command, state, io) : undefined;
  let summary: ExportSummary | undefined;
  let attempt = 0;
  try {
    for (;;) {
      // A CSV's header comes once, with the file's first part (again if that part is asked again).
      const header = output.committedBytes === 0 && command.format === 'csv';
      progress?.part(header);
      try {
        summary = await requestExportPart(partUrl(command, state, header), command.apiKey, {
          onText: async (text) => {
            await output.write(text);
            progress?.written(text);
          },
        });
      } catch (error) {
        const retry = retryDelay(error, attempt, command, output, io);
        if (retry === undefined) return reportFailure(error, state, command, io);
        attempt += 1;
        if (error instanceof ExportBrokenError) {
          await output.rewind();
          progress?.rewind();
        }
        await sleep(retry);
        continue;
      }
      attempt = 0;
      advance(state, summary);
      await output.commit(state);
      progress?.commit();
      if ((summary.stopped === 'LIMIT' || summary.stopped === 'BUDGET') && summary.nextCursor) continue;
      break;
    }
  } finally {
    progress?.stop();
  }
  return finish(command, output, state, summary, io);
}

function progressFor(command: ExportCommand, state: ExportState, io: ExportIo): ExportProgress {
  const time = (name: 'since' | 'until') => {
    const text = state.params[name];
    if (text === undefined) return undefined;
    const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
  };
  return new ExportProgress({
    stream: io.stderr,
    format: command.format,
    order: state.params['order'] === 'DESC' ? 'DESC' : 'ASC',
    since: time('since'),
    until: time('until'),
    events: state.events,
  });
}

function partUrl(command: ExportCommand, state: ExportState, header: boolean): URL {
  // At the server's root, whatever path --url names (…/graphql, say).
  const url = new URL(`/export.${command.format}`, command.url);
  for (const [name, value] of Object.entries(state.params)) url.searchParams.set(name, value);
  url.searchParams.set('limit', String(command.chunk));
  if (state.cursor) url.searchParams.set('after', state.cursor);
  if (command.format === 'csv' && !header) url.searchParams.set('header', 'false');
  return url;
}

/** How long to wait before asking a part again, or undefined when it is not to be asked again. */
function retryDelay(error: unknown, attempt: number, command: ExportCommand, output: ExportOutput, io: ExportIo): number | undefined {
  if (attempt >= command.retries) return undefined;
  const backoff = io.backoffMs?.(attempt) ?? 1000 * 2 ** attempt;
  if (error instanceof ExportBrokenError) return output.rewindable ? backoff : undefined;
  if (error instanceof ExportHttpError && (error.status === 503 || error.status === 429)) return error.retryAfterMs ?? backoff;
  return undefined;
}

/** The part's summary added to the whole's (addToSource: counts summed, each source's latest status). */
function advance(state: ExportState, part: ExportSummary): void {
  state.cursor = part.nextCursor ?? state.cursor;
  state.events += part.events;
  state.asOf ??= part.asOf;
  const sources = new Map(state.sources.map((source) => [source.name, source]));
  for (const source of part.sources) sources.set(source.name, addToSource(sources.get(source.name), source));
  state.sources = [...sources.values()];
}

/** The whole export's summary: as the server's, for the export as a whole. */
function wholeSummary(state: ExportState, last: ExportSummary) {
  const complete = last.complete;
  return {
    complete,
    events: state.events,
    asOf: state.asOf,
    nextCursor: complete ? null : state.cursor,
    sources: state.sources,
    failed: failedSources(state.sources),
    ...(last.error ? { error: last.error } : {}),
  };
}

async function finish(command: ExportCommand, output: ExportOutput, state: ExportState, last: ExportSummary | undefined, io: ExportIo): Promise<number> {
  const summary = wholeSummary(state, last!);
  if (command.format === 'ndjson') await output.finish(`${JSON.stringify({ exportSummary: summary })}\n`, summary.complete);
  else {
    await output.finish('', summary.complete);
    if (command.out) await writeFile(`${command.out}.summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
  }
  const where = command.out ?? 'stdout';
  if (summary.complete) {
    io.stderr.write(`eventgraph export: ${state.events} events written to ${where}, complete (as of ${state.asOf})\n`);
    return 0;
  }
  io.stderr.write(`eventgraph export: INCOMPLETE: ${describeGaps(summary.sources, last!)}; ${state.events} events written to ${where}. ${resumeAdvice(command)}\n`);
  return 1;
}

function describeGaps(sources: readonly SourceSummary[], last: ExportSummary): string {
  const failed = sources.filter((source) => source.error);
  if (failed.length > 0) return failed.map((source) => `source ${source.name} failed (${source.error!.code}: ${source.error!.message})`).join('; ');
  return last.error ? `the server stopped the export (${last.error.code}: ${last.error.message})` : 'the export stopped before its end';
}

function resumeAdvice(command: ExportCommand): string {
  return command.out ? 'Run the same command with --resume to fetch what is missing.' : 'Write to a file (--out) to be able to resume.';
}

function reportFailure(error: unknown, state: ExportState, command: ExportCommand, io: ExportIo): number {
  const where = command.out ?? 'stdout';
  if (error instanceof ExportHttpError) {
    io.stderr.write(`eventgraph export: the server refused the export (HTTP ${error.status}${error.code ? `, ${error.code}` : ''}): ${error.message}\n`);
  } else if (error instanceof ExportBrokenError) {
    io.stderr.write(`eventgraph export: INCOMPLETE: ${error.message}; ${state.events} events written to ${where}. ${resumeAdvice(command)}\n`);
  } else {
    throw error;
  }
  return 1;
}
