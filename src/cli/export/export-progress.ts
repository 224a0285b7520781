import { SingleBar } from 'cli-progress';
import { Parser } from 'csv-parse';

/*
 * The progress line on stderr (a terminal only): events written, their rate, and where in
 * time the export is. With both `since` and `until` given, the bar fills with the time
 * covered; without, it shows the counts alone.
 */

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  format: 'ndjson' | 'csv';
  order: 'ASC' | 'DESC';
  /** Epoch ms, when given: the bar's ends. */
  since?: number;
  until?: number;
  /** Events already in the file (a resumed export). */
  events: number;
}

const OCCURRED_AT = /"occurredAt":"([^"]+)"/;
/** The occurredAt column of a CSV export (export-shape.ts's COMMON_COLUMNS). */
const CSV_OCCURRED_AT = 4;
const SCALE = 1_000;

export class ExportProgress {
  private readonly bar: SingleBar;
  private events: number;
  private committed: number;
  private position: number | undefined;
  private readonly started = Date.now();
  private readonly startEvents: number;
  /** The current part's CSV parser; undefined for NDJSON. */
  private csv: Parser | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.events = options.events;
    this.committed = options.events;
    this.startEvents = options.events;
    const bounded = options.since !== undefined && options.until !== undefined && options.until > options.since;
    this.bar = new SingleBar({
      stream: options.stream,
      format: bounded ? '{bar} {percentage}% | {events} events | {rate}/s | at {position}' : '{events} events | {rate}/s | at {position}',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      // cli-progress checks stream.isTTY itself; the command only makes one for a terminal.
      noTTYOutput: false,
    });
    this.bar.start(SCALE, 0, this.payload());
  }

  /** A part begins; a CSV part's first record is the header when `header`. */
  part(header: boolean): void {
    this.csv?.end();
    if (this.options.format === 'csv') this.csv = this.csvCounter(header);
  }

  /** Text just written: its events counted, the last one's time the position. */
  written(text: string): void {
    if (this.csv) {
      this.csv.write(text);
      return;
    }
    let lines = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines += 1;
    this.events += lines;
    const last = text.lastIndexOf('\n', text.length - 2) + 1;
    const match = OCCURRED_AT.exec(text.slice(last));
    if (match) this.position = Date.parse(match[1]!);
    this.draw();
  }

  /** A part is whole. */
  commit(): void {
    this.committed = this.events;
  }

  /** A broken part is taken back: its events will come again. */
  rewind(): void {
    this.events = this.committed;
    this.draw();
  }

  stop(): void {
    this.csv?.end();
    this.draw();
    this.bar.stop();
  }

  private draw(): void {
    this.bar.update(this.fraction(), this.payload());
  }

  private payload() {
    const seconds = (Date.now() - this.started) / 1000;
    return {
      events: this.events.toLocaleString('en-US'),
      rate: seconds > 0 ? Math.round((this.events - this.startEvents) / seconds).toLocaleString('en-US') : '0',
      position: this.position === undefined ? '-' : new Date(this.position).toISOString(),
    };
  }

  private fraction(): number {
    const { since, until, order } = this.options;
    if (since === undefined || until === undefined || until <= since || this.position === undefined) return 0;
    const covered = order === 'ASC' ? this.position - since : until - this.position;
    return Math.round(Math.min(1, Math.max(0, covered / (until - since))) * SCALE);
  }

  /** CSV records can span lines (a quoted newline): they are counted by a parser. */
  private csvCounter(header: boolean): Parser {
    const parser = new Parser({ relax_column_count: true });
    let skip = header;
    parser.on('readable', () => {
      for (let record: string[] | null = parser.read(); record !== null; record = parser.read()) {
        if (skip) {
          skip = false;
          continue;
        }
        this.events += 1;
        const at = Date.parse(record[CSV_OCCURRED_AT] ?? '');
        if (Number.isFinite(at)) this.position = at;
      }
      this.draw();
    });
    parser.on('error', () => undefined);
    return parser;
  }
}
