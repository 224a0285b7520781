import type { UpstreamCallCounts } from '../upstream/upstream.calls.js';
import { UpstreamError } from '../upstream/upstream.errors.js';
import { lagOf } from './cursor.js';
import type { FilterField } from './event-filter.js';
import type { SourceSession } from './event-source.js';
import { deadlineError, Lane, NO_DEADLINE, type PageDeadline } from './lane.js';
import type { PagePlan } from './page-plan.js';
import { readOnWant } from './read-contract.js';
import type { ReadPlan } from './read-plan.js';
import type { Stream } from './stream.js';

/** What one selected source gave the page: its lanes, or the error that kept it from listing them. */
export interface SourceLanes {
  session: SourceSession;
  /** The stream listing failed: the source has no lane on this page. */
  error: UpstreamError | null;
  /** Its streams that the filter leaves in. */
  lanes: Lane[];
  /** Active filter fields the upstream applies, and the rest, applied here only. */
  upstreamFilters: FilterField[];
  localFilters: FilterField[];
}

export interface PageLanes {
  /** Every lane of the page, source by source. */
  lanes: Lane[];
  sources: SourceLanes[];
  /** Sources whose stream listing failed, in the order they failed. */
  failedSources: string[];
}

/**
 * Expands the selected sources into streams, asks each its plan and opens a lane for each
 * stream that could match. `calls` is the page's tally, handed to the listing and to every
 * read. Each lane starts its first read as soon as its source has listed its streams; the
 * merge reads on. A listing still unanswered at the `deadline` fails its source with
 * UPSTREAM_TIMEOUT, and every read races it too.
 */
export async function openLanes(
  plan: PagePlan,
  readPlan: ReadPlan | undefined,
  calls: UpstreamCallCounts,
  deadline: PageDeadline = NO_DEADLINE,
): Promise<PageLanes> {
  // Stream expansion may call the upstream (a service list): all sources at once. The
  // others' streams do not wait for the slowest listing: under a deadline, a slow service
  // list would otherwise leave every source nothing but the deadline to read by.
  const failedSources: string[] = [];
  const sources = await Promise.all(
    plan.selected.map(async (session): Promise<SourceLanes> => {
      let streams: Stream[];
      try {
        streams = await deadline.race(
          () => session.streams(calls),
          () => deadlineError(session.source.name, `the streams of source ${session.source.name}`),
        );
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        failedSources.push(session.source.name);
        return { session, error, lanes: [], upstreamFilters: [], localFilters: plan.active };
      }
      const source = sourceLanes(plan, readPlan, calls, deadline, session, streams);
      for (const lane of source.lanes) lane.prime(readOnWant(plan.limit, 0));
      return source;
    }),
  );
  return { lanes: sources.flatMap((source) => source.lanes), sources, failedSources };
}

/** The lanes of one source's streams, those its filter leaves in. */
function sourceLanes(
  plan: PagePlan,
  readPlan: ReadPlan | undefined,
  calls: UpstreamCallCounts,
  deadline: PageDeadline,
  session: SourceSession,
  streams: Stream[],
): SourceLanes {
  const source: SourceLanes = { session, error: null, lanes: [], upstreamFilters: [], localFilters: plan.active };
  for (const stream of streams) {
    const streamPlan = stream.plan(plan.filter);
    if (streamPlan.skip) continue;
    source.upstreamFilters = plan.active.filter((field) => streamPlan.upstream.includes(field));
    source.localFilters = plan.active.filter((field) => !streamPlan.upstream.includes(field));
    const lag = lagOf(plan.incomingLags, stream);
    const want = readPlan?.want(plan.planKey, stream.key, plan.full) ?? plan.full;
    source.lanes.push(
      new Lane({
        stream,
        plan: streamPlan,
        query: { order: plan.readOrder, since: plan.filter.since, until: plan.window.until, filter: plan.filter, calls },
        window: plan.window,
        start: lag === undefined ? plan.cursor?.key : (lag ?? undefined),
        startedBehind: lag !== undefined,
        resume: lag === undefined ? plan.cursor?.positions[stream.key] : undefined,
        want,
        planned: want < plan.full,
        localOnly: source.localFilters.length > 0,
        deadline,
      }),
    );
  }
  return source;
}
