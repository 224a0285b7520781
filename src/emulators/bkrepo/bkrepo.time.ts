import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';

/**
 * bk-repo's wall-clock times (docs/vendors/bkrepo.md). The server keeps `LocalDateTime`s in its own
 * zone and writes them with Java's ISO_LOCAL_DATE_TIME: seconds always, and a fraction only
 * as long as it needs to be (`.235`, `.2`, or none at all).
 */

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

export function formatLocal(at: number, zone: Zone): string {
  const local = DateTime.fromMillis(at, { zone });
  const ms = local.millisecond;
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return `${local.toFormat("yyyy-MM-dd'T'HH:mm:ss")}${fraction}`;
}

/**
 * A request's `startTime`/`endTime`, read in the server's zone. Digits below the millisecond
 * round toward the inside of the window (`round: 'up'` for a start, `'down'` for an end), so
 * the inclusive comparison with millisecond records stays exact. Null when unreadable.
 */
export function parseLocal(text: string, zone: Zone, round: 'up' | 'down'): number | null {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const below = /[1-9]/.test(fraction.slice(3));
  const local = DateTime.fromObject(
    { year: Number(year), month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second ?? 0), millisecond: ms },
    { zone },
  );
  if (!local.isValid) return null;
  return local.toMillis() + (below && round === 'up' ? 1 : 0);
}

/**
 * The request header `X-BKREPO-Time-Zone`, read as the server reads it: a zone id
 * (`Asia/Shanghai`, `UTC`), an offset (`+08:00`, `Z`), or hours (`+8`, `-5.5`, `8`).
 * Null when it is none of these; the server then answers in its own zone.
 */
export function parseZoneHeader(value: string | undefined): Zone | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (IANAZone.isValidZone(text)) return IANAZone.create(text);
  if (text === 'Z') return FixedOffsetZone.utcInstance;
  const offset = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (offset && (text.includes(':') || text.length > 3)) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    if (minutes > 18 * 60) return null;
    return FixedOffsetZone.instance(offset[1] === '-' ? -minutes : minutes);
  }
  const hours = /^([+-]?)(\d+(?:\.\d+)?)$/.exec(text);
  if (hours) {
    const minutes = Math.trunc(Number(hours[2]) * 60);
    if (minutes > 18 * 60) return null;
    return FixedOffsetZone.instance(hours[1] === '-' ? -minutes : minutes);
  }
  return null;
}

/** `+HHMM`, the zone's offset now, as the server names it in its answer. */
export function offsetHeader(zone: Zone, now: number): string {
  const minutes = zone.offset(now);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
