import { createClient, type Client as SseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const FAST = { N: 2 ** 14, r: 8, p: 1 };

/** One SSE subscription's items and errors, through graphql-sse's own client. */
class SseTail {
  readonly items: TailItemShape[] = [];
  readonly errors: unknown[] = [];
  readonly dispose: () => void;

  constructor(client: SseClient, variables: Record<string, unknown>) {
    this.dispose = client.subscribe<{ eventTail: TailItemShape }>(
      { query: TAIL_DOCUMENT, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          if (result.data) this.items.push(result.data.eventTail);
        },
        error: (error) => this.errors.push(error),
        complete: () => {},
      },
    );
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

const firstService = (stack: Stack) => stack.emulators.modelarts.summaries()[0]!.service_id;

describe('eventTail over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      server: {
        tail: { intervalMs: INTERVAL, maxConnections: 2 },
        auth: { mode: 'required', apiKeys: [{ name: 'oncall', hash: await hashApiKey(KEY, FAST), sources: ['*'] }] },
      },
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('delivers each appended record once, within two poll intervals, with the key in a header', async () => {
    const client = sseClient(stack, { authorization: `Bearer ${KEY}` });
    const tail = new SseTail(client, { filter: { sources: ['modelarts'] } });
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
    client.dispose();
  });

  it('refuses a stream without credentials, or with a wrong key (401 UNAUTHENTICATED)', async () => {
    for (const headers of [{}, { authorization: `Bearer ${generateApiKey()}` }] as Record<string, string>[]) {
      const refused = await rawSse(stack, { query: TAIL_DOCUMENT }, headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('serves subscriptions only: a query is refused (BAD_REQUEST), to be sent as a plain POST', async () => {
    const answer = await rawSse(stack, { query: '{ sources { name } }' }, { authorization: `Bearer ${KEY}` });
    answer.close();
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('only subscriptions are served over SSE');
    expect(answer.text).toContain('BAD_REQUEST');
  });

  it('caps subscription connections, WebSocket and SSE together, and frees a slot when one closes', async () => {
    const first = await rawSse(stack, { query: TAIL_DOCUMENT }, { authorization: `Bearer ${KEY}` });
    expect(first.status).toBe(200);
    const ws = tailClient(stack, { authorization: `Bearer ${KEY}` });
    const wsTail = new TailCollector(ws, { filter: { sources: ['modelarts'] } });
    await sleep(200);
    expect(wsTail.errors).toEqual([]);

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

    first.close();
    await sleep(100);
    const again = await rawSse(stack, { query: TAIL_DOCUMENT }, { authorization: `Bearer ${KEY}` });
    expect(again.status).toBe(200);
    again.close();
    wsTail.dispose();
    await ws.dispose();
  });
});
