import { connect, type Socket } from 'node:net';
import { createClient, type Client as SseClient } from 'graphql-sse';
import type { Client as WsClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { appendModelArts, eventsWith, sleep, TAIL_DOCUMENT, TailCollector, tailClient, waitUntil, type TailItemShape } from '../helpers/tail-client.js';

/*
 * The live tail over Server-Sent Events (graphql-sse, distinct connections): the real server
 * against the ModelArts emulator, on the same path as queries, with credentials in headers.
 */

const INTERVAL = 300;
const WITHIN = 2 * INTERVAL * 1.1 + 500;
const KEY = generateApiKey();
/** A key whose scope has no configured source. */
const NARROW_KEY = generateApiKey();
const FAST = { N: 2 ** 14, r: 8, p: 1 };

/** One SSE subscription's items and errors, and its end, through graphql-sse's own client. */
class SseTail {
  readonly items: TailItemShape[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  readonly dispose: () => void;

  constructor(client: SseClient, variables: Record<string, unknown>, query = TAIL_DOCUMENT) {
    this.dispose = client.subscribe<{ eventTail: TailItemShape }>(
      { query, variables },
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

  /** The subscription's first error (GraphQL errors in an event, or the client's NetworkError), once there is one. */
  firstError(ms = 2_000): Promise<unknown> {
    return waitUntil(() => this.errors[0], ms, () => `no error; got ${JSON.stringify(this.items)}`);
  }
}

function sseClient(stack: Stack, headers: Record<string, string> = {}): SseClient {
  return createClient({ url: stack.server.url, headers, retryAttempts: 0 });
}

/** A raw SSE request, as any HTTP client would send it: the status and the body's first bytes. */
async function rawSse(stack: Stack, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(stack.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const chunk = await reader.read();
  return { status: response.status, text: new TextDecoder().decode(chunk.value), close: () => controller.abort() };
}

/** A graphql-ws client's connection, acknowledged (it then holds a slot), or the close that refused it. */
function wsConnected(client: WsClient): Promise<'connected' | { code: number; reason: string }> {
  return new Promise((resolve) => {
    client.on('connected', () => resolve('connected'));
    client.on('closed', (event) => resolve(event as { code: number; reason: string }));
  });
}

const firstService = (stack: Stack) => stack.emulators.modelarts.summaries()[0]!.service_id;

describe('eventTail over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      server: {
        tail: { intervalMs: INTERVAL, maxConnections: 2 },
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

  /** Clients a test opened: disposed after it even when it fails, so that no stream holds a slot the next test counts on. */
  const clients: SseClient[] = [];
  const client = (headers: Record<string, string>) => {
    const each = sseClient(stack, headers);
    clients.push(each);
    return each;
  };

  afterEach(() => {
    clients.splice(0).forEach((each) => each.dispose());
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('delivers each appended record once, within two poll intervals, with the key in a header', async () => {
    const tail = new SseTail(client({ authorization: `Bearer ${KEY}` }), { filter: { sources: ['modelarts'] } });
    await sleep(2 * INTERVAL);
    await appendModelArts(stack.emulators, firstService(stack), [{ at: Date.now() + 50, info: 'sse-live-1' }]);
    const started = Date.now();
    const [item] = await waitUntil(() => (eventsWith(tail.items, 'sse-live-1').length ? eventsWith(tail.items, 'sse-live-1') : undefined), WITHIN, () => `nothing came: ${JSON.stringify(tail)}`);
    expect(Date.now() - started).toBeLessThan(WITHIN);
    expect(item).toMatchObject({ __typename: 'TailEvent', late: false, event: { source: { name: 'modelarts' } } });
    await sleep(2 * INTERVAL * 1.1 + 100);
    expect(eventsWith(tail.items, 'sse-live-1')).toHaveLength(1);
    expect(tail.errors).toEqual([]);
    tail.dispose();
  });

  it('refuses a stream without credentials, or with a wrong key (401 UNAUTHENTICATED)', async () => {
    for (const headers of [{}, { authorization: `Bearer ${generateApiKey()}` }] as Record<string, string>[]) {
      const refused = await rawSse(stack, { query: TAIL_DOCUMENT }, headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      // What graphql-sse's own client makes of it: a NetworkError carrying the response.
      const error = (await new SseTail(client(headers), { filter: {} }).firstError()) as { response?: Response };
      expect(error.response?.status).toBe(401);
    }
  });

  it('keeps a stream to the scope of its key (here in x-api-key): a source outside it is FORBIDDEN', async () => {
    const tail = new SseTail(client({ 'x-api-key': NARROW_KEY }), { filter: { sources: ['modelarts'] } });
    expect(JSON.stringify(await tail.firstError())).toContain('FORBIDDEN');
    expect(tail.items).toEqual([]);
  });

  it('serves subscriptions only: a query is refused (BAD_REQUEST), to be sent as a plain POST', async () => {
    const answer = await rawSse(stack, { query: '{ sources { name } }' }, { authorization: `Bearer ${KEY}` });
    answer.close();
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('only subscriptions are served over SSE');
    expect(answer.text).toContain('BAD_REQUEST');
    const tail = new SseTail(client({ authorization: `Bearer ${KEY}` }), {}, '{ sources { name } }');
    expect(await tail.firstError()).toMatchObject({ message: expect.stringContaining('send a query to POST /graphql'), extensions: { code: 'BAD_REQUEST' } });
    expect(tail.items).toEqual([]);
  });

  it('applies the HTTP shape limits (aliases)', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: late`).join(' ');
    const tail = new SseTail(client({ authorization: `Bearer ${KEY}` }), {}, `subscription { eventTail { ... on TailEvent { ${aliases} } } }`);
    expect(JSON.stringify(await tail.firstError())).toContain('maxAliases');
  });

  it('formats errors as the HTTP transport does: a filter naming an unknown source is BAD_USER_INPUT', async () => {
    const tail = new SseTail(client({ authorization: `Bearer ${KEY}` }), { filter: { sources: ['nowhere'] } });
    const error = JSON.stringify(await tail.firstError());
    expect(error).toContain('BAD_USER_INPUT');
    expect(error).toContain('unknown source');
  });

  it('caps subscription connections, WebSocket and SSE together, and frees a slot when one closes', async () => {
    const first = await rawSse(stack, { query: TAIL_DOCUMENT }, { authorization: `Bearer ${KEY}` });
    expect(first.status).toBe(200);
    const ws = tailClient(stack, { authorization: `Bearer ${KEY}` });
    const wsOpen = wsConnected(ws);
    const wsTail = new TailCollector(ws, { filter: { sources: ['modelarts'] } });
    expect(await wsOpen).toBe('connected');

    const third = await rawSse(stack, { query: TAIL_DOCUMENT }, { authorization: `Bearer ${KEY}` });
    expect(third.status).toBe(503);
    expect(JSON.parse(third.text).errors[0]).toMatchObject({ extensions: { code: 'TOO_MANY_CONNECTIONS' } });
    expect(JSON.parse(third.text).errors[0].message).toContain('server.tail.maxConnections');
    const fourth = tailClient(stack, { authorization: `Bearer ${KEY}` });
    const refusedWs = new TailCollector(fourth, { filter: {} });
    const closed = (await refusedWs.waitForError(2_000)) as { code?: number; reason?: string };
    expect(closed.code).toBe(1013);
    expect(closed.reason).toContain('too many subscription connections');
    await fourth.dispose();

    // An SSE stream that ends frees its slot…
    first.close();
    await sleep(100);
    const again = await rawSse(stack, { query: TAIL_DOCUMENT }, { authorization: `Bearer ${KEY}` });
    expect(again.status).toBe(200);
    // …and so does a WebSocket connection.
    wsTail.dispose();
    await ws.dispose();
    await sleep(100);
    const next = tailClient(stack, { authorization: `Bearer ${KEY}` });
    const nextOpen = wsConnected(next);
    const nextTail = new TailCollector(next, { filter: { sources: ['modelarts'] } });
    expect(await nextOpen).toBe('connected');
    nextTail.dispose();
    await next.dispose();
    again.close();
  });
});

/** An SSE request on a bare TCP socket, which the test can stop reading, as a stalled client would. */
async function stalledSse(stack: Stack, variables: Record<string, unknown>): Promise<Socket> {
  const url = new URL(stack.server.url);
  const body = JSON.stringify({ query: TAIL_DOCUMENT, variables });
  const socket = connect(Number(url.port), url.hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('data', () => {});
  socket.write(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

describe('stopping with SSE streams open', () => {
  /** Big records, so that the kernel's socket buffers (a few MB on loopback) fill with a few dozen. */
  const RECORD_BYTES = 64 * 1024;
  const BATCHES = 3;
  const BATCH = 40;

  it('ends every stream: a reading client is told complete, and one that stopped reading is cut within a second or so', async () => {
    // A short lookback: each poll reads again what it holds, and here that is megabytes.
    const stack = await startStack({ server: { tail: { intervalMs: INTERVAL, lookbackMs: 1_000 } } });
    const filter = { sources: ['modelarts'] };
    const client = sseClient(stack);
    const reading = new SseTail(client, { filter });
    const stalled = await stalledSse(stack, { filter });
    await sleep(2 * INTERVAL);
    stalled.pause();
    const padding = 'x'.repeat(RECORD_BYTES);
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const now = Date.now();
      await appendModelArts(stack.emulators, firstService(stack), Array.from({ length: BATCH }, (_, i) => ({ at: now - 100 + i, info: `stop-${batch}-${i}-${padding}` })));
      await sleep(2 * INTERVAL);
    }
    await waitUntil(() => (eventsWith(reading.items, `stop-${BATCHES - 1}-`).length ? true : undefined), WITHIN, () => 'the reading client did not get the last batch');

    const started = Date.now();
    await stack.close();
    // Without the cut, Apollo's drain would wait for the stalled stream's last write to the
    // end of its grace (19 s by default). The stalled client sees nothing more: it does not read.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(reading.completed).toBe(true);
    expect(reading.errors).toEqual([]);
    client.dispose();
    stalled.destroy();
  });
});
