import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { formatWallClock, parseWallClock, wallClockToEpochMs, zoneOffsetAt } from '../common/wall-clock.js';

/**
 * bk-repo times carry no zone (docs/vendors/bkrepo.md). `createdDate` is written in the zone that the
 * answer names in `X-BKREPO-Time-Zone: +HHMM`, and request times are read in the server's
 * zone; servers older than that header name nothing, and then the source's configured zone
 * (Asia/Shanghai by default, as in the official images) stands in.
 */

/**
 * `createdDate` to epoch ms. The fraction is as long as it needs to be (`.235`, `.2`, none);
 * bk-repo stores milliseconds, so digits below them, should a server ever send some, are
 * dropped. Null when the text is no ISO local date-time.
 */
export function parseLocalDateTime(text: string, zone: Zone): number | null {
  const time = text.includes('T') ? parseWallClock(text) : null;
  return time && wallClockToEpochMs(time, zone);
}

/** Epoch ms as a request time, always with milliseconds: `2022-08-01T15:00:00.000`. */
export function formatLocalDateTime(at: number, zone: Zone): string {
  return formatWallClock(at, zone);
}

/** `+HHMM` (or `+HH:MM`) in minutes east of UTC; null when absent or unreadable. */
export function parseOffsetHeader(value: string | null | undefined): number | null {
  if (value == null) return null;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (minutes > 18 * 60) return null;
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The zone an answer is written in. The header gives only the offset the zone has now; when
 * that is the configured zone's offset now, the configured zone is taken, because it also
 * knows the offsets of the past (daylight saving time). Otherwise the fixed offset.
 */
export function answerZone(header: string | null | undefined, configured: IANAZone, now: number): { zone: Zone; fromHeader: boolean } {
  const offset = parseOffsetHeader(header);
  if (offset === null) return { zone: configured, fromHeader: false };
  if (zoneOffsetAt(now, configured) === offset) return { zone: configured, fromHeader: true };
  return { zone: FixedOffsetZone.instance(offset), fromHeader: true };
}

/** Whether the instant `at`, written on the wall clock of `zone`, reads back as itself. */
export function readsBack(at: number, zone: Zone): boolean {
  return parseLocalDateTime(formatLocalDateTime(at, zone), zone) === at;
}

const DAY_MS = 86_400_000;
/** Per zone and UTC day: whether the zone's offset falls back (decreases) during that day. */
const fallBackDays = new Map<string, boolean>();
const MAX_REMEMBERED_DAYS = 200_000;

function fallsBackOn(day: number, zone: Zone): boolean {
  const key = `${zone.name}\u0000${day}`;
  let found = fallBackDays.get(key);
  if (found === undefined) {
    // The offsets at the two ends of the day: a fall-back shows as a decrease. (No zone of
    // the tz database changes back and forth within one day.)
    found = zone.offset(day * DAY_MS) > zone.offset((day + 1) * DAY_MS);
    if (fallBackDays.size >= MAX_REMEMBERED_DAYS) fallBackDays.clear();
    fallBackDays.set(key, found);
  }
  return found;
}

/**
 * The window to ask bk-repo for, so that its `totalRecords` is the number of records whose
 * instant, as the client reads it, lies in the inclusive window [start, end]; null when the
 * count could be anything else.
 *
 * The server compares `createdDate` with the request's `startTime` and `endTime` to the
 * millisecond, all wall-clock times of its zone. A record's instant is its wall clock L read in
 * the zone (`parseLocalDateTime`), a reading that only grows with L. So when no daylight-saving
 * change repeats an hour near the window, and each bound reads back as itself (`readsBack`),
 * a record lies in [start, end] exactly when local(start) ≤ L ≤ local(end).
 *
 * A fall-back repeats an hour: its wall clock names two instants, read as one of them, while a
 * server may compare the instant it stored (the emulator does; bk-repo converts both sides
 * through the JVM's zone). A window that a fall-back day touches (or the day after one)
 * is refused whole, and so is every window within it: a histogram's buckets lie within its
 * range, so a range that passes has buckets that pass too. A fixed offset always passes.
 * A spring-forward skips wall clocks that no record has, so it costs nothing.
 */
export function wallClockWindow(start: number, end: number, zone: Zone): { start: number; end: number } | null {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) return null;
  // Four-digit years only: the wall-clock text has no room for more.
  if (end >= Date.UTC(9999, 0, 1)) return null;
  if (!zone.isUniversal) {
    for (let day = Math.floor(start / DAY_MS) - 1; day <= Math.floor(end / DAY_MS) + 1; day++) {
      if (fallsBackOn(day, zone)) return null;
    }
  }
  return readsBack(start, zone) && readsBack(end, zone) ? { start, end } : null;
}
