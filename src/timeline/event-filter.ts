import type { EventKind, EventOutcome, EventRecord, Vendor } from '../model/event.model.js';

/** The unified filter, as the timeline sees it (times in epoch ms, bounds inclusive). */
export interface EventFilter {
  kinds?: EventKind[];
  vendors?: Vendor[];
  sources?: string[];
  since?: number;
  until?: number;
  outcomes?: EventOutcome[];
  /** Exact match on `actor`. */
  actor?: string;
  /** Exact match on `resource`. */
  resource?: string;
  /** Case-insensitive substring of `summary`, `resource` or `actor`. */
  search?: string;
}

/** The filter fields a stream applies, either upstream or here; the rest only prune. */
export type FilterField = 'since' | 'until' | 'outcomes' | 'actor' | 'resource' | 'search';

export const FILTER_FIELDS: readonly FilterField[] = ['since', 'until', 'outcomes', 'actor', 'resource', 'search'];

/**
 * The filter with every field that is not set left out, null included: a client's explicit
 * `null` means "no condition", the same as leaving the field out, and streams test fields
 * against `undefined` only. The timeline plans with this form alone.
 */
export function definedFilter(filter: EventFilter): EventFilter {
  const defined: EventFilter = {};
  for (const [field, value] of Object.entries(filter) as [keyof EventFilter, unknown][]) {
    if (value != null) (defined as Record<string, unknown>)[field] = value;
  }
  return defined;
}

/** The fields of `filter` that are set and that some stream must apply. */
export function activeFields(filter: EventFilter): FilterField[] {
  return FILTER_FIELDS.filter((field) => filter[field] != null);
}

/**
 * Applied to every event after the upstream answered, whatever the stream pushed down:
 * an upstream that filters loosely (a prefix for an exact match, a day for an instant)
 * can never leak a wrong event into the timeline.
 */
export function matchesFilter(event: EventRecord, filter: EventFilter): boolean {
  // `!= null`: a field set to null is no condition (see definedFilter).
  if (filter.since != null && event.occurredAt < filter.since) return false;
  if (filter.until != null && event.occurredAt > filter.until) return false;
  if (filter.outcomes && !filter.outcomes.includes(event.outcome)) return false;
  if (filter.actor != null && event.actor !== filter.actor) return false;
  if (filter.resource != null && event.resource !== filter.resource) return false;
  if (filter.search != null) {
    const needle = filter.search.toLowerCase();
    const haystacks = [event.summary, event.resource, event.actor];
    if (!haystacks.some((text) => text?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** A canonical form, so that equal filters hash equally whatever the order of their lists. */
export function canonicalFilter(filter: EventFilter): unknown {
  const sorted = (list?: readonly string[] | null) => (list ? [...new Set(list)].sort() : undefined);
  return {
    kinds: sorted(filter.kinds),
    vendors: sorted(filter.vendors),
    sources: sorted(filter.sources),
    since: filter.since ?? undefined,
    until: filter.until ?? undefined,
    outcomes: sorted(filter.outcomes),
    actor: filter.actor ?? undefined,
    resource: filter.resource ?? undefined,
    search: filter.search ?? undefined,
  };
}
