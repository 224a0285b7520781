import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventOutcome, SortDirection, type EventRecord } from '../../src/model/event.model.js';
import type { EventSource, SourceSession } from '../../src/timeline/event-source.js';
import { keysetWindow, type Stream, type StreamPlan, type StreamQuery, type StreamReader } from '../../src/timeline/stream.js';
import { RELIST_MS, StreamPoller, SYSTEM_CLOCK, TailHub, type TailDelivery, type TailFeed, type TailHubOptions, type TailItem, type TailSubscription } from '../../src/timeline/tail/index.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { Timeline } from '../../src/timeline/timeline.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';

/*
 * The live tail's engine over in-memory streams, on fake timers: each poll is a timer, so
 * minutes of tailing run in milliseconds.
 */

const T0 = 1_700_000_000_000;
const INTERVAL = 1_000;
const LOOKBACK = 5_000;

/**
 * An upstream log held in memory, read as an offset-paged upstream reads it: newest (or
 * oldest) first within the query's window, `want` records a call. Counts opens and calls,
 * and fails every call while `failing` is set.
 */
class LogStream implements Stream {
  readonly key: string;
  readonly log: EventRecord[] = [];
  opens = 0;
  nexts = 0;
  failing = false;
  /** While set, calls wait for it: a read under way. */
  gate: Promise<void> | undefined;

  constructor(
    readonly sourceName: string,
    name: string,
    readonly maxPageSize = 100,
  ) {
    this.key = `${sourceName}/${name}`;
  }

  add(id: string, at: number, outcome = EventOutcome.SUCCESS): EventRecord {
    const event: EventRecord = { id, kind: 'MEMORY', vendor: 'MEMORY', sourceName: this.sourceName, streamKey: this.key, occurredAt: at, outcome, actor: null, resource: null, summary: id, raw: {} };
    this.log.push(event);
    return event;
  }

  plan(filter: { outcomes?: EventOutcome[] }): StreamPlan {
    // Pushes nothing down but the time window; a filter on no outcome at all cannot match.
    return { skip: filter.outcomes?.length === 0, upstream: ['since', 'until'] };
  }

  open(query: StreamQuery): StreamReader {
    this.opens += 1;
    let offset = 0;
    return {
      next: async () => {
        this.nexts += 1;
        await this.gate;
        if (this.failing) throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: this.sourceName, status: 503, message: `${this.sourceName} is down` });
        const { since, until } = keysetWindow(query);
        const sign = query.order === SortDirection.DESC ? -1 : 1;
        const inWindow = this.log.filter((event) => event.occurredAt <= until && (since === undefined || event.occurredAt >= since)).sort((a, b) => sign * (a.occurredAt - b.occurredAt));
        const events = inWindow.slice(offset, offset + query.want);
        offset += query.want;
        return { events, done: offset >= inWindow.length };
      },
    };
  }
}

class LogSource implements EventSource {
  readonly kind = 'MEMORY';
  readonly vendor = 'MEMORY';
  readonly endpoint = 'memory:';
  /** While set, listing the streams fails. */
  listingFails = false;
  listings = 0;
  constructor(
    readonly name: string,
    readonly streams: Stream[],
  ) {}

  openSession(): SourceSession {
    return {
      source: this,
      streams: async () => {
        this.listings += 1;
        if (this.listingFails) throw new UpstreamError({ code: 'UPSTREAM_AUTH_FAILED', source: this.name, status: 401, message: `${this.name} refused the listing` });
        return [...this.streams];
      },
      findEvent: async () => null,
    };
  }
}

/** A hub on the fake timers, its jitter fixed (0.5 is no jitter; 0.999 the longest wait). */
function hubOf(options: TailHubOptions & { random?: number } = {}): TailHub {
  const random = options.random ?? 0.5;
  return new TailHub({ intervalMs: INTERVAL, lookbackMs: LOOKBACK, ...options, clock: { ...SYSTEM_CLOCK, random: () => random } });
}

/** A fast consumer: everything the subscription gives, as it comes. */
function collect(subscription: TailSubscription): TailItem[] {
  const items: TailItem[] = [];
  void (async () => {
    for await (const item of subscription) items.push(item);
  })();
  return items;
}

const eventIds = (items: readonly TailItem[]) => items.flatMap((item) => (item.type === 'event' ? [item.event.id] : []));
const notices = (items: readonly TailItem[]) => items.filter((item) => item.type === 'notice');
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('live tail', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers an event appended to the log exactly once, within two poll intervals, even at the longest jitter', async () => {
    const stream = new LogStream('a', 's');
    stream.add('before', T0 - 100);
    const hub = hubOf({ random: 0.999 });
    const items = collect(await hub.subscribe({ sessions: [new LogSource('a', [stream]).openSession()], filter: {} }));
    await advance(1);
    stream.add('e1', Date.now());

    await advance(2 * INTERVAL);
    expect(eventIds(items)).toEqual(['e1']);
    expect(items[0]).toMatchObject({ type: 'event', late: false });

    // Every later poll reads e1 again (it stays in the lookback) and must not deliver it again.
    await advance(10 * INTERVAL);
    expect(eventIds(items)).toEqual(['e1']);
    hub.close();
  });

  it('delivers once, flagged late, an event stamped in the past that appears after the tail read past its time', async () => {
    const stream = new LogStream('a', 's');
    const hub = hubOf();
    const items = collect(await hub.subscribe({ sessions: [new LogSource('a', [stream]).openSession()], filter: {} }));
    await advance(3 * INTERVAL);

    stream.add('late', Date.now() - 2_500);
    stream.add('fresh', Date.now() + 10);
    await advance(INTERVAL);
    await advance(6 * INTERVAL);

    expect(items.filter((item) => item.type === 'event').map((item) => item.type === 'event' && [item.event.id, item.late])).toEqual([
      ['late', true],
      ['fresh', false],
    ]);
    hub.close();
  });

  it('reads a stream once per poll for 100 subscribers of one filter', async () => {
    const stream = new LogStream('a', 's');
    const source = new LogSource('a', [stream]);
    const hub = hubOf();
    const consumers: TailItem[][] = [];
    for (let i = 0; i < 100; i++) {
      // The same filter, its list in another order: canonically one.
      const outcomes = i % 2 ? [EventOutcome.SUCCESS, EventOutcome.FAILURE] : [EventOutcome.FAILURE, EventOutcome.SUCCESS];
      consumers.push(collect(await hub.subscribe({ sessions: [source.openSession()], filter: { outcomes } })));
    }
    expect(hub.pollerCount).toBe(1);

    await advance(1);
    stream.add('e1', Date.now());
    await advance(5 * INTERVAL);

    // The first poll, then one every interval: the reads of one subscriber.
    expect(stream.opens).toBe(6);
    expect(stream.nexts).toBe(6);
    for (const items of consumers) expect(eventIds(items)).toEqual(['e1']);
    hub.close();
  });

  it('applies each subscriber filter to the shared events', async () => {
    const stream = new LogStream('a', 's');
    const source = new LogSource('a', [stream]);
    const hub = hubOf();
    const failures = collect(await hub.subscribe({ sessions: [source.openSession()], filter: { outcomes: [EventOutcome.FAILURE] } }));
    const everything = collect(await hub.subscribe({ sessions: [source.openSession()], filter: {} }));
    const none = await hub.subscribe({ sessions: [source.openSession()], filter: { outcomes: [] } });
    // Two filters, two pollers; the one that plans skip polls nothing.
    expect(hub.pollerCount).toBe(2);

    await advance(1);
    stream.add('ok', Date.now(), EventOutcome.SUCCESS);
    stream.add('ko', Date.now(), EventOutcome.FAILURE);
    await advance(2 * INTERVAL);

    expect(eventIds(failures)).toEqual(['ko']);
    expect(eventIds(everything).sort()).toEqual(['ko', 'ok']);
    expect(none.buffered).toBe(0);
    hub.close();
  });

  it('reports a failing stream while the others go on, then its recovery, and delivers what it missed', async () => {
    const broken = new LogStream('a', 's');
    const healthy = new LogStream('b', 's');
    const hub = hubOf();
    const items = collect(await hub.subscribe({ sessions: [new LogSource('a', [broken]).openSession(), new LogSource('b', [healthy]).openSession()], filter: {} }));
    await advance(1);

    broken.failing = true;
    broken.add('a1', Date.now());
    healthy.add('b1', Date.now());
    await advance(INTERVAL);
    expect(notices(items)).toEqual([expect.objectContaining({ type: 'notice', source: 'a', status: 'FAILED', dropped: 0 })]);
    const failed = notices(items)[0]!;
    expect(failed.type === 'notice' && failed.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(eventIds(items)).toEqual(['b1']);

    // Still failing: told once, not at every poll; the healthy stream goes on.
    healthy.add('b2', Date.now());
    await advance(2 * INTERVAL);
    expect(notices(items)).toHaveLength(1);
    expect(eventIds(items)).toEqual(['b1', 'b2']);

    broken.failing = false;
    await advance(INTERVAL);
    expect(notices(items).map((item) => item.type === 'notice' && [item.source, item.status])).toEqual([
      ['a', 'FAILED'],
      ['a', 'OK'],
    ]);
    const ok = notices(items)[1]!;
    // The gap it caught up on: since its last good read, the first poll, before the three that failed.
    expect(ok.type === 'notice' && ok.lagMs).toBe(4 * INTERVAL);
    expect(eventIds(items)).toEqual(['b1', 'b2', 'a1']);
    hub.close();
  });

  it('tells a source once, however many of its streams fail, and OK once all of them read again', async () => {
    const streams = [new LogStream('a', 's1'), new LogStream('a', 's2'), new LogStream('a', 's3')];
    const hub = hubOf();
    const items = collect(await hub.subscribe({ sessions: [new LogSource('a', streams).openSession()], filter: {} }));
    await advance(1);
    for (const stream of streams) stream.failing = true;
    await advance(2 * INTERVAL);
    streams[0]!.failing = false;
    await advance(2 * INTERVAL);
    expect(notices(items).map((item) => item.type === 'notice' && item.status)).toEqual(['FAILED']);
    for (const stream of streams) stream.failing = false;
    await advance(INTERVAL);
    expect(notices(items).map((item) => item.type === 'notice' && item.status)).toEqual(['FAILED', 'OK']);
    hub.close();
  });

  it('tells a subscriber that joins a poller whose reads fail already, and both when it recovers', async () => {
    const stream = new LogStream('a', 's');
    const source = new LogSource('a', [stream]);
    const hub = hubOf();
    const first = collect(await hub.subscribe({ sessions: [source.openSession()], filter: {} }));
    await advance(1);
    stream.failing = true;
    await advance(INTERVAL);
    const second = collect(await hub.subscribe({ sessions: [source.openSession()], filter: {} }));
    await advance(1);
    expect(hub.stats().pollers).toBe(1);
    for (const items of [first, second]) expect(notices(items).map((item) => item.type === 'notice' && item.status)).toEqual(['FAILED']);
    stream.failing = false;
    await advance(INTERVAL);
    for (const items of [first, second]) expect(notices(items).map((item) => item.type === 'notice' && item.status)).toEqual(['FAILED', 'OK']);
    hub.close();
  });

  it('lists a source again while its listing fails, and tails it once it is back; a stream created later joins', async () => {
    const first = new LogStream('a', 's1');
    const source = new LogSource('a', [first]);
    source.listingFails = true;
    const hub = hubOf();
    const items = collect(await hub.subscribe({ sessions: [source.openSession()], filter: {} }));
    await advance(1);
    expect(notices(items)).toEqual([expect.objectContaining({ source: 'a', status: 'FAILED' })]);
    await advance(3 * INTERVAL);
    // Retried at the interval, and told once.
    expect(source.listings).toBeGreaterThanOrEqual(3);
    expect(notices(items)).toHaveLength(1);

    source.listingFails = false;
    await advance(INTERVAL + 1);
    expect(notices(items).map((item) => item.type === 'notice' && item.status)).toEqual(['FAILED', 'OK']);
    first.add('one', Date.now());
    await advance(INTERVAL);
    expect(eventIds(items)).toEqual(['one']);

    // A stream created since is found at the next listing, and tailed from then on.
    const second = new LogStream('a', 's2');
    source.streams.push(second);
    await advance(RELIST_MS);
    second.add('two', Date.now());
    await advance(2 * INTERVAL);
    expect(eventIds(items)).toEqual(['one', 'two']);
    expect(hub.stats().pollers).toBe(2);
    hub.close();
  });

  it('drops the oldest items for a slow consumer, says how many, then goes on from the newest; the buffer stays bounded', async () => {
    const stream = new LogStream('a', 's', 2000);
    const hub = hubOf({ maxBuffered: 10 });
    const subscription = await hub.subscribe({ sessions: [new LogSource('a', [stream]).openSession()], filter: {} });
    let mostBuffered = 0;
    const pushAll = subscription.pushAll.bind(subscription);
    subscription.pushAll = (items) => {
      pushAll(items);
      mostBuffered = Math.max(mostBuffered, subscription.buffered);
    };
    await advance(1);

    // A consumer that had read everything takes a whole poll, even past the bound...
    const start = Date.now();
    for (let i = 0; i < 20; i++) stream.add(`a${String(i).padStart(4, '0')}`, start + i - 19);
    await advance(INTERVAL);
    expect(subscription.buffered).toBe(20);
    // ...but one still behind at the next poll keeps only the newest.
    const appended = Array.from({ length: 1000 }, (_, i) => stream.add(`e${String(i).padStart(4, '0')}`, Date.now() + i - 999));
    await advance(INTERVAL);

    expect(mostBuffered).toBe(20);
    expect(subscription.buffered).toBe(10);
    expect((await subscription.next()).value).toEqual({ type: 'dropped', source: 'a', count: 1010 });
    const rest: string[] = [];
    for (let i = 0; i < 10; i++) {
      const item = (await subscription.next()).value as TailItem;
      if (item.type === 'event') rest.push(item.event.id);
    }
    expect(rest).toEqual(appended.slice(-10).map((event) => event.id));
    expect(subscription.buffered).toBe(0);
    expect(subscription.dropped).toBe(0);
    expect(hub.stats()).toMatchObject({ subscriptions: 1, pollers: 1, buffered: 0, droppedTotal: 1010 });
    hub.close();
  });

  it('stops polling (no timer, no read) when the last subscriber leaves, and not before', async () => {
    const stream = new LogStream('a', 's');
    const source = new LogSource('a', [stream]);
    const hub = hubOf();
    const first = await hub.subscribe({ sessions: [source.openSession()], filter: {} });
    const second = await hub.subscribe({ sessions: [source.openSession()], filter: {} });
    await advance(2 * INTERVAL);

    await first.return();
    const readsWithOne = stream.nexts;
    await advance(2 * INTERVAL);
    expect(stream.nexts).toBe(readsWithOne + 2);
    expect(hub.pollerCount).toBe(1);

    await second.return();
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.pollerCount).toBe(0);
    const readsAtEnd = stream.nexts;
    await advance(10 * INTERVAL);
    expect(stream.nexts).toBe(readsAtEnd);
    expect((await second.next()).done).toBe(true);
  });

  it('ends a `for await` with `break` by leaving', async () => {
    const stream = new LogStream('a', 's');
    const hub = hubOf();
    const subscription = await hub.subscribe({ sessions: [new LogSource('a', [stream]).openSession()], filter: {} });
    await advance(1);
    stream.add('e1', Date.now());
    const consumer = (async () => {
      for await (const item of subscription) if (item.type === 'event') break;
    })();
    await advance(INTERVAL);
    await consumer;
    expect(subscription.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delivers nothing and schedules nothing from a read that was under way when the last subscriber left', async () => {
    const stream = new LogStream('a', 's');
    const hub = hubOf();
    const subscription = await hub.subscribe({ sessions: [new LogSource('a', [stream]).openSession()], filter: {} });
    await advance(1);
    let release!: () => void;
    stream.gate = new Promise((resolve) => (release = resolve));
    stream.add('e1', Date.now());
    await advance(INTERVAL);
    expect(stream.nexts).toBe(2);

    await subscription.return();
    release();
    await advance(10 * INTERVAL);
    expect(stream.nexts).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(subscription.buffered).toBe(0);
  });
});

describe('StreamPoller', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forgets ids once they fall behind the lookback window, so its memory stays bounded', async () => {
    const stream = new LogStream('a', 's');
    const poller = new StreamPoller({ stream, plan: stream.plan({}), filter: {}, intervalMs: INTERVAL, lookbackMs: LOOKBACK, clock: { ...SYSTEM_CLOCK, random: () => 0.5 } });
    const delivered: string[] = [];
    const detach = poller.attach({ events: (batch) => delivered.push(...batch.map(({ event }) => event.id)), status: () => {} });
    await advance(1);
    // Ten events per interval for a minute: 600 delivered, about a lookback's worth remembered.
    for (let tick = 0; tick < 60; tick++) {
      for (let i = 0; i < 10; i++) stream.add(`t${tick}-${i}`, Date.now());
      await advance(INTERVAL);
    }
    expect(delivered).toHaveLength(600);
    expect(new Set(delivered).size).toBe(600);
    expect(poller.remembered).toBeLessThanOrEqual(10 * (LOOKBACK / INTERVAL + 1));
    detach();
    expect(poller.running).toBe(false);
  });

  it('jitters each wait within ±10 % of the interval', async () => {
    for (const [random, wait] of [
      [0, 900],
      [0.5, 1000],
      [0.999, 1100],
    ] as const) {
      const stream = new LogStream('a', 's');
      const poller = new StreamPoller({ stream, plan: stream.plan({}), filter: {}, intervalMs: INTERVAL, lookbackMs: LOOKBACK, clock: { ...SYSTEM_CLOCK, random: () => random } });
      const detach = poller.attach({ events: () => {}, status: () => {} });
      await advance(1);
      expect(stream.opens).toBe(1);
      await advance(wait - 2);
      expect(stream.opens).toBe(1);
      await advance(2);
      expect(stream.opens).toBe(2);
      detach();
    }
  });
});

describe('live tail after a cursor (Timeline.subscribeTail)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const timelineOf = () =>
    new Timeline(new CursorCodec('a-secret-of-sixteen-chars'), {
      adaptiveReads: false,
      tail: { intervalMs: INTERVAL, lookbackMs: LOOKBACK, clock: { ...SYSTEM_CLOCK, random: () => 0.5 } },
    });

  /** The newest-first cursor of the newest event, as a client holding the first page of `events` has it. */
  async function newestCursor(timeline: Timeline, sessions: SourceSession[]): Promise<string> {
    const page = await timeline.page({ first: 1, order: SortDirection.DESC, filter: {} }, sessions, Date.now());
    return page.edges[0]!.cursor;
  }

  async function take(feed: TailFeed, count: number): Promise<TailDelivery[]> {
    const items: TailDelivery[] = [];
    while (items.length < count) items.push((await feed.next()).value as TailDelivery);
    return items;
  }

  it('loses nothing at the seam: a record stamped before "now" that lands after the replay read its time is sent by the live part, once', async () => {
    const stream = new LogStream('a', 's');
    const sessions = [new LogSource('a', [stream]).openSession()];
    const timeline = timelineOf();
    stream.add('seen', T0 - 3_000);
    const cursor = await newestCursor(timeline, sessions);
    stream.add('after-1', T0 - 2_000);
    stream.add('after-2', T0 - 1_000);

    const feed = await timeline.subscribeTail({ filter: {}, after: cursor }, sessions);
    // The replay reads both, and is over; the live pollers have not polled yet.
    const replayed = await take(feed, 2);
    expect(replayed.map((item) => item.type === 'event' && [item.event.id, item.late])).toEqual([
      ['after-1', false],
      ['after-2', false],
    ]);
    // Lands now, stamped before the replay's end: only the live part can still send it.
    stream.add('at-seam', T0 - 500);
    const next = feed.next();
    await advance(1);
    expect((await next).value).toMatchObject({ type: 'event', event: { id: 'at-seam' } });

    // Later polls read all of them again (they are in the lookback), and send none again.
    stream.add('live', Date.now() + 10);
    const after = feed.next();
    await advance(3 * INTERVAL);
    expect((await after).value).toMatchObject({ type: 'event', event: { id: 'live' }, late: false });
    const extra = feed.next().then((result) => result.value as TailDelivery);
    await advance(10 * INTERVAL);
    await feed.return();
    expect(await extra).toBeUndefined();
  });

  it('gives each event the cursor of the newest sent so far (not its own when it is older), which a new tail resumes from', async () => {
    const stream = new LogStream('a', 's');
    const sessions = [new LogSource('a', [stream]).openSession()];
    const timeline = timelineOf();
    stream.add('seen', T0 - 3_000);
    const feed = await timeline.subscribeTail({ filter: {}, after: await newestCursor(timeline, sessions) }, sessions);
    stream.add('newer', T0 - 1_000);
    stream.add('older', T0 - 2_000);
    expect((await take(feed, 2)).map((item) => item.type === 'event' && item.event.id)).toEqual(['older', 'newer']);
    // Older than what was sent: its cursor is still that of 'newer'.
    stream.add('behind', T0 - 1_500);
    const next = feed.next();
    await advance(1);
    const behind = (await next).value as TailDelivery & { type: 'event' };
    expect(behind.event.id).toBe('behind');
    await feed.return();

    stream.add('missed', T0 - 500);
    const resumed = await timeline.subscribeTail({ filter: {}, after: behind.cursor }, sessions);
    const first = resumed.next();
    await advance(1);
    expect((await first).value).toMatchObject({ type: 'event', event: { id: 'missed' } });
    const more = resumed.next().then((result) => result.value as TailDelivery);
    await advance(5 * INTERVAL);
    await resumed.return();
    expect(await more).toBeUndefined();
  });
});
