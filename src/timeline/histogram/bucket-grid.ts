import { TimelineInputError } from '../timeline.errors.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The steps a histogram snaps to, so that buckets line up across refreshes and panels. */
export const ROUND_STEPS_MS: readonly number[] = [
  SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND,
  MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY,
];

/** A histogram never has more buckets than this: past it, the step grows. */
export const MAX_BUCKETS = 2_000;
/** Points a panel is assumed to draw when it says neither a step nor how many points. */
export const DEFAULT_DATA_POINTS = 100;

/** The buckets of a histogram over the inclusive range [from, to]. */
export interface BucketGrid {
  from: number;
  to: number;
  stepMs: number;
  /** Bucket starts, ascending: floor(t / step) * step for every t in [from, to]. */
  starts: number[];
}

/**
 * The step is max(intervalMs, ceil((to - from) / maxDataPoints)), snapped up to a round
 * value (1 s, 5 s, … 1 d; whole days beyond). Buckets start at multiples of the step since
 * the epoch, so days start at 00:00 UTC.
 */
export function bucketGrid(from: number, to: number, intervalMs?: number | null, maxDataPoints?: number | null): BucketGrid {
  if (!(to >= from)) throw new TimelineInputError('to is earlier than from', 'to');
  if (intervalMs != null && !(intervalMs > 0 && Number.isFinite(intervalMs))) throw new TimelineInputError('intervalMs must be a positive number', 'intervalMs');
  if (maxDataPoints != null && !(Number.isInteger(maxDataPoints) && maxDataPoints > 0)) {
    throw new TimelineInputError('maxDataPoints must be a positive integer', 'maxDataPoints');
  }
  // As Grafana divides its range: (to - from) / maxDataPoints, so that 24 h in 48 points is 30 min.
  const span = Math.max(1, to - from);
  const points = maxDataPoints ?? (intervalMs == null ? DEFAULT_DATA_POINTS : undefined);
  // The cap counts the range's milliseconds, both ends in: at a 1 ms step that is the buckets.
  const wanted = Math.max(intervalMs ?? 0, points === undefined ? 0 : Math.ceil(span / points), Math.ceil((to - from + 1) / MAX_BUCKETS));
  const stepMs = snap(wanted);
  const starts: number[] = [];
  for (let start = Math.floor(from / stepMs) * stepMs; start <= to; start += stepMs) starts.push(start);
  return { from, to, stepMs, starts };
}

function snap(ms: number): number {
  return ROUND_STEPS_MS.find((step) => step >= ms) ?? Math.ceil(ms / DAY) * DAY;
}
