import { mulberry32, pick, pickWeighted, randomInt, randomUuid, type Random } from '../common/mulberry32.js';

/**
 * Deterministic CSMS secret notification records (docs/vendors/huawei-csms.md): a few hundred
 * records over the 90 days before an anchor time, covering every trigger event type, secret
 * type and notification status, plus the verbatim example of the API page (from 2020).
 */

export const TRIGGER_EVENT_TYPES = [
  'SECRET_VERSION_CREATED',
  'SECRET_VERSION_EXPIRED',
  'SECRET_ROTATED',
  'SECRET_DELETED',
  'SECRET_ROTATED_FAILED',
] as const;
export const SECRET_TYPES = ['COMMON', 'RDS', 'RDS-FG', 'GaussDB-FG'] as const;
export const NOTIFICATION_STATUSES = ['SUCCESS', 'FAIL', 'INVALID'] as const;

/** One record of `GET /v1/{project_id}/csms/notification-records`, field for field. */
export interface CsmsNotificationRecord {
  event_name: string;
  trigger_event_type: string;
  /** Emitted in epoch ms; documented as seconds (docs/vendors/huawei-csms.md), so appended records may use either. */
  create_time: number;
  secret_name: string;
  secret_type: string;
  notification_target_name: string;
  notification_target_id: string;
  /** A JSON document inside a string. */
  notification_content: string;
  notification_status: string;
}

export interface CsmsDataset {
  projectId: string;
  now: number;
  records: CsmsNotificationRecord[];
  notable: {
    /** create_time of the record whose notification_content is not JSON. */
    unparseableAt: number;
    /** create_time of two fully identical records. */
    duplicateAt: number;
  };
}

export const CSMS_HISTORY_MS = 90 * 24 * 3600 * 1000;

/** Copied verbatim from the example response on the vendor API page. */
export const SEED_EXAMPLE_RECORD: Readonly<CsmsNotificationRecord> = Object.freeze({
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
});

export interface CsmsDatasetOptions {
  seed?: number;
  now: number;
  /** Multiplies the number of records (about 600 at scale 1). */
  scale?: number;
  projectId: string;
}

const SECRET_BASES = [
  'rds-prod-master', 'rds-report-ro', 'gaussdb-billing', 'gaussdb-orders', 'api-gateway-key', 'wechat-pay-cert',
  'oss-upload-token', 'smtp-relay', 'jenkins-deploy', 'k8s-pull-secret', 'ldap-bind', 'kafka-sasl', 'redis-auth',
  'payment-hmac', 'mobile-push', 'sso-client', 'grafana-admin', 'backup-encryption', 'elastic-ingest', 'ml-feature-store',
] as const;
const EVENT_CONFIGS = ['rotation-alerts', 'expiry-watch', 'deletion-audit', 'version-created-hook', 'ops-oncall', 'sec-team-digest'] as const;
const TOPICS = ['SecretRotationTopic', 'SecretExpiryTopic', 'SecOpsOnCall', 'AuditArchive', 'DevNotify'] as const;

export function generateCsmsDataset(options: CsmsDatasetOptions): CsmsDataset {
  const seed = options.seed ?? 1;
  const random = mulberry32((Math.imul(seed, 0x51ed27) + 0xc535) >>> 0);
  const count = Math.max(40, Math.round(600 * (options.scale ?? 1)));
  const secrets = SECRET_BASES.map((base, i) => ({
    name: base,
    id: randomUuid(random),
    type: base.startsWith('rds') ? (i % 2 === 0 ? 'RDS' : 'RDS-FG') : base.startsWith('gaussdb') ? 'GaussDB-FG' : 'COMMON',
    version: randomInt(random, 1, 30),
  }));
  const start = options.now - CSMS_HISTORY_MS;
  const records: CsmsNotificationRecord[] = [{ ...SEED_EXAMPLE_RECORD }];

  for (let i = 0; i < count; i++) {
    const time = start + Math.floor(random() * CSMS_HISTORY_MS);
    records.push(generatedRecord(random, options.projectId, time, pick(random, secrets)));
  }
  // Every enum value at least once, whatever the draws.
  TRIGGER_EVENT_TYPES.forEach((type, i) => {
    const secret = secrets[i % secrets.length]!;
    records.push(generatedRecord(random, options.projectId, start + (i + 1) * 3600_000, secret, { type }));
  });
  SECRET_TYPES.forEach((type, i) => {
    const secret = { ...secrets[(i + 5) % secrets.length]!, type };
    records.push(generatedRecord(random, options.projectId, start + (i + 10) * 3600_000, secret));
  });
  NOTIFICATION_STATUSES.forEach((status, i) => {
    const secret = secrets[(i + 9) % secrets.length]!;
    records.push(generatedRecord(random, options.projectId, start + (i + 20) * 3600_000, secret, { status }));
  });

  const unparseableAt = options.now - 5 * 24 * 3600_000 + 777;
  const broken = generatedRecord(random, options.projectId, unparseableAt, secrets[0]!);
  // What a truncated SMN message looks like: the document is cut mid-string.
  records.push({ ...broken, notification_content: broken.notification_content.slice(0, 40) });

  const duplicateAt = options.now - 7 * 24 * 3600_000 + 555;
  const twin = generatedRecord(random, options.projectId, duplicateAt, secrets[1]!);
  records.push(twin, { ...twin });

  return { projectId: options.projectId, now: options.now, records, notable: { unparseableAt, duplicateAt } };
}

interface Secret {
  name: string;
  id: string;
  type: string;
  version: number;
}

function generatedRecord(
  random: Random,
  projectId: string,
  time: number,
  secret: Secret,
  fixed: { type?: string; status?: string } = {},
): CsmsNotificationRecord {
  const drawnType: string = pickWeighted(random, [
    ['SECRET_VERSION_CREATED', 30],
    ['SECRET_ROTATED', 30],
    ['SECRET_VERSION_EXPIRED', 15],
    ['SECRET_DELETED', 5],
    ['SECRET_ROTATED_FAILED', 8],
  ] as const);
  const type = fixed.type ?? drawnType;
  const drawnStatus: string = pickWeighted(random, [
    ['SUCCESS', 88],
    ['FAIL', 8],
    ['INVALID', 4],
  ] as const);
  const status = fixed.status ?? drawnStatus;
  const topic = pick(random, TOPICS);
  const eventName = pick(random, EVENT_CONFIGS);
  secret.version += type === 'SECRET_VERSION_CREATED' || type === 'SECRET_ROTATED' ? 1 : 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const data: Record<string, string> = {
    secretId: secret.id,
    secretName: secret.name,
    createTime: iso(time - randomInt(random, 30, 400) * 24 * 3600_000),
    updateTime: iso(time - randomInt(random, 0, 600) * 1000),
    versionId: `v${secret.version}`,
  };
  if (type === 'SECRET_VERSION_EXPIRED') data['versionExpireTime'] = iso(time - randomInt(random, 0, 3600) * 1000);
  if (type === 'SECRET_ROTATED_FAILED') data['failureReason'] = pick(random, ['FUNCTION_TIMEOUT', 'RDS_CONNECTION_REFUSED', 'PERMISSION_DENIED']);
  return {
    event_name: eventName,
    trigger_event_type: type,
    create_time: time,
    secret_name: secret.name,
    secret_type: secret.type,
    notification_target_name: topic,
    notification_target_id: `urn:smn:cn-north-4:${projectId}:${topic}`,
    notification_content: JSON.stringify({ eventName, eventType: type, eventTime: iso(time - randomInt(random, 0, 5000)), data }),
    notification_status: status,
  };
}

export function cloneCsmsDataset(dataset: CsmsDataset): CsmsDataset {
  return { ...dataset, records: dataset.records.map((r) => ({ ...r })), notable: { ...dataset.notable } };
}
