import type { UpstreamCallCounts } from '../upstream/upstream.calls.js';
import { UpstreamError } from '../upstream/upstream.errors.js';
import { lagOf } from './cursor.js';
import type { FilterField } from './event-filter.js';
import type { SourceSession } from './event-source.js';
import { Lane } from './lane.js';
import type { PagePlan } from './page-plan.js';
import type { ReadPlan } from './read-plan.js';

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
 * stream that could match. Opening reads nothing yet: the merge does. `calls` is the page's
 * tally, handed to the listing and to every read.
 */
export async function openLanes(plan: PagePlan, readPlan: ReadPlan | undefined, calls: UpstreamCallCounts): Promise<PageLanes> {
  // Stream expansion may call the upstream (a service list): all sources at once.
  const failedSources: string[] = [];
  const expanded = await Promise.all(
    plan.selected.map(async (session) => {
      try {
        return { session, streams: await session.streams(calls), error: null };
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        failedSources.push(session.source.name);
        return { session, streams: [], error };
      }
    }),
  );

  const lanes: Lane[] = [];
  const sources: SourceLanes[] = [];
  for (const { session, streams, error } of expanded) {
    const source: SourceLanes = { session, error, lanes: [], upstreamFilters: [], localFilters: plan.active };
    for (const stream of streams) {
      const streamPlan = stream.plan(plan.filter);
      if (streamPlan.skip) continue;
      source.upstreamFilters = plan.active.filter((field) => streamPlan.upstream.includes(field));
      source.localFilters = plan.active.filter((field) => !streamPlan.upstream.includes(field));
      const lag = lagOf(plan.incomingLags, stream);
      const want = readPlan?.want(plan.planKey, stream.key, plan.full) ?? plan.full;
      const lane = new Lane({
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
      });
      source.lanes.push(lane);
      lanes.push(lane);
    }
    sources.push(source);
  }
  return { lanes, sources, failedSources };
}
