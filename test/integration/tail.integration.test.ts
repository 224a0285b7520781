import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';

/*
 * The live tail (`eventTail`) end to end: the real server, over graphql-ws on /graphql,
 * against the ModelArts emulator. Records are appended through the emulator's control route
 * (POST /__emulator/services/:id/events) while a client is subscribed, and must arrive once
 * each, within two poll intervals.
 */

const INTERVAL = 300;
/** Two poll intervals with their jitter, and room for the reads of every stream of the source. */
const WITHIN = 2 * INTERVAL * 1.1 + 500;
const FAST = { N: 2 ** 14, r: 8, p: 1 };
const KEY = generateApiKey();
/** A key whose scope has no configured source. */
const NARROW_KEY = generateApiKey();

const TAIL = /* GraphQL */ `
  subscription Tail($filter: EventFilter, $after: String) {
    eventTail(filter: $filter, after: $after) {
      __typename
      ... on TailEvent { cursor late event { id occurredAt summary source { name } } }
      ... on TailNotice { source { name } status dropped lagMs error { code message } }
    }
  }
`;

interface TailEventShape {
  __typename: 'TailEvent';
  cursor: string;
  late: boolean;
  event: { id: string; occurredAt: string; summary: string; source: { name: string } };
}
interface TailNoticeShape {
  __typename: 'TailNotice';
  source: { name: string } | null;
  status: string;
  dropped: number;
  lagMs: number | null;
}
type Item = TailEventShape | TailNoticeShape;

/** A subscription's items as they come, and its end (an error, a close event, or completion). */
class Collector {
  readonly items: Item[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  readonly dispose: () => void;

  constructor(client: Client, variables: Record<string, unknown>) {
    this.dispose = client.subscribe<{ eventTail: Item }>(
      { query: TAIL, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          if (result.data) this.items.push(result.data.eventTail);
        },
        error: (error) => this.errors.push(error),
        complete: () => {
          this.completed = true;
        },
      },
    );
  }

  events(): TailEventShape[] {
    return this.items.filter((item): item is TailEventShape => item.__typename === 'TailEvent');
  }

  /** Resolves with the events whose summary has `text`, once there are some; rejects after `ms`. */
  async waitFor(text: string, ms: number): Promise<TailEventShape[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events().filter((item) => item.event.summary.includes(text));
      if (found.length > 0) return found;
      if (this.errors.length > 0) throw new Error(`the subscription failed: ${JSON.stringify(this.errors)}`);
      if (Date.now() > deadline) throw new Error(`"${text}" did not arrive within ${ms} ms; got ${JSON.stringify(this.items)}`);
      await sleep(20);
    }
  }

  /** Resolves once the subscription has ended with an error (or a close event). */
  async waitForError(ms: number): Promise<unknown> {
    const deadline = Date.now() + ms;
    while (this.errors.length === 0) {
      if (Date.now() > deadline) throw new Error(`no error within ${ms} ms; got ${JSON.stringify(this.items)}`);
      await sleep(20);
    }
    return this.errors[0];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wsUrl(stack: Stack): string {
  return stack.server.url.replace(/^http/, 'ws');
}

function client(stack: Stack, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: wsUrl(stack), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, shouldRetry: () => false, lazy: true });
}

/** Appends records to a ModelArts service through the emulator's control route, as any HTTP client would. */
async function append(stack: Stack, serviceId: string, records: { at: number; info: string }[]): Promise<void> {
  const response = await fetch(`${stack.emulators.modelarts.url}/__emulator/services/${serviceId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(records.map(({ at, info }) => ({ occur_time: at, event_type: 'normal', event_info: info }))),
  });
  expect(response.status).toBe(201);
}

function firstService(stack: Stack): string {
  return stack.emulators.modelarts.summaries()[0]!.service_id;
}

describe('eventTail over graphql-ws', () => {
  let stack: Stack;
  let ws: Client;
  let tail: Collector;
  let serviceId: string;

  beforeAll(async () => {
    stack = await startStack({ server: { tail: { intervalMs: INTERVAL } } });
    serviceId = firstService(stack);
    ws = client(stack);
    tail = new Collector(ws, { filter: { sources: ['modelarts'] } });
    // The first poll of each stream reads what is there already, and delivers none of it.
    await sleep(2 * INTERVAL);
    expect(tail.errors).toEqual([]);
  });

  afterAll(async () => {
    tail?.dispose();
    await ws?.dispose();
    await stack?.close();
  });

  it('delivers each appended record once, within two poll intervals, not late', async () => {
    for (const n of [1, 2, 3]) {
      // A little ahead: a poll whose window ends between the stamp and the append would read
      // past the record before it is there, and deliver it late (rightly) one poll later.
      const at = Date.now() + 50;
      await append(stack, serviceId, [{ at, info: `tail-live-${n}` }]);
      const started = Date.now();
      const [item] = await tail.waitFor(`tail-live-${n}`, WITHIN);
      expect(Date.now() - started).toBeLessThan(WITHIN);
      expect(item).toMatchObject({ __typename: 'TailEvent', late: false, event: { occurredAt: new Date(at).toISOString(), source: { name: 'modelarts' } } });
      await expectNothingAfter(stack, item!.cursor, 'tail-live-');
    }
    // Two more polls: nothing comes twice.
    await sleep(2 * INTERVAL * 1.1 + 100);
    for (const n of [1, 2, 3]) expect(tail.events().filter((item) => item.event.summary.includes(`tail-live-${n}`))).toHaveLength(1);
    expect(new Set(tail.events().map((item) => item.event.id)).size).toBe(tail.events().length);
  });

  it('delivers a record stamped in the past once, as late', async () => {
    const at = Date.now() - 5_000;
    await append(stack, serviceId, [{ at, info: 'tail-late-1' }]);
    const [item] = await tail.waitFor('tail-late-1', WITHIN);
    expect(item).toMatchObject({ __typename: 'TailEvent', late: true, event: { occurredAt: new Date(at).toISOString() } });
    await sleep(2 * INTERVAL * 1.1 + 100);
    expect(tail.events().filter((event) => event.event.summary.includes('tail-late-1'))).toHaveLength(1);
  });

  it('checks its arguments as the HTTP transport does: an over-long string is BAD_USER_INPUT', async () => {
    const bad = new Collector(ws, { filter: { sources: ['modelarts'], search: 'x'.repeat(5000) } });
    const error = await bad.waitForError(2_000);
    expect(JSON.stringify(error)).toContain('BAD_USER_INPUT');
    bad.dispose();
  });
});

/** What `events` oldest first after a tail's cursor holds of the records named `prefix`: nothing when the cursor is the newest sent. */
async function expectNothingAfter(stack: Stack, cursor: string, prefix: string): Promise<void> {
  const page = await postGraphQL<{ events: { edges: { node: { summary: string } }[] } }>(
    stack.server.url,
    'query After($after: String, $filter: EventFilter) { events(first: 50, after: $after, order: ASC, filter: $filter) { edges { node { summary } } } }',
    { after: cursor, filter: { sources: ['modelarts'] } },
  );
  expect(page.errors).toBeUndefined();
  expect(page.data!.events.edges.filter((edge) => edge.node.summary.includes(prefix))).toEqual([]);
}

describe('eventTail after a cursor: the replay, then live', () => {
  let stack: Stack;
  let ws: Client;
  // No text filter: the newest event is the last one appended (the emulator's own are older),
  // and `events` need not scan every stream for a match.
  const SEAM = { sources: ['modelarts'] };

  beforeAll(async () => {
    stack = await startStack({ server: { tail: { intervalMs: INTERVAL, lookbackMs: 2_000 } } });
    ws = client(stack);
  });

  afterAll(async () => {
    await ws?.dispose();
    await stack?.close();
  });

  /** Appends `count` records named `prefix-n`, one every `everyMs`, each stamped when it is sent (less `agoMs`). */
  async function appendEvery(prefix: string, count: number, everyMs: number, agoMs = 0): Promise<string[]> {
    const names: string[] = [];
    for (let n = 0; n < count; n++) {
      const info = `${prefix}-${String(n).padStart(3, '0')}`;
      await append(stack, firstService(stack), [{ at: Date.now() - agoMs, info }]);
      names.push(info);
      await sleep(everyMs);
    }
    return names;
  }

  const summaries = (tail: Collector, prefix: string) => tail.events().map((item) => item.event.summary.match(new RegExp(`${prefix}-\\d+`))?.[0]).filter(Boolean);

  it('sends what the walk holds after a newest-first cursor, then live: records appended across the seam arrive once each, none missing', async () => {
    // In the past: the walk's snapshot time is the clock rounded down to its step.
    const before = await appendEvery('seam-a', 3, 20, 20_000);
    const page = await postGraphQL<{ events: { edges: { cursor: string; node: { summary: string } }[] } }>(
      stack.server.url,
      'query Newest($filter: EventFilter) { events(first: 1, filter: $filter) { edges { cursor node { summary } } } }',
      { filter: SEAM },
    );
    expect(page.data!.events.edges[0]!.node.summary).toContain(before.at(-1)!);
    const after = await appendEvery('seam-b', 3, 20);

    // The subscription starts while records keep landing: some before its replay reads, some
    // while it reads, some after it went live.
    const landing = appendEvery('seam-c', 25, 40);
    await sleep(200);
    const tail = new Collector(ws, { filter: SEAM, after: page.data!.events.edges[0]!.cursor });
    const during = await landing;
    const later = await appendEvery('seam-d', 3, 50);
    const expected = [...after, ...during, ...later];
    await tail.waitFor(later.at(-1)!, WITHIN);
    await sleep(2 * INTERVAL * 1.1 + 200);

    expect(tail.errors).toEqual([]);
    const got = summaries(tail, 'seam-[a-d]');
    expect([...got].sort()).toEqual(expected);
    // The replay is oldest first, and comes before anything live.
    expect(got.slice(0, 3)).toEqual(after);
    tail.dispose();
  });

  it('resumes from a TailEvent cursor: only what came after it, once', async () => {
    const first = new Collector(ws, { filter: { sources: ['modelarts'], search: 'resume-' } });
    await sleep(2 * INTERVAL);
    const seen = await appendEvery('resume-a', 3, 20);
    await first.waitFor(seen.at(-1)!, WITHIN);
    const cursor = first.events().at(-1)!.cursor;
    first.dispose();

    const missed = await appendEvery('resume-b', 3, 20);
    const second = new Collector(ws, { filter: { sources: ['modelarts'], search: 'resume-' }, after: cursor });
    await second.waitFor(missed.at(-1)!, WITHIN);
    const live = await appendEvery('resume-c', 2, 20);
    await second.waitFor(live.at(-1)!, WITHIN);
    await sleep(2 * INTERVAL * 1.1 + 200);
    expect(summaries(second, 'resume-[a-c]')).toEqual([...missed, ...live]);
    second.dispose();
  });

  it('refuses a cursor that is not one of this API (BAD_USER_INPUT), before any poll', async () => {
    const tail = new Collector(ws, { filter: { sources: ['modelarts'] }, after: 'not-a-cursor' });
    const error = await tail.waitForError(2_000);
    expect(JSON.stringify(error)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(error)).toContain('after');
  });
});

describe('the WebSocket transport', () => {
  let stack: Stack;
  let ws: Client;

  beforeAll(async () => {
    stack = await startStack({ server: { tail: { intervalMs: INTERVAL } } });
    ws = client(stack);
  });

  afterAll(async () => {
    await ws?.dispose();
    await stack?.close();
  });

  const firstError = (query: string) =>
    new Promise<unknown>((resolve, reject) => {
      setTimeout(() => reject(new Error('no error within 3 s')), 3_000);
      const dispose = ws.subscribe({ query }, { next: () => reject(new Error('answered')), error: (error) => (dispose(), resolve(error)), complete: () => reject(new Error('completed')) });
    });

  it('serves subscriptions only: a query is refused (BAD_REQUEST), to be sent over HTTP', async () => {
    const error = await firstError('{ sources { name } }');
    expect(JSON.stringify(error)).toMatch(/BAD_REQUEST.*|only subscriptions are served/);
    expect(JSON.stringify(error)).toContain('only subscriptions are served over WebSocket');
  });

  it('refuses a browser page of another origin (403 at the handshake), and takes its own', async () => {
    const handshake = (origin: string) =>
      new Promise<number | 'open'>((resolve) => {
        const socket = new WebSocket(wsUrl(stack), 'graphql-transport-ws', { origin });
        socket.on('open', () => (socket.close(), resolve('open')));
        socket.on('unexpected-response', (_req, res) => (socket.terminate(), resolve(res.statusCode ?? 0)));
        socket.on('error', () => {});
      });
    expect(await handshake('https://evil.example')).toBe(403);
    expect(await handshake(new URL(stack.server.url).origin)).toBe('open');
  });

  it('applies the HTTP shape limits (aliases)', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: late`).join(' ');
    const error = await firstError(`subscription { eventTail { ... on TailEvent { ${aliases} } } }`);
    expect(JSON.stringify(error)).toContain('maxAliases');
  });
});

describe('eventTail with auth on', () => {
  let stack: Stack;
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startStack({
      server: {
        tail: { intervalMs: INTERVAL },
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'oncall', hash: await hashApiKey(KEY, FAST), sources: ['*'] },
            { name: 'narrow', hash: await hashApiKey(NARROW_KEY, FAST), sources: ['prod-*'] },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    for (const each of clients) await each.dispose();
    await stack?.close();
  });

  const track = (each: Client) => (clients.push(each), each);

  it('refuses a connection without credentials (4401)', async () => {
    const tail = new Collector(track(client(stack)), { filter: { sources: ['modelarts'] } });
    const error = (await tail.waitForError(2_000)) as { code?: number; reason?: string };
    expect(error.code).toBe(4401);
    expect(error.reason).toMatch(/no credentials/);
    expect(tail.items).toEqual([]);
  });

  it('refuses a connection with a wrong key (4401)', async () => {
    const tail = new Collector(track(client(stack, { Authorization: `Bearer ${generateApiKey()}` })), { filter: { sources: ['modelarts'] } });
    const error = (await tail.waitForError(2_000)) as { code?: number; reason?: string };
    expect(error.code).toBe(4401);
    expect(error.reason).toMatch(/not valid/);
  });

  it('keeps a subscription to the scope of its key: a source outside it is FORBIDDEN', async () => {
    const tail = new Collector(track(client(stack, { authorization: `Bearer ${NARROW_KEY}` })), { filter: { sources: ['modelarts'] } });
    const error = await tail.waitForError(2_000);
    expect(JSON.stringify(error)).toContain('FORBIDDEN');
    expect(tail.events()).toEqual([]);
  });

  it.each([
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY}` }],
    ['x-api-key', { 'x-api-key': KEY }],
  ])('tails with the key in connectionParams (%s)', async (_name, params) => {
    const tail = new Collector(track(client(stack, params)), { filter: { sources: ['modelarts'] } });
    await sleep(2 * INTERVAL);
    const info = `tail-auth-${Object.keys(params)[0]}`;
    await append(stack, firstService(stack), [{ at: Date.now() + 50, info }]);
    const [item] = await tail.waitFor(info, WITHIN);
    expect(item).toMatchObject({ late: false, event: { source: { name: 'modelarts' } } });
    tail.dispose();
  });
});
