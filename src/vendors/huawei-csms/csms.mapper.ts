import { createHash } from 'node:crypto';
import { EventOutcome } from '../../model/event.model.js';
import { HUAWEI_CLOUD, SECRET_NOTIFICATION_KIND, type SecretNotificationEventRecord } from './secret-notification-event.record.js';
import { encodeEventId } from '../../timeline/event-id.js';
import type { CsmsRecord } from './csms.schemas.js';

export function csmsStreamKey(sourceName: string): string {
  return `${sourceName}/notification-records`;
}

/**
 * `create_time` is documented in seconds, yet the page's example is in milliseconds
 * (1581507580000). Below 10^11 it is read as seconds: 10^11 seconds is the year 5138, and
 * 10^11 milliseconds is March 1973, before any secret could have been created.
 */
export function createTimeToMs(createTime: number): number {
  return createTime < 1e11 ? Math.round(createTime * 1000) : Math.round(createTime);
}

/** The notification's JSON document, or null when the string is not JSON. Never throws. */
export function parsePayload(content: string | null | undefined): unknown {
  if (content === null || content === undefined) return null;
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return null;
  }
}

/** FAILURE when the notification failed (FAIL, INVALID) or what it reports did (SECRET_ROTATED_FAILED). */
export function outcomeOf(record: Pick<CsmsRecord, 'notification_status' | 'trigger_event_type'>): EventOutcome {
  if (record.notification_status === 'FAIL' || record.notification_status === 'INVALID') return EventOutcome.FAILURE;
  if (record.trigger_event_type === 'SECRET_ROTATED_FAILED') return EventOutcome.FAILURE;
  return EventOutcome.SUCCESS;
}

/**
 * CSMS records have no id. Ours is (time, a digest of every documented field, n), where n
 * numbers identical records in the order of the answer: identical records cannot be told
 * apart, so whichever order they come in, the same ids are issued.
 */
export class RecordNumbering {
  private readonly seen = new Map<string, number>();

  next(record: CsmsRecord): [number, string, number] {
    const digest = createHash('sha1')
      .update(
        [
          record.create_time,
          record.event_name,
          record.trigger_event_type,
          record.secret_name,
          record.secret_type,
          record.notification_target_name,
          record.notification_target_id,
          record.notification_status,
          record.notification_content,
        ]
          .map((field) => JSON.stringify(field ?? null))
          .join('\n'),
      )
      .digest('hex')
      .slice(0, 16);
    const at = createTimeToMs(record.create_time);
    const key = `${at} ${digest}`;
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    return [at, digest, n];
  }
}

export function toSecretNotificationEvent(
  sourceName: string,
  record: CsmsRecord,
  numbering: RecordNumbering,
): SecretNotificationEventRecord {
  const naturalId = numbering.next(record);
  const status = record.notification_status ?? '';
  const target = record.notification_target_name ?? record.notification_target_id ?? '';
  return {
    id: encodeEventId(sourceName, naturalId),
    kind: SECRET_NOTIFICATION_KIND.name,
    vendor: HUAWEI_CLOUD.name,
    sourceName,
    streamKey: csmsStreamKey(sourceName),
    occurredAt: naturalId[0],
    outcome: outcomeOf(record),
    actor: null,
    resource: record.secret_name === '' ? null : record.secret_name,
    summary: `${record.secret_name}: ${record.trigger_event_type}, notification to ${target || 'nobody'} ${status || 'sent'}`,
    raw: record,
    eventName: record.event_name ?? '',
    triggerEventType: record.trigger_event_type,
    createTime: record.create_time,
    secretName: record.secret_name,
    secretType: record.secret_type ?? '',
    notificationTargetName: record.notification_target_name ?? '',
    notificationTargetId: record.notification_target_id ?? '',
    notificationContent: record.notification_content ?? '',
    notificationPayload: parsePayload(record.notification_content),
    notificationStatus: status,
  };
}
