import { SortDirection, type EventRecord } from '../../src/model/event.model.js';
import type { EventSource, SourceSession } from '../../src/timeline/event-source.js';
import { keysetWindow, type Stream, type StreamChunk, type StreamPlan, type StreamQuery, type StreamReader } from '../../src/timeline/stream.js';
import type { UpstreamCallCounts } from '../../src/upstream/upstream.calls.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';

/*
 * Streams held in memory, for the contracts between the timeline and its streams: no HTTP,
 * no emulator, every answer chosen by the test.
 */

export function record(source: string, stream: string, at: number, id: string): EventRecord {
  return {
    id,
    kind: 'MEMORY',
    vendor: 'MEMORY',
    sourceName: source,
    streamKey: `${source}/${stream}`,
    occurredAt: at,
    outcome: 'SUCCESS' as EventRecord['outcome'],
    actor: null,
    resource: null,
    summary: `${stream} ${id}`,
    raw: {},
  };
}

export const unavailable = (source: string): UpstreamError =>
  new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source, status: 503, message: `${source} is down` });

abstract class RecordingStream implements Stream {
  readonly key: string;
  /** Every query the stream was opened with, in order. */
  readonly opens: StreamQuery[] = [];
  /** Every plan the stream answered. */
  readonly plans: StreamPlan[] = [];
  /** Upstream calls, across every reader of the stream. */
  calls = 0;

  constructor(
    readonly sourceName: string,
    name: string,
    readonly maxPageSize: number,
  ) {
    this.key = `${sourceName}/${name}`;
  }

  plan(): StreamPlan {
    const plan: StreamPlan = { skip: false, upstream: ['since', 'until'] };
    this.plans.push(plan);
    return plan;
  }

  abstract open(query: StreamQuery): StreamReader;
}

/**
 * Answers exactly the chunks it is given, one per call, whatever the query: for chunks that
 * break the total order the way upstreams do. An Error in the list is thrown by that call.
 */
export class ScriptedStream extends RecordingStream {
  constructor(
    sourceName: string,
    name: string,
    private readonly chunks: Array<StreamChunk | Error>,
    maxPageSize = 1000,
  ) {
    super(sourceName, name, maxPageSize);
  }

  open(query: StreamQuery): StreamReader {
    this.opens.push(query);
    let call = 0;
    return {
      next: async () => {
        this.calls += 1;
        const chunk = this.chunks[call] ?? { events: [], done: true };
        call += 1;
        if (chunk instanceof Error) throw chunk;
        return chunk;
      },
    };
  }
}

/**
 * An upstream history read as an upstream that pages by offset reads it: in time order only
 * (ties in the order they were added), `want` records a call, the offset counted afresh at
 * every call, so records added between two calls shift what the next call answers.
 */
export class HistoryStream extends RecordingStream {
  private readonly history: EventRecord[] = [];
  /** Upstream call numbers (1-based, across readers) that fail. */
  failOn = new Set<number>();
  /** Runs before each call, with its number: to add records while a read is under way. */
  beforeCall: ((call: number) => void) | undefined;
  /**
   * When set, each call is counted on the query's tally as the upstream core counts a real
   * call, and a successful one may serve this many ms; unset, the stream counts nothing.
   */
  servesForMs: number | undefined;

  constructor(sourceName: string, name: string, options: { times?: number[]; maxPageSize?: number } = {}) {
    super(sourceName, name, options.maxPageSize ?? 1000);
    for (const at of options.times ?? []) this.add(at);
  }

  /** Adds a record at `at`; its id tells the stream and the order it was added in. */
  add(at: number, id = `${this.key.split('/')[1]}-${String(this.history.length).padStart(3, '0')}`): EventRecord {
    const event = record(this.sourceName, this.key.split('/')[1]!, at, id);
    this.history.push(event);
    return event;
  }

  get events(): readonly EventRecord[] {
    return this.history;
  }

  open(query: StreamQuery): StreamReader {
    this.opens.push(query);
    let offset = 0;
    return {
      next: async () => {
        this.calls += 1;
        this.beforeCall?.(this.calls);
        if (this.servesForMs !== undefined) query.calls.add(this.sourceName);
        if (this.failOn.has(this.calls)) throw unavailable(this.sourceName);
        if (this.servesForMs !== undefined) query.calls.answered(this.sourceName, Date.now() + this.servesForMs);
        const window = keysetWindow(query);
        const ascending = query.order === SortDirection.ASC;
        const inWindow = this.history
          .filter((event) => event.occurredAt <= window.until && (window.since === undefined || event.occurredAt >= window.since))
          .sort((a, b) => (ascending ? a.occurredAt - b.occurredAt : b.occurredAt - a.occurredAt));
        const events = inWindow.slice(offset, offset + query.want);
        offset += query.want;
        return { events, done: offset >= inWindow.length, total: inWindow.length };
      },
    };
  }
}

/** A source over given streams; its listing fails while `failListing` is set. */
export class MemorySource implements EventSource {
  readonly kind = 'MEMORY';
  readonly vendor = 'MEMORY';
  readonly endpoint = 'memory:';
  failListing = false;
  /** The tally each listing was handed, in order. */
  readonly listings: UpstreamCallCounts[] = [];

  constructor(
    readonly name: string,
    readonly streams: Stream[] = [],
  ) {}

  openSession(): SourceSession {
    return {
      source: this,
      streams: async (calls) => {
        this.listings.push(calls);
        if (this.failListing) throw unavailable(this.name);
        return this.streams;
      },
      findEvent: async () => null,
    };
  }
}
