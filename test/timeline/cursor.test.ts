import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SortDirection } from '../../src/model/event.model.js';
import { CursorCodec, MAX_CURSOR_ENTRIES, MAX_CURSOR_LENGTH, NO_CLIENT, type CursorState } from '../../src/timeline/cursor.js';
import { Timeline, type TimelineRequest } from '../../src/timeline/timeline.js';
import { TimelineInputError } from '../../src/timeline/timeline.errors.js';
import { HistoryStream, MemorySource } from './memory-stream.js';

/*
 * Cursors are signed, and decoded strictly: a cursor with a good signature but an odd payload
 * (a key leaked, a codec with a bug) is still bad input, refused before anything is planned,
 * and a cursor is bound to the client it was issued to (docs/api.md, "Connections and
 * cursors"; docs/scopes.md).
 */

const SECRET = 'a-test-secret-of-enough-length';
const codec = new CursorCodec(SECRET);

/** Signs any payload as the codec would: what a leaked key lets someone do. */
function signed(wire: unknown): string {
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 22)}`;
}

const DIGEST = 'AAAAAAAAAAAAAAAA';
const goodWire = () => ({
  v: 1,
  q: DIGEST,
  s: DIGEST,
  c: DIGEST,
  a: 1_700_000_000_000,
  k: [1_699_999_999_000, 'src/stream', 'id-1'],
  t: 12,
  l: { 'src/other': [1_699_999_998_000, 'src/other', 'id-0'], 'source:down': null },
  p: { 'src/stream': [1, 40, 250] },
});

const state: CursorState = {
  query: DIGEST,
  sources: DIGEST,
  client: DIGEST,
  asOf: 1_700_000_000_000,
  key: { at: 1_699_999_999_000, stream: 'src/stream', id: 'id-1' },
  total: null,
  lags: { 'src/other': null },
  positions: { 'src/stream': [0, 3, 9] },
};

const refusal = (cursor: string) => {
  try {
    codec.decode(cursor, 'after');
  } catch (error) {
    expect(error).toBeInstanceOf(TimelineInputError);
    expect((error as TimelineInputError).argument).toBe('after');
    return (error as Error).message;
  }
  return undefined;
};

describe('CursorCodec', () => {
  it('decodes what it encodes, client included', () => {
    expect(codec.decode(codec.encode(state), 'after')).toEqual(state);
    expect(codec.decode(signed(goodWire()), 'after')).toMatchObject({ client: DIGEST, total: 12, positions: { 'src/stream': [1, 40, 250] } });
  });

  it('binds a state without a client to NO_CLIENT', () => {
    const { client: _, ...unbound } = state;
    expect(codec.decode(codec.encode(unbound), 'before').client).toBe(NO_CLIENT);
  });

  it('gives lag and position maps without a prototype, so no stream key reads an inherited value', () => {
    const decoded = codec.decode(signed({ ...goodWire(), l: { constructor: null } }), 'after');
    expect(Object.getPrototypeOf(decoded.lags)).toBeNull();
    expect('toString' in decoded.positions).toBe(false);
  });

  it('refuses text that is no cursor, an altered one and one of another key', () => {
    expect(refusal('nonsense')).toBe('after: not a cursor of this API');
    expect(refusal('a.b.c')).toBe('after: not a cursor of this API');
    expect(refusal('%%%.abc')).toBe('after: not a cursor of this API');
    const good = codec.encode(state);
    expect(refusal(`${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`)).toBe('after: the cursor was altered, or was issued by another server');
    expect(refusal(new CursorCodec('another-secret').encode(state))).toBe('after: the cursor was altered, or was issued by another server');
    expect(refusal(`${'A'.repeat(MAX_CURSOR_LENGTH)}.x`)).toMatch(/^after: not a cursor of this API \(longer than/);
  });

  // Each is validly signed: only the payload is odd.
  const ODD: Array<[string, (wire: ReturnType<typeof goodWire>) => unknown]> = [
    ['a payload that is no object', () => [1, 2, 3]],
    ['JSON null', () => null],
    ['another version', (w) => ({ ...w, v: 2 })],
    ['an extra field', (w) => ({ ...w, x: 1 })],
    ['a query hash that is a number', (w) => ({ ...w, q: 5 })],
    ['a sources hash that is null', (w) => ({ ...w, s: null })],
    ['a client hash of another length', (w) => ({ ...w, c: 'short' })],
    ['no client hash', ({ c: _, ...w }) => w],
    ['asOf as a string', (w) => ({ ...w, a: '1700000000000' })],
    ['asOf not an integer', (w) => ({ ...w, a: 1.5 })],
    ['asOf before 1970', (w) => ({ ...w, a: -1 })],
    ['asOf past year 9999', (w) => ({ ...w, a: 8.64e15 })],
    ['asOf too large to be finite', (w) => ({ ...w, a: '__INFINITY__' })],
    ['a key of two parts', (w) => ({ ...w, k: [1, 'src/stream'] })],
    ['a key time of 1e300', (w) => ({ ...w, k: [1e300, 'src/stream', 'id'] })],
    ['a key time that is not finite', (w) => ({ ...w, k: ['__INFINITY__', 'src/stream', 'id'] })],
    ['a key with an empty stream', (w) => ({ ...w, k: [1, '', 'id'] })],
    ['a key with a huge id', (w) => ({ ...w, k: [1, 'src/stream', 'x'.repeat(5000)] })],
    ['a negative total', (w) => ({ ...w, t: -5 })],
    ['a fractional total', (w) => ({ ...w, t: 2.5 })],
    ['a total as a string', (w) => ({ ...w, t: '12' })],
    ['lags as a string', (w) => ({ ...w, l: 'x' })],
    ['lags as an array', (w) => ({ ...w, l: [[1, 'a', 'b']] })],
    ['a lag of the wrong shape', (w) => ({ ...w, l: { 'src/a': [1, 'a'] } })],
    ['a lag with a string time', (w) => ({ ...w, l: { 'src/a': ['1', 'a', 'b'] } })],
    ['a lag under an empty stream key', (w) => ({ ...w, l: { '': null } })],
    ['too many lags', (w) => ({ ...w, l: Object.fromEntries(Array.from({ length: MAX_CURSOR_ENTRIES + 1 }, (_, i) => [`s/${i}`, null])) })],
    ['positions as an array', (w) => ({ ...w, p: [[1, 2]] })],
    ['a position that is no list', (w) => ({ ...w, p: { 'src/stream': 5 } })],
    ['a position with a string', (w) => ({ ...w, p: { 'src/stream': [1, '2'] } })],
    ['a position with null', (w) => ({ ...w, p: { 'src/stream': [1, null] } })],
    ['a position that is not finite', (w) => ({ ...w, p: { 'src/stream': [1, '__INFINITY__'] } })],
    ['a position of nine numbers', (w) => ({ ...w, p: { 'src/stream': [1, 2, 3, 4, 5, 6, 7, 8, 9] } })],
  ];

  it.each(ODD)('refuses a validly signed cursor with %s', (_, odd) => {
    // JSON cannot write Infinity; 1e999 is how a payload carries one.
    const text = JSON.stringify(odd(goodWire())).replaceAll('"__INFINITY__"', '1e999');
    const payload = Buffer.from(text).toString('base64url');
    const cursor = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 22)}`;
    expect(refusal(cursor)).toBe('after: unsupported cursor version or shape');
  });

  it('refuses a signed payload that is not JSON', () => {
    const payload = Buffer.from('{"v":1,').toString('base64url');
    const cursor = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 22)}`;
    expect(refusal(cursor)).toBe('after: not a cursor of this API');
  });
});

describe('a cursor is bound to the client it was issued to', () => {
  const setup = () => {
    const timeline = new Timeline(new CursorCodec(SECRET));
    const stream = new HistoryStream('mem', 's', { times: [1, 2, 3, 4, 5, 6, 7, 8] });
    const sessions = () => [new MemorySource('mem', [stream]).openSession()];
    const request = (client: string | undefined, after?: string): TimelineRequest => ({ first: 3, after, filter: {}, order: SortDirection.ASC, client });
    return { timeline, sessions, request };
  };

  it('serves the next page to the same client, and refuses it to another with a clear BAD_USER_INPUT', async () => {
    const { timeline, sessions, request } = setup();
    const first = await timeline.page(request('alice'), sessions(), 10_000);
    const cursor = first.pageInfo.endCursor!;
    const next = await timeline.page(request('alice', cursor), sessions(), 10_000);
    expect(next.edges.map((edge) => edge.node.occurredAt)).toEqual([4, 5, 6]);
    for (const other of ['bob', undefined]) {
      await expect(timeline.page(request(other, cursor), sessions(), 10_000)).rejects.toThrow(
        new TimelineInputError('after: the cursor was issued to another client; start again without it', 'after'),
      );
    }
  });

  it('keeps pages apart per client: a kept page never hands one client the cursors of another', async () => {
    const { timeline, sessions, request } = setup();
    const forAlice = await timeline.page(request('alice'), sessions(), 10_000);
    const forBob = await timeline.page(request('bob'), sessions(), 10_000);
    expect(forBob.pageInfo.endCursor).not.toBe(forAlice.pageInfo.endCursor);
    await expect(timeline.page(request('bob', forBob.pageInfo.endCursor!), sessions(), 10_000)).resolves.toBeDefined();
  });

  it('checks the client before the filter, so a borrowed cursor is told as such', async () => {
    const { timeline, sessions } = setup();
    const first = await timeline.page({ first: 2, filter: {}, order: SortDirection.ASC, client: 'alice' }, sessions(), 10_000);
    const borrowed = { first: 2, after: first.pageInfo.endCursor!, filter: { search: 'x' }, order: SortDirection.ASC, client: 'bob' };
    await expect(timeline.page(borrowed, sessions(), 10_000)).rejects.toThrow(/issued to another client/);
  });
});

describe('the filter takes null as absent', () => {
  it('reads a filter of nulls as no filter, with the same cursors', async () => {
    const timeline = new Timeline(new CursorCodec(SECRET));
    const stream = new HistoryStream('mem', 's', { times: [1, 2, 3] });
    const sessions = () => [new MemorySource('mem', [stream]).openSession()];
    const nulls = { actor: null, resource: null, search: null, since: null, until: null, outcomes: null, kinds: null, vendors: null, sources: null };
    const plain = await timeline.page({ first: 2, filter: {}, order: SortDirection.ASC }, sessions(), 10_000);
    const withNulls = await timeline.page({ first: 2, filter: nulls as never, order: SortDirection.ASC }, sessions(), 10_000);
    expect(withNulls.edges.map((edge) => edge.node.id)).toEqual(plain.edges.map((edge) => edge.node.id));
    expect(withNulls.totalCount).toBe(3);
    // The cursor of one serves the other: both are the same query.
    const next = await timeline.page({ first: 2, after: withNulls.pageInfo.endCursor!, filter: {}, order: SortDirection.ASC }, sessions(), 10_000);
    expect(next.edges).toHaveLength(1);
  });
});
