import type { EventSource, StreamEstimate } from '../../timeline/event-source.js';
import { PAGE_READ_MARGIN } from '../../timeline/read-contract.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../timeline/timeline.js';

/*
 * What one `events` page costs upstream, source by source, from the configuration alone:
 * the cost limit answers before any resolver runs, so it may list no stream (ModelArts lists
 * its services upstream) and read no page. docs/limits.md has the model and examples.
 */

/**
 * A source that does not say (`EventSource.estimateStreams` is optional): one stream, read
 * in pages as small as the smallest a built-in vendor serves (Tencent CCR's 100), so an
 * unknown source is never estimated cheaper than a known one of one stream.
 */
export const ASSUMED_STREAMS: StreamEstimate = Object.freeze({ streams: 1, maxPageSize: 100 });

/** The arguments of an `events` field that decide its cost, as coerced from the document. */
export interface EventsFieldArguments {
  first?: number | null;
  last?: number | null;
  filter?: {
    kinds?: readonly string[] | null;
    vendors?: readonly string[] | null;
    sources?: readonly string[] | null;
  } | null;
}

/** A source's estimate, checked: a broken one counts as the assumed one rather than as free. */
export function streamEstimateOf(source: EventSource): StreamEstimate {
  const estimate = source.estimateStreams?.();
  if (!estimate) return ASSUMED_STREAMS;
  const streams = Number.isFinite(estimate.streams) && estimate.streams >= 0 ? Math.ceil(estimate.streams) : ASSUMED_STREAMS.streams;
  const maxPageSize = estimate.maxPageSize >= 1 ? estimate.maxPageSize : ASSUMED_STREAMS.maxPageSize;
  const listingCalls = Number.isFinite(estimate.listingCalls) && estimate.listingCalls! > 0 ? Math.ceil(estimate.listingCalls!) : 0;
  return { streams, maxPageSize, listingCalls };
}

/**
 * The page size an `events` field asks for, or undefined when the timeline refuses the
 * arguments before any call (`first` with `last`, a size outside 0..500): such a field costs
 * nothing, and its error says why better than a cost would.
 */
export function pageSizeOf(args: EventsFieldArguments): number | undefined {
  if (args.first != null && args.last != null) return undefined;
  const size = args.first ?? args.last ?? DEFAULT_PAGE_SIZE;
  return Number.isInteger(size) && size >= 0 && size <= MAX_PAGE_SIZE ? size : undefined;
}

/**
 * Upstream calls one source makes for one page of `size` events: each stream may give the
 * whole page and the look-ahead (`size + 2`), in calls of at most its largest page, plus
 * the calls that list the streams. Read plans usually ask far less; this is the most a
 * first read asks, which is what a limit must assume.
 */
export function sourcePageCost(estimate: StreamEstimate, size: number): number {
  const pages = Math.max(1, Math.ceil((size + PAGE_READ_MARGIN) / estimate.maxPageSize));
  return estimate.streams * pages + (estimate.listingCalls ?? 0);
}

/** Whether the filter leaves the source in: the timeline makes no call for one it rules out. */
export function selectedBy(source: EventSource, filter: EventsFieldArguments['filter']): boolean {
  if (!filter) return true;
  return (
    (!filter.kinds || filter.kinds.includes(source.kind)) &&
    (!filter.vendors || filter.vendors.includes(source.vendor)) &&
    (!filter.sources || filter.sources.includes(source.name))
  );
}

/** The estimated upstream calls of one `events` field over the configured sources. */
export function eventsFieldCost(sources: readonly SourceCost[], args: EventsFieldArguments): number {
  const size = pageSizeOf(args);
  if (size === undefined) return 0;
  let cost = 0;
  for (const { source, estimate } of sources) {
    if (selectedBy(source, args.filter)) cost += sourcePageCost(estimate, size);
  }
  return cost;
}

/**
 * The estimated upstream calls of one `eventHistogram` field: per selected source, its
 * listing and two calls per stream (the count over the range, or the first page of a scan,
 * and one more). What it really reads depends on the data, which no estimate before the
 * first call can know; each stream then takes whichever of per-bucket totals and a scan
 * costs fewer calls (docs/limits.md).
 */
export function histogramFieldCost(sources: readonly SourceCost[], args: Pick<EventsFieldArguments, 'filter'>): number {
  let cost = 0;
  for (const { source, estimate } of sources) {
    if (selectedBy(source, args.filter)) cost += estimate.streams * 2 + (estimate.listingCalls ?? 0);
  }
  return cost;
}

/** A source with its estimate, asked once per operation however many fields read it. */
export interface SourceCost {
  source: EventSource;
  estimate: StreamEstimate;
}

export function sourceCosts(sources: readonly EventSource[]): SourceCost[] {
  return sources.map((source) => ({ source, estimate: streamEstimateOf(source) }));
}
