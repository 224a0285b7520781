import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventKey, StreamPosition } from './stream.js';
import { TimelineInputError } from './timeline.errors.js';

/**
 * What a cursor carries. It is a keyset position, never "find this edge again" and never an
 * offset: a page after it re-reads nothing before it.
 */
export interface CursorState {
  /** Hash of the filter and order the cursor was made for. */
  query: string;
  /** Hash of the source names in play when it was made. */
  sources: string;
  /** The snapshot time pinned by the first page. */
  asOf: number;
  /** The last edge handed out. */
  key: EventKey;
  /** The total pinned by the first page, when it was known. */
  total: number | null;
  /**
   * Streams (or whole sources, as `source:<name>`) that failed on an earlier page and are
   * behind `key`: they resume from their own position, null meaning from the start.
   */
  lags: Record<string, EventKey | null>;
  /** Upstream positions of the streams that report one (`StreamReader.positionAt`), at `key`. */
  positions: Record<string, StreamPosition>;
}

type KeyTuple = [number, string, string];

interface CursorWire {
  v: 1;
  q: string;
  s: string;
  a: number;
  k: KeyTuple;
  t: number | null;
  l?: Record<string, KeyTuple | null>;
  p?: Record<string, StreamPosition>;
}

const toTuple = (key: EventKey): KeyTuple => [key.at, key.stream, key.id];
const fromTuple = ([at, stream, id]: KeyTuple): EventKey => ({ at, stream, id });

const isTuple = (value: unknown): value is KeyTuple =>
  Array.isArray(value) &&
  value.length === 3 &&
  Number.isFinite(value[0]) &&
  typeof value[1] === 'string' &&
  typeof value[2] === 'string';

const isPosition = (value: unknown): value is StreamPosition =>
  Array.isArray(value) && value.length <= 8 && value.every((n) => Number.isFinite(n));

/** A short, stable digest of a JSON-able value, for the query and source hashes. */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

/**
 * Cursors are signed so that a tampered one is refused rather than silently serving some
 * other slice of the timeline. The key comes from `server.cursorSecret`, or is random per
 * process (then cursors do not outlive a restart).
 */
export class CursorCodec {
  private readonly secret: Buffer;

  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  encode(state: CursorState): string {
    const wire: CursorWire = {
      v: 1,
      q: state.query,
      s: state.sources,
      a: state.asOf,
      k: toTuple(state.key),
      t: state.total,
    };
    const lags = Object.entries(state.lags);
    if (lags.length > 0) wire.l = Object.fromEntries(lags.map(([name, key]) => [name, key && toTuple(key)]));
    if (Object.keys(state.positions).length > 0) wire.p = state.positions;
    const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** `argument` names the GraphQL argument in the error (`after` or `before`). */
  decode(cursor: string, argument: string): CursorState {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0) {
      throw new TimelineInputError(`${argument}: not a cursor of this API`, argument);
    }
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new TimelineInputError(`${argument}: the cursor was altered, or was issued by another server`, argument);
    }
    let wire: CursorWire;
    try {
      wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorWire;
    } catch {
      throw new TimelineInputError(`${argument}: not a cursor of this API`, argument);
    }
    if (
      wire.v !== 1 ||
      !isTuple(wire.k) ||
      !Number.isFinite(wire.a) ||
      (wire.t !== null && !Number.isInteger(wire.t)) ||
      !Object.values(wire.l ?? {}).every((key) => key === null || isTuple(key)) ||
      !Object.values(wire.p ?? {}).every(isPosition)
    ) {
      throw new TimelineInputError(`${argument}: unsupported cursor version or shape`, argument);
    }
    return {
      query: wire.q,
      sources: wire.s,
      asOf: wire.a,
      key: fromTuple(wire.k),
      total: wire.t,
      lags: Object.fromEntries(Object.entries(wire.l ?? {}).map(([name, key]) => [name, key && fromTuple(key)])),
      positions: wire.p ?? {},
    };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

/** The GraphQL argument a cursor came in: `after` pages forward, `before` backward. */
export type CursorArgument = 'after' | 'before';

export function cursorArgument(backward: boolean): CursorArgument {
  return backward ? 'before' : 'after';
}

/** The cursor of the page's direction, decoded; undefined on a first page. */
export function decodeCursorOf(
  codec: CursorCodec,
  request: { after?: string | null; before?: string | null },
  backward: boolean,
): CursorState | undefined {
  const text = backward ? request.before : request.after;
  return text == null ? undefined : codec.decode(text, cursorArgument(backward));
}

/** Refuses a cursor made for another filter or order: its position means nothing in this one. */
export function checkCursorQuery(cursor: CursorState, queryHash: string, argument: CursorArgument): void {
  if (cursor.query !== queryHash) {
    throw new TimelineInputError(`${argument}: the cursor belongs to a query with another filter or order`, argument);
  }
}

/**
 * Refuses a cursor made when other sources were in play: its lags and positions name streams
 * of those sources, and the new ones would be read from no position at all.
 */
export function checkCursorSources(cursor: CursorState, sourcesHash: string, argument: CursorArgument): void {
  if (cursor.sources !== sourcesHash) {
    throw new TimelineInputError(
      `${argument}: the cursor was issued when other sources were configured; start again without it`,
      argument,
    );
  }
}

/** The lag entry of a whole source, when it could not even list its streams. */
export function sourceLagKey(sourceName: string): string {
  return `source:${sourceName}`;
}

/**
 * Where a stream resumes after an earlier failure, by its own lag or its source's.
 * Undefined: it is not lagging; null: lagging from the very start; else the key to resume after.
 */
export function lagOf(lags: Record<string, EventKey | null>, stream: { key: string; sourceName: string }): EventKey | null | undefined {
  if (stream.key in lags) return lags[stream.key];
  const sourceLag = sourceLagKey(stream.sourceName);
  if (sourceLag in lags) return lags[sourceLag];
  return undefined;
}
