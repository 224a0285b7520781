import { randomUUID } from 'node:crypto';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { editorText, launchChromium, openOfflinePage } from '../helpers/browser.js';
import { startStack, type Stack, type StackOptions } from '../helpers/stack.js';

/*
 * GraphiQL running `eventTail`: the real server with a short tail interval over the ModelArts
 * emulator, GraphiQL in headless Chromium that can reach nothing but the server, a
 * subscription run from the page, and a record appended through the emulator's control
 * route that must show in GraphiQL's response pane. Along the way: the socket is the page's
 * own origin and path, the page's CSP lets it through without a violation, and stopping
 * the run closes it.
 */

const INTERVAL = 300;
/** Two poll intervals with jitter and the reads of the source, and the browser's own part. */
const WITHIN = 2 * INTERVAL * 1.1 + 500 + 2_000;

const TAIL = 'subscription { eventTail { ... on TailEvent { event { id summary } } } }';

type Frame = { type?: string; payload?: unknown };

/** What one WebSocket of the page carried, as the browser saw it. */
interface SocketLog {
  readonly url: string;
  readonly sent: Frame[];
  readonly received: Frame[];
  closed: boolean;
}

// Listeners are attached in the 'websocket' event itself, so no frame can pass unseen.
function recordSockets(page: Page): SocketLog[] {
  const logs: SocketLog[] = [];
  const parse = (payload: string | Buffer): Frame => {
    try {
      return JSON.parse(payload.toString()) as Frame;
    } catch {
      return {};
    }
  };
  page.on('websocket', (ws) => {
    const log: SocketLog = { url: ws.url(), sent: [], received: [], closed: false };
    logs.push(log);
    ws.on('framesent', (frame) => log.sent.push(parse(frame.payload)));
    ws.on('framereceived', (frame) => log.received.push(parse(frame.payload)));
    ws.on('close', () => {
      log.closed = true;
    });
  });
  return logs;
}

// Registered before any of the page's scripts runs, so a violation at load counts too. The
// console also reports violations, into openOfflinePage's `problems`; this is the event a
// page can see, with the directive and the URL that was refused.
async function recordCspViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  return () => page.evaluate(() => [...(window as unknown as { cspViolations: string[] }).cspViolations]);
}

async function replaceEditorText(page: Page, editor: ReturnType<Page['locator']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

async function setOperation(page: Page, operation: string): Promise<void> {
  const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
  await queryEditor.waitFor();
  await replaceEditorText(page, queryEditor, operation);
  // GraphiQL stores the operation, and re-reads its name and type, in one debounced handler;
  // a run before it fires would send the previous tab content (see graphiql.browser.test.ts).
  await page.waitForFunction((query) => localStorage.getItem('graphiql:query') === query, operation);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(find: () => T | undefined, ms: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${describe()} (after ${ms} ms)`);
    await sleep(20);
  }
}

/** Appends one record to the first ModelArts service through the emulator's control route. */
async function appendRecord(stack: Stack, info: string): Promise<void> {
  const serviceId = stack.emulators.modelarts.summaries()[0]!.service_id;
  const response = await fetch(`${stack.emulators.modelarts.url}/__emulator/services/${serviceId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // A little ahead of now, as in tail.integration.test.ts: not read past by a poll in flight.
    body: JSON.stringify([{ occur_time: Date.now() + 50, event_type: 'normal', event_info: info }]),
  });
  expect(response.status).toBe(201);
}

/**
 * Runs TAIL from the page, waits for the server to take the subscription and for the tail's
 * first poll (which reads what is already there and delivers none of it), appends a record
 * with a summary of its own, and returns the summary once the response pane shows it.
 */
async function tailOneRecord(page: Page, stack: Stack, sockets: SocketLog[]): Promise<{ summary: string; socket: SocketLog }> {
  const before = sockets.length;
  await page.locator('.graphiql-execute-button').click();
  const socket = await waitFor(
    () => sockets.slice(before).find((log) => log.sent.some((frame) => frame.type === 'subscribe')),
    10_000,
    () => `no subscription went out over a socket (sockets: ${JSON.stringify(sockets.slice(before))})`,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}; the response pane says: ${await editorText(page, '.graphiql-response')}`);
  });
  expect(socket.received.map((frame) => frame.type)).toContain('connection_ack');
  await sleep(2 * INTERVAL);

  const summary = `graphiql-tail-${randomUUID()}`;
  await appendRecord(stack, summary);
  await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: WITHIN }).toContain(summary);
  const result = JSON.parse((await editorText(page, '.graphiql-response'))!) as unknown;
  expect(result).toEqual({
    data: { eventTail: { event: { id: expect.any(String), summary: expect.stringContaining(summary) } } },
  });
  return { summary, socket };
}

async function startTailStack(server: StackOptions<never>['server'] = {}): Promise<Stack> {
  return startStack({ server: { ...server, tail: { intervalMs: INTERVAL } } });
}

describe('GraphiQL runs subscriptions, offline', () => {
  let browser: Browser | undefined;
  let stack: Stack | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startTailStack();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('tails eventTail into the response pane over a same-origin WebSocket, within the page CSP', async () => {
    const graphqlUrl = stack!.server.url;
    const { origin, host } = new URL(graphqlUrl);
    const { page, context, offOrigin, problems } = await openOfflinePage(browser!, origin);
    try {
      const violations = await recordCspViolations(page);
      const sockets = recordSockets(page);
      const response = await page.goto(graphqlUrl);
      expect(response?.headers()['content-security-policy']).toContain(`connect-src 'self' ws://${host} wss://${host};`);

      await setOperation(page, TAIL);
      const { socket } = await tailOneRecord(page, stack!, sockets);
      expect(socket.url).toBe(graphqlUrl.replace(/^http:/, 'ws:'));
      // No key is asked for with auth off: the headers editor is empty, and so are the params.
      expect(socket.sent[0]).toEqual({ type: 'connection_init', payload: {} });

      // The execute button is the stop button while a subscription runs; stopping it ends
      // the socket, so the server's tail loses its subscriber instead of polling for nobody.
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => socket.closed, { timeout: 5_000 }).toBe(true);
      expect(socket.sent.map((frame) => frame.type)).toContain('complete');

      expect(await violations()).toEqual([]);
      expect(problems).toEqual([]);
      expect(offOrigin).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('GraphiQL runs subscriptions with auth on', () => {
  const key = generateApiKey();
  let browser: Browser | undefined;
  let stack: Stack | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    const hash = await hashApiKey(key, { N: 2 ** 14, r: 8, p: 1 });
    stack = await startTailStack({ auth: { mode: 'required', apiKeys: [{ name: 'browser', hash, sources: ['*'] }] } });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('sends the key pasted into the headers editor as connectionParams, and is refused without it', async () => {
    const graphqlUrl = stack!.server.url;
    const { page, context, offOrigin, problems } = await openOfflinePage(browser!, new URL(graphqlUrl).origin);
    try {
      const violations = await recordCspViolations(page);
      const sockets = recordSockets(page);
      await page.goto(graphqlUrl);
      await setOperation(page, TAIL);

      // The headers editor opens with the template; run as is, the socket is refused (4401)
      // and GraphiQL says so.
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 10_000 }).toMatch(/4401/);
      expect(sockets.at(-1)?.sent[0]).toEqual({ type: 'connection_init', payload: { Authorization: 'Bearer ' } });

      const headersEditor = page.locator('.graphiql-editor-tool .CodeMirror').last();
      await replaceEditorText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${key}` }));
      const { socket } = await tailOneRecord(page, stack!, sockets);
      expect(socket.sent[0]).toEqual({ type: 'connection_init', payload: { Authorization: `Bearer ${key}` } });
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => socket.closed, { timeout: 5_000 }).toBe(true);

      // As with queries, the key stays out of the page's storage (history included).
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      expect(stored).not.toContain(key);
      expect(await violations()).toEqual([]);
      // What running without the key is expected to leave: the browser's log of each 401
      // introspection got, and the socket's refusal once more as an unhandled rejection,
      // which @graphiql/toolkit's iterator (push-pull-async-iterable-iterator) leaves behind
      // on every subscription error. Anything else, a CSP report included, is a problem.
      const expected = [
        `HTTP 401: ${graphqlUrl}`,
        'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
      ];
      const refusal = /^uncaught: Socket closed with event 4401 /;
      expect(problems.filter((problem) => !expected.includes(problem) && !refusal.test(problem))).toEqual([]);
      expect(offOrigin).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
