import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import {
  NOTIFICATION_STATUSES,
  SECRET_TYPES,
  TRIGGER_EVENT_TYPES,
  type CsmsNotificationRecord,
} from '../../src/emulators/huawei-csms/csms.dataset.js';
import { call, issueToken } from './support/emulator-client.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const PATH = `/v1/${PROJECT}/csms/notification-records`;

/** The example record of the vendor API page, character for character. */
const SEED_RECORD = {
  event_name: 'demo-event',
  trigger_event_type: 'SECRET_VERSION_EXPIRED',
  create_time: 1581507580000,
  secret_name: 'demo-secret',
  secret_type: 'COMMON',
  notification_target_name: 'SecertExpirationNotificationTest',
  notification_target_id: 'urn:smn:cn-north-4:SecertExpirationTest',
  notification_content:
    '{"eventName":"TestEvent20221112","eventType":"SECRET_VERSION_EXPIRED","eventTime":"2023-04-14T20:25:10.126Z","data":{"secretId":"fde3d6ba-cb31-40b0-b6c4-78757050f8c8","secretName":"Secret20230325","createTime":"2023-03-22T20:43:04.000Z","updateTime":"2023-04-14T20:18:29.000Z","versionId":"v18","versionExpireTime":"2023-03-29T17:07:23.000Z"}}',
  notification_status: 'SUCCESS',
};

let emulators: RunningEmulators;

beforeAll(async () => {
  emulators = await startEmulators({ now: NOW });
});
afterAll(() => emulators.close());
afterEach(() => emulators.csms.reset());

const list = (options: Parameters<typeof call>[2] = {}) => call(emulators.csms.url, PATH, options);

describe('CSMS emulator', () => {
  it('answers every record in one call, newest first, with page_info', async () => {
    const r = await list();
    expect(r.status).toBe(200);
    const records = r.json.records as CsmsNotificationRecord[];
    expect(records.length).toBeGreaterThan(500);
    expect(records.length).toBeLessThanOrEqual(1000);
    const times = records.map((x) => x.create_time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(r.json.page_info).toEqual({
      next_marker: records.at(-1)!.secret_name,
      previous_marker: records[0]!.secret_name,
      current_count: records.length,
    });
    expect(records).toEqual(emulators.csms.served());
  });

  it('serves the API page example verbatim, its content a JSON document inside a string', async () => {
    const records = (await list()).json.records as CsmsNotificationRecord[];
    const seed = records.find((x) => x.secret_name === 'demo-secret')!;
    expect(seed).toEqual(SEED_RECORD);
    expect(Object.keys(seed)).toEqual(Object.keys(SEED_RECORD));
    expect(JSON.parse(seed.notification_content).data.versionId).toBe('v18');
    expect(records.at(-1)).toEqual(SEED_RECORD);
  });

  it('covers every trigger event type, secret type and notification status, in milliseconds', () => {
    const records = emulators.csms.served();
    expect(new Set(records.map((x) => x.trigger_event_type))).toEqual(new Set(TRIGGER_EVENT_TYPES));
    expect(new Set(records.map((x) => x.secret_type))).toEqual(new Set(SECRET_TYPES));
    expect(new Set(records.map((x) => x.notification_status))).toEqual(new Set(NOTIFICATION_STATUSES));
    expect(records.every((x) => x.create_time > 1e11)).toBe(true);
  });

  it('ignores query parameters, as the service does', async () => {
    const plain = await list();
    const withParams = await list({ query: { limit: 1, offset: 5, marker: 'demo-secret', order: 'asc' } });
    expect(withParams.status).toBe(200);
    expect(withParams.json).toEqual(plain.json);
  });

  it('answers at most 1000 records, the newest', async () => {
    const base = emulators.csms.served();
    const extra = Array.from({ length: 600 }, (_, i) => ({ ...SEED_RECORD, secret_name: `bulk-${i}`, create_time: NOW - i * 1000 }));
    emulators.csms.appendRecords(extra);
    const r = await list();
    expect(r.json.records).toHaveLength(1000);
    expect(r.json.page_info.current_count).toBe(1000);
    expect(r.json.records.filter((x: CsmsNotificationRecord) => x.secret_name.startsWith('bulk-'))).toHaveLength(600);
    expect(base.length + 600).toBeGreaterThan(1000);
  });

  it('keeps three months of records when the retention knob is on', async () => {
    emulators.csms.setKnobs({ retention: true });
    const records = (await list()).json.records as CsmsNotificationRecord[];
    expect(records.some((x) => x.secret_name === 'demo-secret')).toBe(false);
    expect(Math.min(...records.map((x) => x.create_time))).toBeGreaterThanOrEqual(Date.UTC(2025, 2, 1, 12, 0, 0));
    emulators.csms.resetKnobs();
    expect(((await list()).json.records as CsmsNotificationRecord[]).some((x) => x.secret_name === 'demo-secret')).toBe(true);
  });

  it('orders appended records in seconds and in milliseconds together', async () => {
    emulators.csms.appendRecords([
      { ...SEED_RECORD, secret_name: 'in-seconds', create_time: Math.floor(NOW / 1000) + 10 },
      { ...SEED_RECORD, secret_name: 'in-ms', create_time: NOW + 5000 },
    ]);
    const records = (await list()).json.records as CsmsNotificationRecord[];
    expect(records.slice(0, 2).map((x) => [x.secret_name, x.create_time])).toEqual([
      ['in-seconds', Math.floor(NOW / 1000) + 10],
      ['in-ms', NOW + 5000],
    ]);
  });

  it('uses the nested error body', async () => {
    emulators.csms.setKnobs({ forceStatus: 500 });
    expect((await list()).json).toEqual({ error: { error_code: 'CSMS.0500', error_msg: 'Internal Server Error' } });
    emulators.csms.resetKnobs();
    const other = await call(emulators.csms.url, '/v1/0123456789abcdef0123456789abcdef/csms/notification-records');
    expect(other.status).toBe(403);
    expect(other.json).toEqual({ error: { error_code: 'CSMS.0403', error_msg: expect.stringContaining('does not exist') } });
  });

  it('accepts both auth modes and refuses a wrong signature or an expired token', async () => {
    const token = await issueToken(emulators.iam.url);
    expect((await list({ auth: { kind: 'token', token } })).status).toBe(200);
    const wrong = await list({ auth: { kind: 'aksk', secretKey: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error_code).toBe('APIGW.0301');
    emulators.iam.tokens.expireAll();
    const expired = await list({ auth: { kind: 'token', token } });
    expect(expired.status).toBe(401);
    expect(expired.json.error_msg).toContain('expired');
  });

  it('accepts a request signed by the official SDK signer', async () => {
    const d = DEMO_CREDENTIALS.huawei;
    const signed = AKSKSigner.sign(
      { method: 'GET', endpoint: `${emulators.csms.url}${PATH}`, headers: { 'X-Project-Id': d.projectId }, queryParams: {} },
      new BasicCredentials().withAk(d.accessKey).withSk(d.secretKey),
    ) as Record<string, string>;
    const { host: _host, ...headers } = signed;
    const response = await fetch(`${emulators.csms.url}${PATH}`, { headers });
    expect(response.status).toBe(200);
  });
});
