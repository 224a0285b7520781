import { DateTime, type Zone } from 'luxon';

/**
 * Wall-clock times without a zone (Tencent's `invokeTime`, bk-repo's `createdDate`) to epoch
 * ms, thousands of times per page. luxon decides every offset, so daylight saving follows
 * its rules (a skipped time moves forward, an ambiguous one takes the earlier offset); but
 * asking luxon per record was most of a warm page's CPU time, so its answer is kept per zone
 * and wall-clock hour. An hour is kept only when luxon gives one offset at both of its ends:
 * an hour that a change splits (some zones change at :30) is asked record by record.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * `2018-07-23 23:13:27` or `2022-08-02T15:20:47.235` (the fraction as long as it is; digits
 * below the millisecond are dropped). Null when the text has another shape; the calendar is
 * checked by `wallClockToEpochMs`.
 */
export function parseWallClock(text: string): WallClock | null {
  const match = WALL_CLOCK.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  return {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second ?? 0),
    millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
  };
}

const HOUR_MS = 3_600_000;
/** Zones × hours of history a server reads; cleared when full rather than tracked. */
const MAX_REMEMBERED_HOURS = 100_000;
const offsets = new Map<string, number | null>();

/** Epoch ms of a wall-clock time in `zone`; null when no such date exists (February 30). */
export function wallClockToEpochMs(time: WallClock, zone: Zone): number | null {
  const local = Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second, time.millisecond);
  // Date.UTC rolls 30 February over into March: a field out of range shows as a change.
  const check = new Date(local);
  if (
    time.year < 0 ||
    check.getUTCFullYear() !== time.year ||
    check.getUTCMonth() !== time.month - 1 ||
    check.getUTCDate() !== time.day ||
    check.getUTCHours() !== time.hour ||
    check.getUTCMinutes() !== time.minute ||
    check.getUTCSeconds() !== time.second
  ) {
    return null;
  }
  const hour = Math.floor(local / HOUR_MS);
  const key = `${zone.name}\u0000${hour}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const start = offsetAt(hour * HOUR_MS, zone);
    offset = start === offsetAt(hour * HOUR_MS + HOUR_MS - 1, zone) ? start : null;
    if (offsets.size >= MAX_REMEMBERED_HOURS) offsets.clear();
    offsets.set(key, offset);
  }
  return local - (offset ?? offsetAt(local, zone));
}

/** How far `zone` is ahead of UTC at the wall-clock time `local` (ms, as if UTC), per luxon. */
function offsetAt(local: number, zone: Zone): number {
  const d = new Date(local);
  const epoch = DateTime.fromObject(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millisecond: d.getUTCMilliseconds(),
    },
    { zone },
  ).toMillis();
  return local - epoch;
}

const offsetsAtInstants = new Map<string, number | null>();

/** Minutes `zone` is ahead of UTC at the instant `at`; luxon's answer, kept per hour as above. */
export function zoneOffsetAt(at: number, zone: Zone): number {
  const hour = Math.floor(at / HOUR_MS);
  const key = `${zone.name}\u0000${hour}`;
  let offset = offsetsAtInstants.get(key);
  if (offset === undefined) {
    const start = zone.offset(hour * HOUR_MS);
    offset = start === zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : null;
    if (offsetsAtInstants.size >= MAX_REMEMBERED_HOURS) offsetsAtInstants.clear();
    offsetsAtInstants.set(key, offset);
  }
  return offset ?? zone.offset(at);
}

/** The instant `at` on the wall clock of `zone`: `2022-08-02T15:20:47.235`. */
export function formatWallClock(at: number, zone: Zone): string {
  return new Date(at + zoneOffsetAt(at, zone) * 60_000).toISOString().slice(0, 23);
}
