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
