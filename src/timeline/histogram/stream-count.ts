import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { matchesFilter, type EventFilter } from '../event-filter.js';
import { deadlineError, type PageDeadline } from '../lane.js';
import type { Stream, StreamPlan } from '../stream.js';

/**
 * How a stream's buckets were counted:
 * - TOTALS: one upstream total per bucket, under the bucket's time window;
 * - SCAN: its events in the range were read and counted here;
 * - CACHED: every bucket came from the histogram's cache of settled buckets, no call.
 */
export enum CountMethod {
  TOTALS = 'TOTALS',
  SCAN = 'SCAN',
  CACHED = 'CACHED',
}

/** One bucket's count, split by outcome when the histogram groups by it; `ALL` otherwise. */
export type OutcomeCounts = Map<EventOutcome | typeof ALL, number>;
export const ALL = 'ALL';

/** What counting one stream over some buckets gave: a count per bucket start. */
export interface StreamCount {
  method: CountMethod;
  buckets: Map<number, OutcomeCounts>;
}

export interface StreamCountInput {
  stream: Stream;
  plan: StreamPlan;
  filter: EventFilter;
  /** Bucket starts to count, ascending, each clipped to [from, to]. */
  starts: readonly number[];
  stepMs: number;
  from: number;
  to: number;
  /** Tell outcomes apart (the histogram groups by OUTCOME). */
  byOutcome: boolean;
  calls: UpstreamCallCounts;
  deadline: PageDeadline;
}

const OUTCOMES = Object.values(EventOutcome);

/**
 * Counts a stream's events into buckets with whichever method costs fewer upstream calls.
 * A stream that can count exactly (`Stream.count`) is asked first for the whole range,
 * which says how many pages a scan would read and what one count costs (one call, or a few
 * for a stream that searches for its window). Then per bucket totals (one count per bucket,
 * per outcome when outcomes are told apart) if that is fewer calls than the scan, else the
 * scan.
 */
export async function countStream(input: StreamCountInput): Promise<StreamCount> {
  const { stream, starts } = input;
  const since = Math.max(input.from, starts[0]!);
  const until = Math.min(input.to, starts[starts.length - 1]! + input.stepMs - 1);
  if (stream.count && (!input.byOutcome || canCountOutcomes(input))) {
    // Counted on a tally of its own first, to learn what one count costs.
    const probe = new UpstreamCallCounts();
    let total: number | null;
    try {
      total = await counted({ ...input, calls: probe }, since, until, input.filter);
    } finally {
      // A call that failed was still made.
      input.calls.absorb(probe);
    }
    if (total !== null) {
      if (total === 0) return { method: CountMethod.TOTALS, buckets: new Map(starts.map((start) => [start, zero(input.byOutcome)])) };
      // One bucket (a refresh's newest): the range's total is that bucket's count.
      if (starts.length === 1 && !input.byOutcome) return { method: CountMethod.TOTALS, buckets: new Map([[starts[0]!, new Map([[ALL, total]])]]) };
      const callsPerCount = Math.max(1, probe.of(stream.sourceName));
      const scanCalls = Math.ceil(total / stream.maxPageSize);
      const totalsCalls = starts.length * (input.byOutcome ? outcomesOf(input.filter).length : 1) * callsPerCount;
      const buckets = totalsCalls < scanCalls ? await totalsPerBucket(input) : null;
      if (buckets) return { method: CountMethod.TOTALS, buckets };
    }
  }
  return { method: CountMethod.SCAN, buckets: await scan(input, since, until) };
}

/** Whether the stream pushes an outcome filter upstream, so that a total per outcome is exact. */
function canCountOutcomes(input: StreamCountInput): boolean {
  return input.stream.plan({ ...input.filter, outcomes: [EventOutcome.FAILURE] }).upstream.includes('outcomes');
}

function outcomesOf(filter: EventFilter): EventOutcome[] {
  return filter.outcomes ? OUTCOMES.filter((outcome) => filter.outcomes!.includes(outcome)) : OUTCOMES;
}

function zero(byOutcome: boolean): OutcomeCounts {
  return new Map<EventOutcome | typeof ALL, number>(byOutcome ? OUTCOMES.map((outcome) => [outcome, 0]) : [[ALL, 0]]);
}

async function counted(input: StreamCountInput, since: number, until: number, filter: EventFilter): Promise<number | null> {
  const { stream } = input;
  const plan = filter === input.filter ? input.plan : stream.plan(filter);
  // An outcome the stream never has (its plan for that split skips): nothing to ask.
  if (plan.skip) return 0;
  return input.deadline.race(
    () => stream.count!({ since, until, filter: { ...filter, since, until }, plan, calls: input.calls }),
    () => deadlineError(stream.sourceName, `stream ${stream.key}`),
  );
}

/**
 * One total per bucket (and per outcome), all at once: the upstream client bounds the
 * concurrency. Null when the stream could count the range but not some bucket of it (its
 * upstream changed its mind, say its time zone): the caller scans instead.
 */
async function totalsPerBucket(input: StreamCountInput): Promise<Map<number, OutcomeCounts> | null> {
  const splits: { key: EventOutcome | typeof ALL; filter: EventFilter }[] = input.byOutcome
    ? outcomesOf(input.filter).map((outcome) => ({ key: outcome, filter: { ...input.filter, outcomes: [outcome] } }))
    : [{ key: ALL, filter: input.filter }];
  const buckets = new Map<number, OutcomeCounts>();
  let countable = true;
  await Promise.all(
    input.starts.map(async (start) => {
      const counts = zero(input.byOutcome);
      const since = Math.max(input.from, start);
      const until = Math.min(input.to, start + input.stepMs - 1);
      for (const split of splits) {
        const total = await counted(input, since, until, split.filter);
        if (total === null) countable = false;
        else counts.set(split.key, total);
      }
      buckets.set(start, counts);
    }),
  );
  return countable ? buckets : null;
}

/**
 * Reads every event of the range, newest first, and counts those the filter keeps. An event
 * met twice (offsets shift when records land mid-read) is counted once, by its id.
 */
async function scan(input: StreamCountInput, since: number, until: number): Promise<Map<number, OutcomeCounts>> {
  const { stream, stepMs } = input;
  const filter = { ...input.filter, since, until };
  const buckets = new Map(input.starts.map((start) => [start, zero(input.byOutcome)]));
  const seen = new Set<string>();
  let emptyInARow = 0;
  const reader = stream.open({ order: SortDirection.DESC, since, until, filter, want: stream.maxPageSize, plan: input.plan, calls: input.calls });
  for (;;) {
    const chunk = await input.deadline.race(
      () => reader.next(),
      () => deadlineError(stream.sourceName, `stream ${stream.key}`),
    );
    for (const event of chunk.events) {
      if (!matchesFilter(event, filter) || seen.has(event.id)) continue;
      seen.add(event.id);
      const counts = buckets.get(Math.floor(event.occurredAt / stepMs) * stepMs);
      if (!counts) continue;
      const key = input.byOutcome ? event.outcome : ALL;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // A stream may answer an empty chunk before its first events (one that learns a total
    // first); two in a row and nothing more would be read.
    emptyInARow = chunk.events.length === 0 ? emptyInARow + 1 : 0;
    if (chunk.done || emptyInARow >= 2) return buckets;
  }
}
