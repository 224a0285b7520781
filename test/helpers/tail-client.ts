import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import type { Stack } from './stack.js';

/*
 * Clients of the live tail (`eventTail`) for tests through the real server: a graphql-ws
 * client and a collector of what one subscription delivers, a raw WebSocket speaking the
 * graphql-transport-ws protocol by hand (so that a test can stop reading it), and the
 * ModelArts emulator's append route.
 */

export const TAIL_DOCUMENT = /* GraphQL */ `
  subscription Tail($filter: EventFilter, $after: String) {
    eventTail(filter: $filter, after: $after) {
      __typename
      ... on TailEvent { cursor late event { id occurredAt summary source { name } } }
      ... on TailNotice { source { name } status dropped lagMs error { code message upstreamStatus } }
    }
  }
`;

export interface TailEventShape {
  __typename: 'TailEvent';
  cursor: string;
  late: boolean;
  event: { id: string; occurredAt: string; summary: string; source: { name: string } };
}

export interface TailNoticeShape {
  __typename: 'TailNotice';
  source: { name: string };
  status: 'OK' | 'FAILED';
  dropped: number;
  lagMs: number | null;
  error: { code: string; message: string; upstreamStatus: number | null } | null;
}

export type TailItemShape = TailEventShape | TailNoticeShape;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it gives something other than undefined; throws `describe()` after `ms`. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${describe()} (after ${ms} ms)`);
    await sleep(20);
  }
}

export function wsUrl(stack: Stack): string {
  return stack.server.url.replace(/^http/, 'ws');
}

/** A graphql-ws client of the stack's server that never retries (a dropped connection must show). */
export function tailClient(stack: Stack, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: wsUrl(stack), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, shouldRetry: () => false, lazy: true });
}

/**
 * One `eventTail` subscription's items as they come, and its end. `keep` maps each item to
 * what is kept of it (by default the item itself): a test that receives megabytes keeps
 * only what it checks, so that the test's own memory does not count as the server's.
 */
export class TailCollector<T = TailItemShape> {
  readonly items: T[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  readonly dispose: () => void;

  constructor(client: Client, variables: Record<string, unknown>, keep: (item: TailItemShape) => T = (item) => item as T) {
    this.dispose = client.subscribe<{ eventTail: TailItemShape }>(
      { query: TAIL_DOCUMENT, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          if (result.data) this.items.push(keep(result.data.eventTail));
        },
        error: (error) => this.errors.push(error),
        complete: () => {
          this.completed = true;
        },
      },
    );
  }

  /** The events whose summary has `text`, once there are some; throws after `ms`, or as soon as the subscription fails. */
  waitFor(this: TailCollector<TailItemShape>, text: string, ms: number): Promise<TailEventShape[]> {
    return waitUntil(
      () => {
        if (this.errors.length > 0) throw new Error(`the subscription failed: ${JSON.stringify(this.errors)}`);
        const found = eventsWith(this.items, text);
        return found.length > 0 ? found : undefined;
      },
      ms,
      () => `"${text}" did not arrive; got ${JSON.stringify(this.items)}`,
    );
  }

  /** The subscription's first error (a GraphQL error list, or a close event), once it ended with one. */
  waitForError(ms: number): Promise<unknown> {
    return waitUntil(() => this.errors[0], ms, () => `no error; got ${JSON.stringify(this.items)}`);
  }
}

/** The events of a list of items. */
export function eventsOf(items: readonly TailItemShape[]): TailEventShape[] {
  return items.filter((item): item is TailEventShape => item.__typename === 'TailEvent');
}

/** The notices of a list of items, or those about `source` (a name). */
export function noticesOf(items: readonly TailItemShape[], source?: string): TailNoticeShape[] {
  return items.filter((item): item is TailNoticeShape => item.__typename === 'TailNotice' && (source === undefined || item.source.name === source));
}

/** The events of `items` whose summary has `text`. */
export function eventsWith(items: readonly TailItemShape[], text: string): TailEventShape[] {
  return eventsOf(items).filter((item) => item.event.summary.includes(text));
}

/** Appends records to a ModelArts service through the emulator's control route, as any HTTP client would. */
export async function appendModelArts(
  emulators: Pick<RunningEmulators, 'modelarts'>,
  serviceId: string,
  records: readonly { at: number; info: string }[],
): Promise<void> {
  const response = await fetch(`${emulators.modelarts.url}/__emulator/services/${serviceId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(records.map(({ at, info }) => ({ occur_time: at, event_type: 'normal', event_info: info }))),
  });
  if (response.status !== 201) throw new Error(`appending to ${serviceId} answered ${response.status}: ${await response.text()}`);
}

/** graphql-transport-ws messages the server sends. */
export type ServerMessage =
  | { type: 'connection_ack'; payload?: unknown }
  | { type: 'ping' | 'pong'; payload?: unknown }
  | { type: 'next'; id: string; payload: { data?: { eventTail: TailItemShape } | null; errors?: unknown[] } }
  | { type: 'error'; id: string; payload: unknown[] }
  | { type: 'complete'; id: string };

/**
 * A WebSocket speaking graphql-transport-ws by hand, with one subscription, whose reading
 * can be stopped: `pause()` stops reading the TCP socket, so the kernel's buffers fill and
 * the server's writes stop completing, as with a client that is too slow.
 */
export class RawTailSocket<T = TailItemShape> {
  readonly items: T[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  closed: { code: number; reason: string } | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly keep: (item: TailItemShape) => T,
  ) {}

  /** Opens, initialises the connection (waits for its ack) and sends one `eventTail` subscribe. */
  static async open<T = TailItemShape>(
    url: string,
    variables: Record<string, unknown>,
    options: { connectionParams?: Record<string, unknown>; keep?: (item: TailItemShape) => T } = {},
  ): Promise<RawTailSocket<T>> {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const raw = new RawTailSocket<T>(socket, options.keep ?? ((item) => item as T));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no connection_ack within 3 s')), 3_000);
      socket.once('error', (error) => (clearTimeout(timer), reject(error)));
      socket.once('close', (code, reason) => (clearTimeout(timer), reject(new Error(`closed before the ack: ${code} ${String(reason)}`))));
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.connectionParams ?? {} })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'connection_ack') {
          clearTimeout(timer);
          socket.removeAllListeners('error').removeAllListeners('close');
          raw.listen();
          resolve();
        } else raw.receive(message);
      });
    });
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: TAIL_DOCUMENT, variables } }));
    return raw;
  }

  /** Stops reading the socket: what the server sends stays in the kernel's buffers, then in the server. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get paused(): boolean {
    return this.socket.isPaused;
  }

  /** Completes the subscription and closes the connection; resolves once closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    this.socket.close(1000, 'done');
    this.socket.resume();
    const timer = setTimeout(() => this.socket.terminate(), 2_000);
    await closed;
    clearTimeout(timer);
  }

  private listen(): void {
    this.socket.on('error', (error) => this.errors.push(error));
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'next':
        if (message.payload.errors) this.errors.push(...message.payload.errors);
        if (message.payload.data) this.items.push(this.keep(message.payload.data.eventTail));
        break;
      case 'error':
        this.errors.push(...message.payload);
        break;
      case 'complete':
        this.completed = true;
        break;
      case 'ping':
        this.socket.send(JSON.stringify({ type: 'pong' }));
        break;
      default:
        break;
    }
  }
}
