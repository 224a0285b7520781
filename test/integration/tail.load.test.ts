import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapAfterGc } from '../helpers/memory.js';
import { scrape, sumOf, valueOf, type Sample } from '../helpers/prometheus-text.js';
import { modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import {
  appendModelArts,
  eventsOf,
  eventsWith,
  noticesOf,
  RawTailSocket,
  sleep,
  tailClient,
  TailCollector,
  waitUntil,
  wsUrl,
  type TailItemShape,
} from '../helpers/tail-client.js';

/*
 * The live tail under load, through the real server over graphql-ws and the ModelArts
 * emulator: many subscribers of one filter share the upstream reads of one, and a client
 * that stops reading costs the server a bounded buffer, not memory without end.
 *
 * Upstream calls are counted twice: at the emulator (each API request, by path, so by
 * stream: ModelArts has one event log per service) and by the server's own metrics
 * (`eventgraph_upstream_calls_total`). Sources are named apart from every other stack's:
 * a Metrics instance counts the upstream calls of every server in the process.
 */

const INTERVAL = 300;
/** Two poll intervals with their jitter, and room for the reads of every stream of the source. */
const WITHIN = 2 * INTERVAL * 1.1 + 500;
const SERVICE_EVENTS = /^\/v1\/[^/]+\/services\/([^/]+)\/events$/;
const SERVICE_LIST = /^\/v1\/[^/]+\/services$/;

/** What the emulator was asked, by API and (for event reads) by service, over a span of time; and what the server's metrics say of it. */
interface Window {
  eventsByService: Map<string, number>;
  listings: number;
  metricEventCalls: number;
  metricListingCalls: number;
}

/** Counts the upstream calls of `source` over `ms`, at the emulator and in the server's metrics. */
async function callsOver(stack: Stack, source: string, ms: number): Promise<Window> {
  const window: Window = { eventsByService: new Map(), listings: 0, metricEventCalls: 0, metricListingCalls: 0 };
  const calls = (samples: Sample[], api: string) => sumOf(samples, 'eventgraph_upstream_calls_total', { source, api });
  const before = await scrape(stack.server.metricsUrl!);
  const stop = stack.emulators.modelarts.onRequest(({ path }) => {
    const events = SERVICE_EVENTS.exec(path);
    if (events) window.eventsByService.set(events[1]!, (window.eventsByService.get(events[1]!) ?? 0) + 1);
    else if (SERVICE_LIST.test(path)) window.listings += 1;
  });
  await sleep(ms);
  stop();
  const after = await scrape(stack.server.metricsUrl!);
  window.metricEventCalls = calls(after, 'ListServiceEvents') - calls(before, 'ListServiceEvents');
  window.metricListingCalls = calls(after, 'ListServices') - calls(before, 'ListServices');
  return window;
}

describe('100 subscribers of one filter', () => {
  const SOURCE = 'load-shared';
  /** Long enough for about five polls of each stream, so that the jitter moves the count by one or two at most. */
  const SPAN = 5 * INTERVAL;
  /** Polls of one stream within SPAN: the interval is ± 10 %, and a poll may be under way at either end. */
  const FEWEST = Math.floor(SPAN / (INTERVAL * 1.1)) - 1;
  const MOST = Math.ceil(SPAN / (INTERVAL * 0.9)) + 1;
  let stack: Stack;
  let services: string[];
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startStack({
      server: { tail: { intervalMs: INTERVAL }, metrics: { enabled: true } },
      sources: (emulators) => [modelArtsSource(emulators, { name: SOURCE })],
    });
    // The source lists the default workspace's services (no workspace configured): one stream each.
    services = stack.emulators.modelarts
      .summaries()
      .filter((service) => service.workspace_id === '0')
      .map((service) => service.service_id);
    expect(services.length).toBeGreaterThan(1);
  });

  afterAll(async () => {
    for (const each of clients) await each.dispose();
    await stack?.close();
  });

  /** Opens `subscribers` subscriptions of one filter over `connections` graphql-ws connections. */
  const tails = (subscribers: number, connections: number): TailCollector[] => {
    const opened = Array.from({ length: connections }, () => tailClient(stack));
    clients.push(...opened);
    return Array.from({ length: subscribers }, (_, i) => new TailCollector(opened[i % connections]!, { filter: { sources: [SOURCE] } }));
  };

  /**
   * Waits until `subscriptions` are attached to their pollers, then for a poll of every stream.
   * Each subscription lists the source's services first (the service list is not cached
   * here), and attaches once its listing is answered: the emulator's log (reset before the
   * subscriptions open) says when every one was. The server's gauge counts a subscription
   * from before its listing.
   */
  const attached = async (subscriptions: number) => {
    const listed = () => stack.emulators.modelarts.requests().recent.filter((entry) => SERVICE_LIST.test(entry.path) && entry.status !== null).length;
    await waitUntil(
      async () => (listed() >= subscriptions && valueOf(await scrape(stack.server.metricsUrl!), 'eventgraph_tail_subscriptions') === subscriptions ? true : undefined),
      5_000,
      () => `${subscriptions} subscriptions were not listed and attached: ${listed()} listings answered`,
    );
    await sleep(INTERVAL * 1.1 + 100);
  };

  it('cost the upstream the calls of one subscriber, and each gets an appended record once', async () => {
    // One subscriber: the calls of a span of about five polls.
    stack.emulators.modelarts.resetRequests();
    const [alone] = tails(1, 1);
    await attached(1);
    const one = await callsOver(stack, SOURCE, SPAN);
    alone!.dispose();
    expect(alone!.errors).toEqual([]);
    // Its pollers stop with it: nothing is read while nobody listens.
    await sleep(INTERVAL);
    const idle = await callsOver(stack, SOURCE, 2 * INTERVAL);
    expect([...idle.eventsByService.values()].reduce((sum, n) => sum + n, 0), 'event reads with no subscriber left').toBe(0);

    // A hundred, over four connections.
    stack.emulators.modelarts.resetRequests();
    const hundred = tails(100, 4);
    await attached(100);
    const many = await callsOver(stack, SOURCE, SPAN);

    // Per stream, as many calls as with one subscriber, within the jitter: one poll, one call (the window holds less than a page).
    expect([...one.eventsByService.keys()].sort()).toEqual([...services].sort());
    expect([...many.eventsByService.keys()].sort()).toEqual([...services].sort());
    for (const service of services) {
      const alonePolls = one.eventsByService.get(service)!;
      const sharedPolls = many.eventsByService.get(service)!;
      expect(alonePolls, `polls of ${service} with one subscriber`).toBeGreaterThanOrEqual(FEWEST);
      expect(alonePolls, `polls of ${service} with one subscriber`).toBeLessThanOrEqual(MOST);
      expect(sharedPolls, `polls of ${service} with 100 subscribers`).toBeGreaterThanOrEqual(FEWEST);
      expect(sharedPolls, `polls of ${service} with 100 subscribers`).toBeLessThanOrEqual(MOST);
      expect(Math.abs(sharedPolls - alonePolls), `polls of ${service}: ${alonePolls} with one, ${sharedPolls} with 100`).toBeLessThanOrEqual(2);
    }
    // Per API, as the server counts them: the same event reads, and no listing once subscribed.
    for (const window of [one, many]) {
      const emulatorCalls = [...window.eventsByService.values()].reduce((sum, n) => sum + n, 0);
      // The scrapes and the emulator's listener do not start at the same instant: a poll of each stream may fall in between.
      expect(Math.abs(window.metricEventCalls - emulatorCalls)).toBeLessThanOrEqual(services.length);
      expect(window.listings, 'service listings once subscribed (emulator)').toBe(0);
      expect(window.metricListingCalls, 'service listings once subscribed (metrics)').toBe(0);
    }
    expect(many.metricEventCalls).toBeLessThanOrEqual(one.metricEventCalls + 2 * services.length);
    const gauges = await scrape(stack.server.metricsUrl!);
    expect(valueOf(gauges, 'eventgraph_tail_subscriptions')).toBe(100);
    expect(valueOf(gauges, 'eventgraph_tail_connections')).toBe(4);
    expect(valueOf(gauges, 'eventgraph_tail_pollers')).toBe(services.length);

    // Each one gets a record appended now, once.
    const at = Date.now() + 50;
    await appendModelArts(stack.emulators, services[0]!, [{ at, info: 'load-shared-1' }]);
    await waitUntil(
      () => (hundred.every((tail) => eventsWith(tail.items, 'load-shared-1').length > 0) ? true : undefined),
      WITHIN,
      () => `${hundred.filter((tail) => eventsWith(tail.items, 'load-shared-1').length === 0).length} of 100 subscribers did not get the record`,
    );
    // Two more polls: nobody got it twice, nor anything else.
    await sleep(2 * INTERVAL * 1.1 + 100);
    for (const [i, tail] of hundred.entries()) {
      expect(tail.errors, `subscriber ${i}`).toEqual([]);
      expect(eventsOf(tail.items), `subscriber ${i}`).toHaveLength(1);
      expect(eventsOf(tail.items)[0], `subscriber ${i}`).toMatchObject({
        late: false,
        event: { occurredAt: new Date(at).toISOString(), summary: expect.stringContaining('load-shared-1'), source: { name: SOURCE } },
      });
      expect(noticesOf(tail.items), `subscriber ${i}`).toEqual([]);
    }
    for (const tail of hundred) tail.dispose();
  });
});

describe('a client that stops reading', () => {
  const SOURCE = 'load-slow';
  const MAX_BUFFERED = 50;
  /** Big records, so that the kernel's socket buffers (a few MB on loopback) fill with a few dozen. */
  const RECORD_BYTES = 64 * 1024;
  const RECORDS = 320;
  /** Records appended at once: fewer than the buffer holds, so that a client that reads loses none. */
  const BATCH = 40;
  let stack: Stack;
  let serviceId: string;
  let serviceName: string;
  let slow: RawTailSocket<Kept> | undefined;

  beforeAll(async () => {
    stack = await startStack({
      // A short lookback: each poll reads again what the lookback holds, and here that is megabytes.
      server: { tail: { intervalMs: INTERVAL, lookbackMs: 1_000, maxBuffered: MAX_BUFFERED }, metrics: { enabled: true } },
      sources: (emulators) => [modelArtsSource(emulators, { name: SOURCE })],
    });
    const service = stack.emulators.modelarts.summaries().find((each) => each.workspace_id === '0')!;
    serviceId = service.service_id;
    serviceName = service.service_name;
  });

  afterAll(async () => {
    // A socket left paused would hold the server's shutdown for the WebSocket close timeout (30 s).
    await slow?.close();
    await stack?.close();
  });

  /** What is kept of an item: the record's number, not its 64 KiB. */
  type Kept = { event: number } | { notice: { source: string | null; status: string; dropped: number } };
  const keep = (item: TailItemShape): Kept =>
    item.__typename === 'TailEvent'
      ? { event: Number(/slow-(\d+)-/.exec(item.event.summary)?.[1] ?? -1) }
      : { notice: { source: item.source?.name ?? null, status: item.status, dropped: item.dropped } };
  const numbers = (items: readonly Kept[]) => items.flatMap((item) => ('event' in item ? [item.event] : []));
  const gauge = async (name: string) => valueOf(await scrape(stack.server.metricsUrl!), name) ?? 0;

  it('costs the server a bounded buffer; when it reads again it is told what it missed, then gets the newest records', async () => {
    // One stream (the service's name selects it), a client that reads and one that will not.
    const filter = { sources: [SOURCE], resource: serviceName };
    stack.emulators.modelarts.resetRequests();
    const ws = tailClient(stack);
    const reader = new TailCollector<Kept>(ws, { filter }, keep);
    const paused = await RawTailSocket.open<Kept>(wsUrl(stack), { filter }, { keep });
    slow = paused;
    paused.pause();
    // Each subscription attaches once its listing of the services is answered.
    const listed = () => stack.emulators.modelarts.requests().recent.filter((entry) => SERVICE_LIST.test(entry.path) && entry.status !== null).length;
    await waitUntil(() => (listed() >= 2 ? true : undefined), 5_000, () => `two subscriptions were not listed: ${listed()}`);
    // The first poll, which delivers nothing that was there before.
    await sleep(INTERVAL * 1.1 + 100);
    expect(await gauge('eventgraph_tail_subscriptions')).toBe(2);
    expect(await gauge('eventgraph_tail_pollers')).toBe(1);
    const heapBefore = heapAfterGc();

    let mostBuffered = 0;
    const padding = 'x'.repeat(RECORD_BYTES);
    for (let first = 0; first < RECORDS; first += BATCH) {
      const now = Date.now();
      const batch = Array.from({ length: BATCH }, (_, i) => ({ at: now - 100 + i, info: `slow-${first + i}-${padding}` }));
      await appendModelArts(stack.emulators, serviceId, batch);
      // The reader gets the whole batch before the next is appended: a poll never brings more than a buffer holds.
      await waitUntil(
        () => (numbers(reader.items).includes(first + BATCH - 1) ? true : undefined),
        WITHIN + 2_000,
        () => `the reader did not get records ${first}..${first + BATCH - 1}: ${numbers(reader.items).length} records so far`,
      );
      mostBuffered = Math.max(mostBuffered, await gauge('eventgraph_tail_buffered_items'));
    }
    const samples = await scrape(stack.server.metricsUrl!);
    const heapGrowth = heapAfterGc() - heapBefore;

    // The reader lost nothing; the other one's buffer is full, and no more.
    expect(numbers(reader.items)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    expect(reader.items.filter((item) => 'notice' in item)).toEqual([]);
    expect(mostBuffered).toBeLessThanOrEqual(2 * MAX_BUFFERED);
    expect(valueOf(samples, 'eventgraph_tail_buffered_items')).toBe(MAX_BUFFERED);
    const droppedCounted = valueOf(samples, 'eventgraph_tail_dropped_items_total')!;
    expect(droppedCounted).toBeGreaterThan(0);
    // The emulator holds every record; the server no more than a buffer of them. Measured: about
    // 1.5 times what was appended with the bound, 2.8 times without it.
    expect(heapGrowth).toBeLessThan(2 * RECORDS * RECORD_BYTES);

    // It reads again: what the kernel held, oldest first; a notice of what was dropped; then the newest.
    paused.resume();
    await waitUntil(
      () => (numbers(paused.items).includes(RECORDS - 1) ? true : undefined),
      5_000,
      () => `the slow client did not get the newest record: ${JSON.stringify(paused.items.slice(-3))}`,
    );
    await sleep(INTERVAL * 1.1 + 100);
    expect(paused.errors).toEqual([]);
    const notices = paused.items.flatMap((item, index) => ('notice' in item ? [{ index, ...item.notice }] : []));
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice).toMatchObject({ source: SOURCE, status: 'OK', dropped: droppedCounted });
    const before = numbers(paused.items.slice(0, notice!.index));
    const after = numbers(paused.items.slice(notice!.index + 1));
    const run = (from: number, length: number) => Array.from({ length }, (_, i) => from + i);
    // The oldest it had not read yet, then the newest: the dropped ones are exactly those in between.
    expect(before).toEqual(run(0, before.length));
    expect(after).toEqual(run(RECORDS - after.length, after.length));
    // What the buffer held: the newest, a full buffer of them.
    expect(after).toHaveLength(MAX_BUFFERED);
    expect(before.length + notice!.dropped + after.length).toBe(RECORDS);
    expect(await gauge('eventgraph_tail_buffered_items')).toBe(0);

    reader.dispose();
    await ws.dispose();
    await paused.close();
    slow = undefined;
    await waitUntil(async () => ((await gauge('eventgraph_tail_subscriptions')) === 0 ? true : undefined), 3_000, () => 'the subscriptions did not leave');
    expect(await gauge('eventgraph_tail_pollers')).toBe(0);
  });
});
