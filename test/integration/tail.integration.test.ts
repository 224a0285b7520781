import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { modelArtsSource, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { appendModelArts, eventsOf, sleep, TailCollector, tailClient, wsUrl } from '../helpers/tail-client.js';

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

function firstService(stack: Stack): string {
  return stack.emulators.modelarts.summaries()[0]!.service_id;
}

describe('eventTail over graphql-ws', () => {
  let stack: Stack;
  let ws: Client;
  let tail: TailCollector;
  let serviceId: string;

  beforeAll(async () => {
    stack = await startStack({ server: { tail: { intervalMs: INTERVAL } } });
    serviceId = firstService(stack);
    ws = tailClient(stack);
    tail = new TailCollector(ws, { filter: { sources: ['modelarts'] } });
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
      await appendModelArts(stack.emulators, serviceId, [{ at, info: `tail-live-${n}` }]);
      const started = Date.now();
      const [item] = await tail.waitFor(`tail-live-${n}`, WITHIN);
      expect(Date.now() - started).toBeLessThan(WITHIN);
      expect(item).toMatchObject({ __typename: 'TailEvent', late: false, event: { occurredAt: new Date(at).toISOString(), source: { name: 'modelarts' } } });
      await expectNothingAfter(stack, item!.cursor, 'tail-live-');
    }
    // Two more polls: nothing comes twice.
    await sleep(2 * INTERVAL * 1.1 + 100);
    for (const n of [1, 2, 3]) expect(eventsOf(tail.items).filter((item) => item.event.summary.includes(`tail-live-${n}`))).toHaveLength(1);
    expect(new Set(eventsOf(tail.items).map((item) => item.event.id)).size).toBe(eventsOf(tail.items).length);
  });

  it('delivers a record stamped in the past once, as late', async () => {
    const at = Date.now() - 5_000;
    await appendModelArts(stack.emulators, serviceId, [{ at, info: 'tail-late-1' }]);
    const [item] = await tail.waitFor('tail-late-1', WITHIN);
    expect(item).toMatchObject({ __typename: 'TailEvent', late: true, event: { occurredAt: new Date(at).toISOString() } });
    await sleep(2 * INTERVAL * 1.1 + 100);
    expect(eventsOf(tail.items).filter((event) => event.event.summary.includes('tail-late-1'))).toHaveLength(1);
  });

  it('checks its arguments as the HTTP transport does: an over-long string is BAD_USER_INPUT', async () => {
    const bad = new TailCollector(ws, { filter: { sources: ['modelarts'], search: 'x'.repeat(5000) } });
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

describe('eventTail over a cached source', () => {
  let stack: Stack;
  let ws: Client;

  beforeAll(async () => {
    stack = await startStack({
      server: { tail: { intervalMs: INTERVAL } },
      // As configured by default: CSMS answers serve identical requests for a minute.
      sources: (emulators) => [modelArtsSource(emulators, { name: 'csms', kind: 'huawei-csms', endpoint: emulators.csms.url, cacheTtlSeconds: 60 })],
    });
    ws = tailClient(stack);
  });

  afterAll(async () => {
    await ws?.dispose();
    await stack?.close();
  });

  it('reads fresh at each poll a source whose answers are cached for a minute (CSMS): a record arrives within two intervals', async () => {
    const csms = new TailCollector(ws, { filter: { sources: ['csms'] } });
    await sleep(2 * INTERVAL);
    const response = await fetch(`${stack.emulators.csms.url}/__emulator/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { event_name: 'rotation', trigger_event_type: 'SECRET_ROTATED', create_time: Date.now() + 50, secret_name: 'tail-csms-1', secret_type: 'COMMON', notification_target_name: 'oncall', notification_target_id: 'smn-1', notification_content: '{}', notification_status: 'SUCCESS' },
      ]),
    });
    expect(response.status).toBe(201);
    const [item] = await csms.waitFor('tail-csms-1', WITHIN);
    expect(item).toMatchObject({ late: false, event: { source: { name: 'csms' } } });
    csms.dispose();
  });
});

describe('eventTail after a cursor: the replay, then live', () => {
  let stack: Stack;
  let ws: Client;
  // No text filter: the newest event is the last one appended (the emulator's own are older),
  // and `events` need not scan every stream for a match.
  const SEAM = { sources: ['modelarts'] };

  beforeAll(async () => {
    stack = await startStack({ server: { tail: { intervalMs: INTERVAL, lookbackMs: 2_000 } } });
    ws = tailClient(stack);
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
      await appendModelArts(stack.emulators, firstService(stack), [{ at: Date.now() - agoMs, info }]);
      names.push(info);
      await sleep(everyMs);
    }
    return names;
  }

  const summaries = (tail: TailCollector, prefix: string) => eventsOf(tail.items).map((item) => item.event.summary.match(new RegExp(`${prefix}-\\d+`))?.[0]).filter(Boolean);

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
    const tail = new TailCollector(ws, { filter: SEAM, after: page.data!.events.edges[0]!.cursor });
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
    const first = new TailCollector(ws, { filter: { sources: ['modelarts'], search: 'resume-' } });
    await sleep(2 * INTERVAL);
    const seen = await appendEvery('resume-a', 3, 20);
    await first.waitFor(seen.at(-1)!, WITHIN);
    const cursor = eventsOf(first.items).at(-1)!.cursor;
    first.dispose();

    const missed = await appendEvery('resume-b', 3, 20);
    const second = new TailCollector(ws, { filter: { sources: ['modelarts'], search: 'resume-' }, after: cursor });
    await second.waitFor(missed.at(-1)!, WITHIN);
    const live = await appendEvery('resume-c', 2, 20);
    await second.waitFor(live.at(-1)!, WITHIN);
    await sleep(2 * INTERVAL * 1.1 + 200);
    expect(summaries(second, 'resume-[a-c]')).toEqual([...missed, ...live]);
    second.dispose();
  });

  it('refuses a filter naming a source that is not configured (BAD_USER_INPUT), as events does', async () => {
    const tail = new TailCollector(ws, { filter: { sources: ['nowhere'] } });
    const error = await tail.waitForError(2_000);
    expect(JSON.stringify(error)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(error)).toContain('unknown source');
  });

  it('refuses a cursor that is not one of this API (BAD_USER_INPUT), before any poll', async () => {
    const tail = new TailCollector(ws, { filter: { sources: ['modelarts'] }, after: 'not-a-cursor' });
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
    ws = tailClient(stack);
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
    const tail = new TailCollector(track(tailClient(stack)), { filter: { sources: ['modelarts'] } });
    const error = (await tail.waitForError(2_000)) as { code?: number; reason?: string };
    expect(error.code).toBe(4401);
    expect(error.reason).toMatch(/no credentials/);
    expect(tail.items).toEqual([]);
  });

  it('refuses a connection with a wrong key (4401)', async () => {
    const tail = new TailCollector(track(tailClient(stack, { Authorization: `Bearer ${generateApiKey()}` })), { filter: { sources: ['modelarts'] } });
    const error = (await tail.waitForError(2_000)) as { code?: number; reason?: string };
    expect(error.code).toBe(4401);
    expect(error.reason).toMatch(/not valid/);
  });

  it('keeps a subscription to the scope of its key: a source outside it is FORBIDDEN', async () => {
    const tail = new TailCollector(track(tailClient(stack, { authorization: `Bearer ${NARROW_KEY}` })), { filter: { sources: ['modelarts'] } });
    const error = await tail.waitForError(2_000);
    expect(JSON.stringify(error)).toContain('FORBIDDEN');
    expect(eventsOf(tail.items)).toEqual([]);
  });

  it.each([
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY}` }],
    ['x-api-key', { 'x-api-key': KEY }],
  ])('tails with the key in connectionParams (%s)', async (_name, params) => {
    const tail = new TailCollector(track(tailClient(stack, params)), { filter: { sources: ['modelarts'] } });
    await sleep(2 * INTERVAL);
    const info = `tail-auth-${Object.keys(params)[0]}`;
    await appendModelArts(stack.emulators, firstService(stack), [{ at: Date.now() + 50, info }]);
    const [item] = await tail.waitFor(info, WITHIN);
    expect(item).toMatchObject({ late: false, event: { source: { name: 'modelarts' } } });
    tail.dispose();
  });
});
