import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/config.loader.js';
import type { CsmsSourceConfig } from '../../../src/vendors/huawei-csms/csms.config.js';
import { startEmulators, type RunningEmulators } from '../../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../../helpers/demo-credentials.js';
import { EventOutcome } from '../../../src/model/event.model.js';
import { createTimeToMs, outcomeOf, parsePayload, RecordNumbering, toSecretNotificationEvent } from '../../../src/vendors/huawei-csms/csms.mapper.js';
import { CsmsSource } from '../../../src/vendors/huawei-csms/csms.source.js';
import { CONFIG_SCHEMA } from '../../helpers/config-schema.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('CSMS mapping', () => {
  it('reads create_time below 10^11 as seconds and the rest as milliseconds', () => {
    expect(createTimeToMs(1581507580)).toBe(1581507580000);
    expect(createTimeToMs(1581507580000)).toBe(1581507580000);
    expect(createTimeToMs(99_999_999_999)).toBe(99_999_999_999_000);
    expect(createTimeToMs(100_000_000_000)).toBe(100_000_000_000);
    expect(createTimeToMs(1581507580.5)).toBe(1581507580500);
  });

  it('parses the payload, or gives null and never throws', () => {
    expect(parsePayload('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(parsePayload('{"eventName":"x","data":{"secretId"')).toBeNull();
    expect(parsePayload('')).toBeNull();
    expect(parsePayload(null)).toBeNull();
  });

  it('is FAILURE for FAIL, INVALID and SECRET_ROTATED_FAILED, SUCCESS otherwise', () => {
    const o = (notification_status: string, trigger_event_type = 'SECRET_ROTATED') => outcomeOf({ notification_status, trigger_event_type });
    expect(o('SUCCESS')).toBe(EventOutcome.SUCCESS);
    expect(o('FAIL')).toBe(EventOutcome.FAILURE);
    expect(o('INVALID')).toBe(EventOutcome.FAILURE);
    expect(o('SUCCESS', 'SECRET_ROTATED_FAILED')).toBe(EventOutcome.FAILURE);
    expect(o('SUCCESS', 'SECRET_DELETED')).toBe(EventOutcome.SUCCESS);
  });

  it('numbers identical records, and gives stable ids whatever their place in the answer', () => {
    const record = {
      event_name: 'e',
      trigger_event_type: 'SECRET_ROTATED',
      create_time: 1700000000000,
      secret_name: 's',
      secret_type: 'COMMON',
      notification_target_name: 't',
      notification_target_id: 'urn:t',
      notification_content: '{}',
      notification_status: 'SUCCESS',
    };
    const other = { ...record, secret_name: 'other' };
    const first = new RecordNumbering();
    const a = [record, other, { ...record }].map((r) => toSecretNotificationEvent('csms', r, first).id);
    const second = new RecordNumbering();
    const b = [{ ...record }, record, other].map((r) => toSecretNotificationEvent('csms', r, second).id);
    expect(new Set(a).size).toBe(3);
    expect(new Set(b)).toEqual(new Set(a));
  });
});

describe('CsmsSource cache', () => {
  let emulators: RunningEmulators;

  beforeAll(async () => {
    emulators = await startEmulators({ now: NOW });
  });
  afterAll(() => emulators.close());

  const config = (cacheTtlSeconds?: number): CsmsSourceConfig => {
    const parsed = parseConfig(
      {
        sources: [
          {
            name: 'csms',
            kind: 'huawei-csms',
            endpoint: emulators.csms.url,
            credentials: { type: 'aksk', accessKey: DEMO_CREDENTIALS.huawei.accessKey, secretKey: DEMO_CREDENTIALS.huawei.secretKey },
            scope: { projectId: DEMO_CREDENTIALS.huawei.projectId },
            http: { retries: 0 },
            ...(cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds }),
          },
        ],
      },
      'test', CONFIG_SCHEMA,
    );
    return parsed.sources[0] as CsmsSourceConfig;
  };

  it('defaults to 60 seconds', () => {
    expect(config().cacheTtlSeconds).toBe(60);
  });

  it('reads once per period, whatever the number of sessions and questions', async () => {
    emulators.csms.resetRequests();
    const source = new CsmsSource(config(0.5));
    const sessions = [source.openSession(), source.openSession()];
    const snapshots = await Promise.all(sessions.flatMap((session) => [session.snapshot(), session.snapshot()]));
    expect(emulators.csms.requests().total).toBe(1);
    // one answer, mapped once, whoever asked
    expect(new Set(snapshots).size).toBe(1);
    await source.openSession().snapshot();
    expect(emulators.csms.requests().total).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await source.openSession().snapshot();
    expect(emulators.csms.requests().total).toBe(2);
  });

  it('does not keep a failed read', async () => {
    emulators.csms.resetRequests();
    const source = new CsmsSource(config(60));
    emulators.csms.setKnobs({ forceStatus: 500 });
    await expect(source.openSession().snapshot()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    emulators.csms.resetKnobs();
    const snapshot = await source.openSession().snapshot();
    expect(snapshot.events.length).toBeGreaterThan(0);
    expect(emulators.csms.requests().total).toBe(2);
  });

  it('reads every time with a TTL of 0', async () => {
    emulators.csms.resetRequests();
    const source = new CsmsSource(config(0));
    const session = source.openSession();
    await session.snapshot();
    await session.snapshot();
    expect(emulators.csms.requests().total).toBe(2);
  });
});
