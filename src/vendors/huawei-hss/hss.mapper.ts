import { EventOutcome } from '../../model/event.model.js';
import { HUAWEI_CLOUD, IMAGE_KIND, type ImageEventRecord } from './image-event.record.js';
import { encodeEventId } from '../../timeline/event-id.js';
import type { HssImageEvent } from './hss.schemas.js';

export interface HssStreamRef {
  sourceName: string;
  streamKey: string;
}

export function hssStreamKey(sourceName: string): string {
  return `${sourceName}/container-image-events`;
}

/**
 * `event_id` is HSS's own id; the time rides along in ours so that `event(id)` can ask for
 * that one millisecond instead of scanning the log.
 */
export function hssNaturalId(record: Pick<HssImageEvent, 'time' | 'event_id'>): [number, string] {
  return [record.time, record.event_id];
}

/** An empty string names nobody: it maps to null, so that it never matches a filter. */
function orNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/**
 * HSS documents no success or failure for an operation log, so `outcome` is UNKNOWN;
 * `resource` is the resource name and `actor` the user name.
 */
export function toImageEvent(ref: HssStreamRef, record: HssImageEvent): ImageEventRecord {
  const resourceName = record.resource_name ?? '';
  const eventName = record.event_name ?? '';
  const userName = orNull(record.user_name);
  const content = record.content ?? null;
  const what = [eventName || record.event_type || 'event', resourceName].filter((part) => part !== '').join(' ');
  return {
    id: encodeEventId(ref.sourceName, hssNaturalId(record)),
    kind: IMAGE_KIND.name,
    vendor: HUAWEI_CLOUD.name,
    sourceName: ref.sourceName,
    streamKey: ref.streamKey,
    occurredAt: record.time,
    outcome: EventOutcome.UNKNOWN,
    actor: userName,
    resource: orNull(resourceName),
    summary: `${what}${userName ? ` by ${userName}` : ''}${content ? `: ${content}` : ''}`,
    raw: record,
    resourceName,
    resourceType: record.resource_type ?? '',
    eventName,
    eventId: record.event_id,
    eventType: record.event_type ?? '',
    sourceIp: orNull(record.source_ip),
    userName,
    content,
    time: record.time,
  };
}
