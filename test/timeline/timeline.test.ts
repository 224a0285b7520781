import { describe, expect, it } from 'vitest';
import { EventKind, EventOutcome, SortDirection, Vendor, type EventRecord } from '../../src/model/event.model.js';
import type { EventSource, SourceSession } from '../../src/timeline/event-source.js';
import { CursorCodec } from '../../src/timeline/cursor.js';
import { compareKeys, keyOf } from '../../src/timeline/event-order.js';
import type { Stream, StreamQuery } from '../../src/timeline/stream.js';
import { SourceState, Timeline, type TimelineRequest } from '../../src/timeline/timeline.js';
import { TimelineInputError } from '../../src/timeline/timeline.errors.js';
import { UpstreamError } from '../../src/upstream/upstream.errors.js';
import type { DeploymentEventRecord } from '../../src/vendors/huawei-modelarts/deployment-event.record.js';

/*
 * The merge engine on its own, over in-memory streams that page and filter by time the way
 * a time-filterable upstream does. The vendor paths are covered end to end, over HTTP, in
 * test/integration.
 */

interface FakeStreamSpec {
  key: string;
  events: EventRecord[];
  /** Upstream call numbers (1-based, per stream, across the whole test) that fail. */
  failOn?: Set<number>;
  pageSize?: number;
}

function event(source: string, stream: string, at: number, n: number, outcome = EventOutcome.SUCCESS): DeploymentEventRecord {
  return {
    id: `${stream}#${n}`,
    kind: 'DEPLOYMENT',
    vendor: 'HUAWEI_CLOUD',
    sourceName: source,
    streamKey: `${source}/${stream}`,
    occurredAt: at,
    outcome,
    actor: null,
    resource: stream,
    summary: `${stream} event ${n}`,
    raw: {},
    projectId: 'p',
    serviceId: stream,
    serviceName: stream,
    eventType: 'normal',
    eventInfo: `event ${n}`,
  };
}

class FakeSource implements EventSource {
  readonly kind = 'DEPLOYMENT';
  readonly vendor = 'HUAWEI_CLOUD';
  readonly endpoint = 'memory:';
  calls = new Map<string, number>();
  failListing = false;

  constructor(
    readonly name: string,
    private readonly specs: FakeStreamSpec[],
  ) {}

  openSession(): SourceSession {
    const source = this;
    return {
      source,
      async streams() {
        if (source.failListing) throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: source.name, message: 'listing failed' });
        return source.specs.map((spec) => source.stream(spec));
      },
      async findEvent() {
        return null;
      },
    };
  }

  private stream(spec: FakeStreamSpec): Stream {
    const source = this;
    return {
      key: `${this.name}/${spec.key}`,
      sourceName: this.name,
      maxPageSize: 1000,
      plan: () => ({ skip: false, upstream: ['since', 'until'] }),
      open(query: StreamQuery) {
        const matching = spec.events
          .filter((e) => e.occurredAt <= query.until && (query.since === undefined || e.occurredAt >= query.since))
          .filter((e) => !query.after || compareKeys(keyOf(e), query.after, query.order) > 0)
          .sort((a, b) => compareKeys(keyOf(a), keyOf(b), query.order));
        const size = spec.pageSize ?? Math.max(1, query.want);
        let offset = 0;
        return {
          async next() {
            const call = (source.calls.get(spec.key) ?? 0) + 1;
            source.calls.set(spec.key, call);
            if (spec.failOn?.has(call)) {
              throw new UpstreamError({ code: 'UPSTREAM_UNAVAILABLE', source: source.name, status: 503, message: 'down' });
            }
            const events = matching.slice(offset, offset + size);
            offset += size;
            return { events, done: offset >= matching.length, total: matching.length };
          },
        };
      },
    };
  }
}

function dataset(): FakeSource[] {
  const a = new FakeSource('alpha', [
    { key: 's1', events: Array.from({ length: 23 }, (_, i) => event('alpha', 's1', 1000 + i * 7, i)) },
    // Ties: several events in the same millisecond, in this stream and across streams.
    { key: 's2', events: Array.from({ length: 17 }, (_, i) => event('alpha', 's2', 1000 + Math.floor(i / 3) * 7, i)) },
  ]);
  const b = new FakeSource('beta', [
    { key: 's1', events: Array.from({ length: 11 }, (_, i) => event('beta', 's1', 1003 + i * 13, i, i % 2 ? EventOutcome.FAILURE : EventOutcome.SUCCESS)) },
  ]);
  return [a, b];
}

const all = (sources: FakeSource[]) =>
  sources.flatMap((source) => (source as unknown as { specs: FakeStreamSpec[] }).specs.flatMap((spec) => spec.events));

async function walk(timeline: Timeline, sources: FakeSource[], request: Omit<TimelineRequest, 'filter'> & { filter?: TimelineRequest['filter'] }) {
  const backward = request.last != null;
  const seen: EventRecord[] = [];
  let cursor: string | null | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const sessions = sources.map((source) => source.openSession());
    const page = await timeline.page(
      { ...request, filter: request.filter ?? {}, ...(backward ? { before: cursor } : { after: cursor }) },
      sessions,
      5000,
    );
    const nodes = page.edges.map((edge) => edge.node);
    if (backward) seen.unshift(...nodes);
    else seen.push(...nodes);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) return { seen, last: page };
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  throw new Error('walk did not end');
}

describe('Timeline', () => {
  const timeline = new Timeline(new CursorCodec('a-test-secret-of-enough-length'));

  for (const order of [SortDirection.DESC, SortDirection.ASC]) {
    it(`walks forward in ${order} order, each event once, in total order`, async () => {
      const sources = dataset();
      const expected = all(sources).sort((x, y) => compareKeys(keyOf(x), keyOf(y), order));
      const { seen } = await walk(timeline, sources, { first: 7, order });
      expect(seen.map((e) => e.id + e.streamKey)).toEqual(expected.map((e) => e.id + e.streamKey));
    });

    it(`walks backward in ${order} order to the same sequence`, async () => {
      const sources = dataset();
      const expected = all(sources).sort((x, y) => compareKeys(keyOf(x), keyOf(y), order));
      const { seen } = await walk(timeline, sources, { last: 5, order });
      expect(seen.map((e) => e.id + e.streamKey)).toEqual(expected.map((e) => e.id + e.streamKey));
    });
  }

  it('reports the exact total and per-source counts, and pins them in the cursor', async () => {
    const sources = dataset();
    const first = await timeline.page({ first: 10, filter: {}, order: SortDirection.DESC }, sources.map((s) => s.openSession()), 5000);
    expect(first.totalCount).toBe(51);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.sources.map((s) => s.events).reduce((x, y) => x + y)).toBe(10);
    const second = await timeline.page(
      { first: 10, after: first.pageInfo.endCursor, filter: {}, order: SortDirection.DESC },
      sources.map((s) => s.openSession()),
      99_999,
    );
    expect(second.totalCount).toBe(51);
    expect(second.asOf).toBe(5000);
    expect(second.pageInfo.hasPreviousPage).toBe(true);
  });

  it('applies the time window inclusively, and the local filters', async () => {
    const sources = dataset();
    const filter = { since: 1014, until: 1056, outcomes: [EventOutcome.FAILURE] };
    const { seen, last } = await walk(timeline, sources, { first: 3, order: SortDirection.ASC, filter });
    const expected = all(sources)
      .filter((e) => e.occurredAt >= 1014 && e.occurredAt <= 1056 && e.outcome === EventOutcome.FAILURE)
      .sort((x, y) => compareKeys(keyOf(x), keyOf(y), SortDirection.ASC));
    expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(last.totalCount).toBeNull();
    expect(last.sources.find((s) => s.source.name === 'beta')).toMatchObject({ upstreamFilters: ['since', 'until'], localFilters: ['outcomes'] });
  });

  it('prunes sources by name without calling them', async () => {
    const sources = dataset();
    const sessions = sources.map((s) => s.openSession());
    const page = await timeline.page({ first: 50, filter: { sources: ['beta'] }, order: SortDirection.DESC }, sessions, 5000);
    expect(page.edges.every((edge) => edge.node.sourceName === 'beta')).toBe(true);
    expect(page.sources.find((s) => s.source.name === 'alpha')).toMatchObject({ status: SourceState.SKIPPED, upstreamCalls: 0 });
  });

  it('refuses bad input with an error naming the argument', async () => {
    const sessions = dataset().map((s) => s.openSession());
    const refuse = (request: Partial<TimelineRequest>) =>
      timeline.page({ filter: {}, order: SortDirection.DESC, ...request }, sessions, 5000);
    await expect(refuse({ first: -1 })).rejects.toThrow(/first must be between 0 and 500/);
    await expect(refuse({ first: 501 })).rejects.toThrow(TimelineInputError);
    await expect(refuse({ first: 2, last: 2 })).rejects.toThrow(/together/);
    await expect(refuse({ after: 'garbage' })).rejects.toThrow(/not a cursor/);
    await expect(refuse({ filter: { since: 2, until: 1 } })).rejects.toThrow(/since is later than/);
    await expect(refuse({ filter: { sources: ['nope'] } })).rejects.toThrow(/unknown source "nope"/);

    const page = await refuse({ first: 2 });
    const cursor = page.pageInfo.endCursor!;
    await expect(refuse({ after: cursor, order: SortDirection.ASC })).rejects.toThrow(/another filter or order/);
    await expect(refuse({ after: cursor, filter: { search: 'x' } })).rejects.toThrow(/another filter or order/);
    const [payload, signature] = cursor.split('.');
    const tampered = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('"t":51', '"t":52')).toString('base64url');
    await expect(refuse({ after: `${tampered}.${signature}` })).rejects.toThrow(/altered/);
    const foreign = new Timeline(new CursorCodec('another-secret-of-enough-length'));
    await expect(foreign.page({ after: cursor, filter: {}, order: SortDirection.DESC }, sessions, 5000)).rejects.toThrow(/altered/);
    const fewerSources = await timeline.page({ first: 2, filter: {}, order: SortDirection.DESC }, sessions.slice(0, 1), 5000).then(
      () => 'accepted',
    );
    expect(fewerSources).toBe('accepted');
    await expect(timeline.page({ after: cursor, filter: {}, order: SortDirection.DESC }, sessions.slice(0, 1), 5000)).rejects.toThrow(
      /other sources were configured/,
    );
  });

  it('keeps a failed stream\'s place, so a later page brings its events without gaps', async () => {
    const sources = dataset();
    // beta/s1 fails on its first call only: page 1 comes back without it.
    (sources[1] as unknown as { specs: FakeStreamSpec[] }).specs[0]!.failOn = new Set([1]);
    const first = await timeline.page({ first: 10, filter: {}, order: SortDirection.DESC }, sources.map((s) => s.openSession()), 5000);
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'beta' });
    expect(first.sources.find((s) => s.source.name === 'beta')).toMatchObject({ status: SourceState.FAILED, events: 0 });
    expect(first.totalCount).toBeNull();
    expect(first.edges.every((edge) => edge.node.sourceName === 'alpha')).toBe(true);

    const { seen } = await walk(timeline, sources, { first: 10, order: SortDirection.DESC });
    void seen;
    // Continue the walk from page 1's cursor and collect everything.
    const collected = [...first.edges.map((edge) => edge.node)];
    let cursor = first.pageInfo.endCursor;
    for (let i = 0; i < 20 && cursor; i += 1) {
      const page = await timeline.page({ first: 10, after: cursor, filter: {}, order: SortDirection.DESC }, sources.map((s) => s.openSession()), 5000);
      collected.push(...page.edges.map((edge) => edge.node));
      cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    }
    const ids = collected.map((e) => e.streamKey + e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all(sources).map((e) => e.streamKey + e.id).sort());
  });

  it('keeps a source whose stream listing failed, and resumes it later', async () => {
    const sources = dataset();
    sources[0]!.failListing = true;
    const first = await timeline.page({ first: 5, filter: {}, order: SortDirection.ASC }, sources.map((s) => s.openSession()), 5000);
    expect(first.sources.find((s) => s.source.name === 'alpha')).toMatchObject({ status: SourceState.FAILED });
    expect(first.pageInfo.hasNextPage).toBe(true);
    sources[0]!.failListing = false;
    const collected = [...first.edges.map((edge) => edge.node)];
    let cursor = first.pageInfo.endCursor;
    while (cursor) {
      const page = await timeline.page({ first: 6, after: cursor, filter: {}, order: SortDirection.ASC }, sources.map((s) => s.openSession()), 5000);
      collected.push(...page.edges.map((edge) => edge.node));
      cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    }
    const ids = collected.map((e) => e.streamKey + e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(51);
  });

  it('answers first: 0 with no edges and says whether there is more', async () => {
    const page = await timeline.page({ first: 0, filter: {}, order: SortDirection.DESC }, dataset().map((s) => s.openSession()), 5000);
    expect(page.edges).toEqual([]);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, startCursor: null, endCursor: null });
  });
});
