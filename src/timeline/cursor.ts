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
  /**
   * Hash of the client it was issued to (`TimelineRequest.client`): a cursor of one client
   * is refused for another, whose scope may differ. Set by the timeline on every cursor it
   * makes; a state without it is bound to no client (`NO_CLIENT`).
   */
  client?: string;
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
  c: string;
  a: number;
  k: KeyTuple;
  t: number | null;
  l?: Record<string, KeyTuple | null>;
  p?: Record<string, StreamPosition>;
}

/**
 * The longest cursor accepted, in characters, checked before anything else is done with
 * it. A cursor grows with the streams that lag behind after failures and the streams that
 * report positions; this leaves room for hundreds of each.
 */
export const MAX_CURSOR_LENGTH = 256 * 1024;
/** The most lag or position entries one cursor may carry: one per stream, at most. */
export const MAX_CURSOR_ENTRIES = 10_000;
/** The longest stream key or event id a cursor may carry. */
const MAX_CURSOR_TEXT = 4096;
/** How many numbers a stream's upstream position may hold (`StreamPosition`: a few). */
const MAX_POSITION_LENGTH = 8;
/**
 * The instants a cursor may name: years 1 to 9999, what every upstream's time format and
 * every date formatter can write. Anything further is no instant an event of this API has.
 */
/** 0001-01-01T00:00:00Z (`Date.UTC` would read year 1 as 1901). */
const MIN_INSTANT = -62_135_596_800_000;
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The client hash of a request that names no client. */
export const NO_CLIENT = digest('');

const toTuple = (key: EventKey): KeyTuple => [key.at, key.stream, key.id];
const fromTuple = ([at, stream, id]: KeyTuple): EventKey => ({ at, stream, id });

const isDigest = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{16}$/.test(value);
const isInstant = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= MIN_INSTANT && (value as number) <= MAX_INSTANT;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_CURSOR_TEXT;

const isTuple = (value: unknown): value is KeyTuple =>
  Array.isArray(value) && value.length === 3 && isInstant(value[0]) && isText(value[1]) && isText(value[2]);

const isPosition = (value: unknown): value is StreamPosition =>
  Array.isArray(value) && value.length <= MAX_POSITION_LENGTH && value.every((n) => typeof n === 'number' && Number.isFinite(n));

/** A JSON object (not an array, not null) of at most `MAX_CURSOR_ENTRIES` entries, each key a stream key. */
const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length <= MAX_CURSOR_ENTRIES &&
  Object.keys(value).every(isText);

const WIRE_KEYS = new Set(['v', 'q', 's', 'c', 'a', 'k', 't', 'l', 'p']);

/**
 * Whether a decoded payload is a cursor this codec could have written: every field of the
 * right type and within bounds, and no other field. The signature proves who made a cursor,
 * not that it is sane (a key may leak, a codec may have had a bug): nothing odd reaches the
 * planner or a stream, where it would fail as a bug rather than as bad input.
 */
function isWire(value: unknown): value is CursorWire {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const wire = value as Record<string, unknown>;
  return (
    Object.keys(wire).every((key) => WIRE_KEYS.has(key)) &&
    wire['v'] === 1 &&
    isDigest(wire['q']) &&
    isDigest(wire['s']) &&
    isDigest(wire['c']) &&
    isInstant(wire['a']) &&
    (wire['a'] as number) >= 0 &&
    isTuple(wire['k']) &&
    (wire['t'] === null || (Number.isSafeInteger(wire['t']) && (wire['t'] as number) >= 0)) &&
    (wire['l'] === undefined || (isMap(wire['l']) && Object.values(wire['l']).every((key) => key === null || isTuple(key)))) &&
    (wire['p'] === undefined || (isMap(wire['p']) && Object.values(wire['p']).every(isPosition)))
  );
}

/** A map without a prototype, so that no stream key (`constructor`, `__proto__`) reads an inherited value. */
function bareMap<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const map = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) map[key] = value;
  return map;
}

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
      c: state.client ?? NO_CLIENT,
      a: state.asOf,
      k: toTuple(state.key),
      t: state.total,
    };
    const lags = Object.entries(state.lags);
    if (lags.length > 0) wire.l = Object.fromEntries(lags.map(([name, key]) => [name, key && toTuple(key)]));
    if (Object.keys(state.positions).length > 0) wire.p = { ...state.positions };
    const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /**
   * `argument` names the GraphQL argument in the error (`after` or `before`). Anything but a
   * cursor this codec made, unaltered and well-formed, is a TimelineInputError: too long, not
   * two parts, a bad signature, or a payload with a field of the wrong type or out of bounds.
   */
  decode(cursor: string, argument: string): CursorState {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) {
      throw new TimelineInputError(`${argument}: not a cursor of this API (longer than ${MAX_CURSOR_LENGTH} characters)`, argument);
    }
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload)) {
      throw new TimelineInputError(`${argument}: not a cursor of this API`, argument);
    }
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new TimelineInputError(`${argument}: the cursor was altered, or was issued by another server`, argument);
    }
    let wire: unknown;
    try {
      wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new TimelineInputError(`${argument}: not a cursor of this API`, argument);
    }
    if (!isWire(wire)) throw new TimelineInputError(`${argument}: unsupported cursor version or shape`, argument);
    return {
      query: wire.q,
      sources: wire.s,
      client: wire.c,
      asOf: wire.a,
      key: fromTuple(wire.k),
      total: wire.t,
      lags: bareMap(Object.entries(wire.l ?? {}).map(([name, key]) => [name, key && fromTuple(key)] as const)),
      positions: bareMap(Object.entries(wire.p ?? {})),
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
 * Refuses a cursor issued to another client: its scope may not be this one's, and a cursor
 * is not a capability to be handed on. Checked before the filter and sources, so that a
 * borrowed cursor is told as such.
 */
export function checkCursorClient(cursor: CursorState, clientHash: string, argument: CursorArgument): void {
  if ((cursor.client ?? NO_CLIENT) !== clientHash) {
    throw new TimelineInputError(`${argument}: the cursor was issued to another client; start again without it`, argument);
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
