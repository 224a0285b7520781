/**
 * The normalised event, as every layer below `graphql/` sees it. Plain data. Each vendor
 * module extends `EventRecord` with its own fields (vendors/<vendor>/*-event.record.ts) and
 * names its own `kind` and `vendor`; the schema's EventKind and Vendor enums are built from
 * the vendor modules, and `resolveType` picks the GraphQL type from `kind`
 * (type-graphql#373: constructor names are not a safe discriminator).
 */

/** A kind of event, such as TRIGGER or AUDIT: one per vendor module. */
export type EventKind = string;

/** Who runs the upstream, such as HUAWEI_CLOUD: several vendor modules may share one. */
export type Vendor = string;

export enum EventOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
  UNKNOWN = 'UNKNOWN',
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

export interface EventRecord {
  /** Opaque and stable; `event(id:)` finds the event again from it. */
  id: string;
  kind: EventKind;
  vendor: Vendor;
  /** Name of the configured source the event came from. */
  sourceName: string;
  /** The stream (one independently paginated upstream query) it was read from. */
  streamKey: string;
  /** Epoch milliseconds, UTC. */
  occurredAt: number;
  outcome: EventOutcome;
  actor: string | null;
  resource: string | null;
  summary: string;
  /** The upstream record, untouched. */
  raw: unknown;
}
