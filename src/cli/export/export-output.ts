import { open, readFile, rename, rm, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import type { SourceSummary } from '../../server/export/export-summary.js';

/*
 * Where an export goes: a file, which can be cut back to its last whole part and resumed, or
 * stdout, which cannot. A file's progress is kept beside it, in FILE.export-state.json,
 * written after each part is on disk: the cursor that follows it and the file's length then.
 */

export const STATE_VERSION = 1;

/** What a partial export file is, and where it goes on from. */
export interface ExportState {
  version: typeof STATE_VERSION;
  format: 'ndjson' | 'csv';
  /** The export's query parameters (filter and order): a resumption asks the same. */
  params: Record<string, string>;
  /** Where the next part starts; null before the first. */
  cursor: string | null;
  /** The file's length at the end of the last whole part: FileOutput sets it as it commits. */
  bytes: number;
  events: number;
  asOf: string | null;
  sources: SourceSummary[];
}

export interface ExportOutput {
  /** Whether a broken part can be taken back (a file) or not (stdout). */
  readonly rewindable: boolean;
  /** Bytes of whole parts written, a resumed file's included. */
  readonly committedBytes: number;
  write(text: string): Promise<void>;
  /** The part just written is whole: remember where the export stands. */
  commit(state: ExportState): Promise<void>;
  /** Takes back what was written since the last commit. */
  rewind(): Promise<void>;
  /** Writes the end (the NDJSON summary line) and closes; `done` drops the state (nothing is left to resume). */
  finish(end: string, done: boolean): Promise<void>;
}

export const statePath = (file: string) => `${file}.export-state.json`;

/** A problem with the output file or its state, for a message and exit code 2. */
export class ExportOutputError extends Error {}

export class FileOutput implements ExportOutput {
  readonly rewindable = true;
  private written: number;

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private committed: number,
  ) {
    this.written = committed;
  }

  get committedBytes(): number {
    return this.committed;
  }

  /** A new export into `path`; an existing file is refused unless `force`. */
  static async create(path: string, force: boolean): Promise<FileOutput> {
    const exists = await stat(path).then(() => true, () => false);
    if (exists && !force) throw new ExportOutputError(`${path} exists: add --resume to go on with it, or --force to start it again`);
    await rm(statePath(path), { force: true });
    return new FileOutput(path, await open(path, 'w'), 0);
  }

  /** The partial export in `path` and its state, cut back to the state's last whole part. */
  static async resume(path: string): Promise<{ output: FileOutput; state: ExportState }> {
    const text = await readFile(statePath(path), 'utf8').catch(() => undefined);
    if (text === undefined) throw new ExportOutputError(`${path} has nothing to resume: there is no ${statePath(path)} (the export finished, or never started)`);
    const state = parseState(text, statePath(path));
    const size = await stat(path).then((file) => file.size, () => -1);
    if (size < state.bytes) throw new ExportOutputError(`${path} is shorter than ${statePath(path)} says: it was changed since; start it again with --force`);
    await truncate(path, state.bytes);
    return { output: new FileOutput(path, await open(path, 'a'), state.bytes), state };
  }

  async write(text: string): Promise<void> {
    await this.handle.write(text);
    this.written += Buffer.byteLength(text);
  }

  async commit(state: ExportState): Promise<void> {
    // On disk before the state says so: a crash then leaves a state that points at whole parts.
    await this.handle.datasync();
    this.committed = this.written;
    const temporary = `${statePath(this.path)}.tmp`;
    await writeFile(temporary, JSON.stringify({ ...state, bytes: this.committed }));
    await rename(temporary, statePath(this.path));
  }

  async rewind(): Promise<void> {
    await this.handle.close();
    await truncate(this.path, this.committed);
    this.handle = await open(this.path, 'a');
    this.written = this.committed;
  }

  async finish(end: string, done: boolean): Promise<void> {
    await this.write(end);
    await this.handle.close();
    if (done) await rm(statePath(this.path), { force: true });
  }
}

export class StreamOutput implements ExportOutput {
  readonly rewindable = false;
  private written = 0;
  committedBytes = 0;

  constructor(private readonly stream: NodeJS.WritableStream & { write(text: string): boolean }) {}

  async write(text: string): Promise<void> {
    this.written += Buffer.byteLength(text);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async commit(): Promise<void> {
    this.committedBytes = this.written;
  }

  async rewind(): Promise<void> {
    throw new Error('stdout cannot be rewound');
  }

  async finish(end: string): Promise<void> {
    await this.write(end);
  }
}

function parseState(text: string, path: string): ExportState {
  let state: Partial<ExportState>;
  try {
    state = JSON.parse(text) as Partial<ExportState>;
  } catch {
    throw new ExportOutputError(`${path} is not JSON; start the export again with --force`);
  }
  const valid =
    state.version === STATE_VERSION &&
    (state.format === 'ndjson' || state.format === 'csv') &&
    typeof state.params === 'object' &&
    state.params !== null &&
    (state.cursor === null || typeof state.cursor === 'string') &&
    Number.isSafeInteger(state.bytes) &&
    Number.isSafeInteger(state.events) &&
    Array.isArray(state.sources);
  if (!valid) throw new ExportOutputError(`${path} is not an export state of this version; start the export again with --force`);
  return state as ExportState;
}
