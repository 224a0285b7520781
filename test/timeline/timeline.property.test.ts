import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANCHOR, startStack } from '../helpers/stack.js';
import {
  diffAgainstOracle,
  fiveSources,
  matches,
  oracleKey,
  oracleEvents,
  walk,
  walkedKey,
  type Filter,
  type OracleEvent,
  type Order,
  type Scope,
  type WalkedEvent,
} from '../helpers/timeline-oracle.js';
import { KINDS, OUTCOMES, SOURCES, sometimes, VENDORS } from '../helpers/filter-arbitraries.js';

/*
 * Property: for any data set and any walk (page size, direction, order, filter), walking the
 * whole `events` connection gives exactly the brute-force answer: every event of every
 * emulator, normalised by the documented rules (docs/api.md), filtered and sorted. The real server, the real
 * sources and the real emulators, over loopback HTTP.
 *
 * One stack per data set, several walks on it. The emulators are seeded by fast-check and
 * kept small (`scale`), and ModelArts is scoped to its smaller services, so that a walk with
 * pages of one event stays cheap.
 */



/** A filter drawn as choices, mapped onto the values present in the data once it exists. */
const filterChoice = fc.record({
  kinds: sometimes(fc.subarray(KINDS, { minLength: 1 })),
  vendors: sometimes(fc.subarray(VENDORS, { minLength: 1 })),
  sources: sometimes(fc.subarray(SOURCES, { minLength: 1 })),
  // Indices into the events' times, taken modulo their number.
  since: sometimes(fc.integer({ min: 0, max: 1_000_000 })),
  until: sometimes(fc.integer({ min: 0, max: 1_000_000 })),
  outcomes: sometimes(fc.subarray(OUTCOMES, { minLength: 1 })),
  actor: sometimes(fc.nat()),
  resource: sometimes(fc.nat()),
  search: sometimes(fc.record({ event: fc.nat(), start: fc.nat(), length: fc.integer({ min: 1, max: 8 }), upper: fc.boolean() })),
});
type FilterChoice = typeof filterChoice extends fc.Arbitrary<infer T> ? T : never;

const walkChoice = fc.record({
  order: fc.constantFrom<Order>('ASC', 'DESC'),
  direction: fc.constantFrom<'forward' | 'backward'>('forward', 'backward'),
  pageSize: fc.integer({ min: 1, max: 200 }),
  filter: filterChoice,
});

const dataSet = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  scale: fc.constantFrom(0.01, 0.02, 0.03),
  reference: fc.record({ order: fc.constantFrom<Order>('ASC', 'DESC'), pageSize: fc.integer({ min: 40, max: 200 }) }),
  walks: fc.array(walkChoice, { minLength: 3, maxLength: 3 }),
});

function toFilter(choice: FilterChoice, events: readonly OracleEvent[], summaries: readonly string[]): Filter {
  const filter: Filter = {};
  if (choice.kinds) filter.kinds = choice.kinds;
  if (choice.vendors) filter.vendors = choice.vendors;
  if (choice.sources) filter.sources = choice.sources;
  if (choice.outcomes) filter.outcomes = choice.outcomes;
  const times = events.map((e) => e.occurredAt).sort((a, b) => a - b);
  const at = (n: number) => times[n % times.length]!;
  if (times.length > 0 && (choice.since !== undefined || choice.until !== undefined)) {
    const [lo, hi] = [choice.since, choice.until].map((n) => (n === undefined ? undefined : at(n)));
    // Both bounds are events' times (so ties at the bounds are exercised), in a valid order.
    if (lo !== undefined && hi !== undefined) [filter.since, filter.until] = [Math.min(lo, hi), Math.max(lo, hi)];
    else if (lo !== undefined) filter.since = lo;
    else filter.until = hi;
  }
  const pick = <T>(list: readonly T[], n: number | undefined) => (n === undefined || list.length === 0 ? undefined : list[n % list.length]);
  const actors = [...new Set(events.flatMap((e) => (e.actor === null ? [] : [e.actor])))].sort();
  const resources = [...new Set(events.flatMap((e) => (e.resource === null ? [] : [e.resource])))].sort();
  const actor = pick(actors, choice.actor);
  if (actor !== undefined) filter.actor = actor;
  const resource = pick(resources, choice.resource);
  if (resource !== undefined) filter.resource = resource;
  const text = pick(summaries, choice.search?.event);
  if (text !== undefined && choice.search) {
    const start = choice.search.start % text.length;
    const needle = text.slice(start, start + choice.search.length);
    filter.search = choice.search.upper ? needle.toUpperCase() : needle.toLowerCase();
  }
  return filter;
}

describe('events: a whole walk equals the brute-force answer (property)', () => {
  it('for random data sets, page sizes, directions, orders and filters', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(dataSet, async ({ seed, scale, reference, walks }) => {
        const stack = await startStack({
          emulators: { seed, now: ANCHOR, scale },
          sources: (emulators) => fiveSources(emulators, scopeOf(emulators)),
        });
        try {
          const scope = scopeOf(stack.emulators);
          const all = oracleEvents(stack.emulators, scope);

          // The unfiltered walk first: it must equal the oracle, and it gives what the docs do
          // not define (summaries, for `search`) and the order among ties.
          const base = await walk(stack, { order: reference.order, pageSize: reference.pageSize, direction: 'forward' });
          expect(diffAgainstOracle(base.events, all, reference.order), 'the unfiltered walk').toEqual([]);
          expect(base.pages[0]!.totalCount).toBe(all.length);
          const summaries = base.events.map((e) => e.summary);
          const summaryOf = new Map(base.events.map((e) => [e.id, e.summary]));
          const summaryByContent = contentSummaries(base.events);

          for (const choice of walks) {
            const filter = toFilter(choice.filter, all, summaries);
            const expected = all.filter((e) => matches(e, filter, summaryByContent(e)));
            const label = JSON.stringify({ seed, scale, ...choice, filter });
            const result = await walk(stack, { order: choice.order, pageSize: choice.pageSize, direction: choice.direction, filter });
            expect(diffAgainstOracle(result.events, expected, choice.order), label).toEqual([]);
            // The order among ties (stream, then id) is the same total order as the reference walk's.
            const position = new Map(base.events.map((e, i) => [e.id, i]));
            const positions = result.events.map((e) => position.get(e.id));
            expect(positions.every((p) => p !== undefined), `${label}: ids unknown to the unfiltered walk`).toBe(true);
            const sign = choice.order === reference.order ? 1 : -1;
            expect(positions.every((p, i) => i === 0 || sign * (p! - positions[i - 1]!) > 0), `${label}: tie order`).toBe(true);
            expect(result.events.every((e) => summaryOf.get(e.id) === e.summary), `${label}: summaries`).toBe(true);
            // Exact, or null only where a source applies a filter field locally (docs/api.md).
            const total = result.pages[0]!.totalCount;
            const local = result.pages[0]!.sources.some((s) => s.localFilters.length > 0);
            if (total !== null || !local) expect(total, `${label}: totalCount`).toBe(expected.length);
          }
        } finally {
          await stack.close();
        }
      }),
      // PROPERTY_RUNS=n runs more cases locally; npm test keeps it bounded.
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 8), endOnFailure: true },
    );
  });
});

/** ModelArts scoped to its smaller services (one generated service has over a thousand events). */
function scopeOf(emulators: Parameters<typeof oracleEvents>[0]): Scope {
  const services = emulators.modelarts
    .services()
    .map((s) => s.service_id)
    .filter((id) => emulators.modelarts.events(id).length <= 300);
  return { services, repositories: emulators.tencentCcr.repositories(), bkrepoRepositories: ['generic-local', 'maven-local', 'docker-local'] };
}

/** An oracle event's summary, as the unfiltered walk gave it for the same content. */
function contentSummaries(events: readonly WalkedEvent[]) {
  const byContent = new Map(events.map((event) => [walkedKey(event), event.summary]));
  return (event: OracleEvent) => byContent.get(oracleKey(event));
}
