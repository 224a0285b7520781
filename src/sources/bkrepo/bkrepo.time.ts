import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';

/**
 * bk-repo times carry no zone (VENDORS.md §5). `createdDate` is written in the zone that the
 * answer names in `X-BKREPO-Time-Zone: +HHMM`, and request times are read in the server's
 * zone; servers older than that header name nothing, and then the source's configured zone
 * (Asia/Shanghai by default, as in the official images) stands in.
 */

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * `createdDate` to epoch ms. The fraction is as long as it needs to be (`.235`, `.2`, none);
 * bk-repo stores milliseconds, so digits below them, should a server ever send some, are
 * dropped. Null when the text is no ISO local date-time.
 */
export function parseLocalDateTime(text: string, zone: Zone): number | null {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const local = DateTime.fromObject(
    {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: Number(hour),
      minute: Number(minute),
      second: Number(second ?? 0),
      millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
    },
    { zone },
  );
  return local.isValid ? local.toMillis() : null;
}

/** Epoch ms as a request time, always with milliseconds: `2022-08-01T15:00:00.000`. */
export function formatLocalDateTime(at: number, zone: Zone): string {
  return DateTime.fromMillis(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
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
  if (configured.offset(now) === offset) return { zone: configured, fromHeader: true };
  return { zone: FixedOffsetZone.instance(offset), fromHeader: true };
}
