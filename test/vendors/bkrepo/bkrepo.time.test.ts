import { FixedOffsetZone, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { answerZone, formatLocalDateTime, parseLocalDateTime, parseOffsetHeader } from '../../../src/vendors/bkrepo/bkrepo.time.js';

const SHANGHAI = IANAZone.create('Asia/Shanghai');
const NEW_YORK = IANAZone.create('America/New_York');

describe('bk-repo local times', () => {
  it('reads the createdDate of the API page example in Asia/Shanghai as 07:20:47.235Z', () => {
    expect(new Date(parseLocalDateTime('2022-08-02T15:20:47.235', SHANGHAI)!).toISOString()).toBe('2022-08-02T07:20:47.235Z');
  });

  it('reads fractions of any length, and none', () => {
    const at = (text: string) => new Date(parseLocalDateTime(text, SHANGHAI)!).toISOString();
    expect(at('2022-08-02T15:20:47.2')).toBe('2022-08-02T07:20:47.200Z');
    expect(at('2022-08-02T15:20:47.23')).toBe('2022-08-02T07:20:47.230Z');
    expect(at('2022-08-02T15:20:47')).toBe('2022-08-02T07:20:47.000Z');
    expect(at('2022-08-02T15:20')).toBe('2022-08-02T07:20:00.000Z');
    expect(at('2022-08-02T15:20:47.235999')).toBe('2022-08-02T07:20:47.235Z');
  });

  it('refuses what is no local date-time', () => {
    for (const text of ['2022-08-02 15:20:47', '2022-08-02T15:20:47Z', '2022-08-02T15:20:47+08:00', '2022-13-02T15:20:47', '', 'yesterday']) {
      expect(parseLocalDateTime(text, SHANGHAI), text).toBeNull();
    }
  });

  it('writes request times with milliseconds, in the zone given, round trip', () => {
    const at = Date.UTC(2022, 7, 2, 7, 20, 47, 200);
    expect(formatLocalDateTime(at, SHANGHAI)).toBe('2022-08-02T15:20:47.200');
    expect(formatLocalDateTime(0, SHANGHAI)).toBe('1970-01-01T08:00:00.000');
    expect(formatLocalDateTime(at, FixedOffsetZone.instance(-330))).toBe('2022-08-02T01:50:47.200');
    expect(parseLocalDateTime(formatLocalDateTime(at, NEW_YORK), NEW_YORK)).toBe(at);
  });

  it('reads X-BKREPO-Time-Zone: +HHMM', () => {
    expect(parseOffsetHeader('+0800')).toBe(480);
    expect(parseOffsetHeader('-0530')).toBe(-330);
    expect(parseOffsetHeader('+08:00')).toBe(480);
    for (const bad of [null, undefined, '', 'Asia/Shanghai', '+8', '+2500']) expect(parseOffsetHeader(bad)).toBeNull();
  });

  it('takes the zone an answer names, keeping the configured zone when the offsets agree', () => {
    const summer = Date.UTC(2025, 6, 1);
    expect(answerZone(null, SHANGHAI, summer)).toEqual({ zone: SHANGHAI, fromHeader: false });
    expect(answerZone('+0800', SHANGHAI, summer)).toEqual({ zone: SHANGHAI, fromHeader: true });
    // New York's zone (with its winter offset for winter records), not a fixed -0400
    expect(answerZone('-0400', NEW_YORK, summer).zone).toBe(NEW_YORK);
    const other = answerZone('+0000', SHANGHAI, summer);
    expect(other.fromHeader).toBe(true);
    expect(other.zone.equals(FixedOffsetZone.utcInstance)).toBe(true);
  });
});
