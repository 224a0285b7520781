import fc from 'fast-check';
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatWallClock, parseWallClock, wallClockToEpochMs, zoneOffsetAt, type WallClock } from '../../../src/vendors/common/wall-clock.js';

// Zones with daylight saving on the hour, on the half hour (Lord Howe changes by 30 minutes
// at 02:00), none at all, and a fixed offset.
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Shanghai', 'Asia/Kolkata', 'America/Sao_Paulo'].map(
  (name) => IANAZone.create(name),
);
const ZONE_LIST = [...ZONES, FixedOffsetZone.instance(-150)];

const luxon = (time: WallClock, zone: (typeof ZONE_LIST)[number]) => {
  const at = DateTime.fromObject({ ...time }, { zone });
  return at.isValid ? at.toMillis() : null;
};

describe('wall-clock times to epoch ms', () => {
  it('agrees with luxon for any time in any zone, daylight-saving changes included', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 1990, max: 2040 }),
          month: fc.integer({ min: 1, max: 12 }),
          day: fc.integer({ min: 1, max: 31 }),
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.integer({ min: 0, max: 59 }),
          millisecond: fc.integer({ min: 0, max: 999 }),
        }),
        fc.constantFrom(...ZONE_LIST),
        (time, zone) => {
          expect(wallClockToEpochMs(time, zone)).toBe(luxon(time, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with luxon minute by minute through the changes of a year', () => {
    for (const zone of ZONES) {
      // Every minute of the days around the 2026 changes, in a wall-clock walk.
      for (const [month, day] of [[3, 8], [3, 29], [4, 5], [10, 4], [10, 25], [11, 1]] as const) {
        for (let minute = 0; minute < 24 * 60; minute += 1) {
          const time = { year: 2026, month, day, hour: Math.floor(minute / 60), minute: minute % 60, second: 30, millisecond: 0 };
          expect(wallClockToEpochMs(time, zone), `${zone.name} ${JSON.stringify(time)}`).toBe(luxon(time, zone));
        }
      }
    }
  });

  it('refuses dates the calendar does not have', () => {
    const utc = FixedOffsetZone.utcInstance;
    expect(wallClockToEpochMs(parseWallClock('2026-02-29 10:00:00')!, utc)).toBeNull();
    expect(wallClockToEpochMs(parseWallClock('2026-13-01T00:00')!, utc)).toBeNull();
    expect(wallClockToEpochMs(parseWallClock('2026-04-10 24:00:00')!, utc)).toBeNull();
    expect(wallClockToEpochMs(parseWallClock('2024-02-29 10:00:00')!, utc)).toBe(Date.UTC(2024, 1, 29, 10));
  });

  it('reads both vendor spellings and nothing else', () => {
    expect(parseWallClock('2018-07-23 23:13:27')).toEqual({ year: 2018, month: 7, day: 23, hour: 23, minute: 13, second: 27, millisecond: 0 });
    expect(parseWallClock('2022-08-02T15:20:47.2356')).toMatchObject({ second: 47, millisecond: 235 });
    expect(parseWallClock('2022-08-02T15:20')).toMatchObject({ minute: 20, second: 0 });
    for (const text of ['2022-08-02', '2022-08-02T15:20:47Z', '2022-08-02 15:20:47+08:00', ' 2022-08-02 15:20:47']) {
      expect(parseWallClock(text), text).toBeNull();
    }
  });

  it('writes instants on the wall clock as luxon does, daylight-saving changes included', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...ZONE_LIST), (at, zone) => {
        expect(zoneOffsetAt(at, zone)).toBe(zone.offset(at));
        expect(formatWallClock(at, zone)).toBe(DateTime.fromMillis(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS"));
      }),
      { numRuns: 3000 },
    );
    // Minute by minute across New York's and Lord Howe's 2026 changes.
    for (const [zone, from] of [
      [ZONES[0]!, Date.UTC(2026, 2, 8, 5)],
      [ZONES[0]!, Date.UTC(2026, 10, 1, 4)],
      [ZONES[2]!, Date.UTC(2026, 3, 4, 14)],
      [ZONES[2]!, Date.UTC(2026, 9, 3, 15)],
    ] as const) {
      for (let at = from; at < from + 4 * 3_600_000; at += 60_000) {
        expect(formatWallClock(at, zone), `${zone.name} ${new Date(at).toISOString()}`).toBe(
          DateTime.fromMillis(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS"),
        );
      }
    }
  });
});
