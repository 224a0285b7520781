import { createHash } from 'node:crypto';
import { EventOutcome } from '../../model/event.model.js';
import { DEPLOYMENT_KIND, type DeploymentEventRecord, HUAWEI_CLOUD } from './deployment-event.record.js';
import { encodeEventId } from '../../timeline/event-id.js';
import { oncePerRecord, TwinNumbering } from '../common/event-memo.js';
import type { DeploymentService, ServiceEvent } from './modelarts.schemas.js';

/** `event_type` is normal | abnormal (as the vendor API page documents); anything else is reported as UNKNOWN. */
export function outcomeOf(eventType: string): EventOutcome {
  if (eventType === 'normal') return EventOutcome.SUCCESS;
  if (eventType === 'abnormal') return EventOutcome.FAILURE;
  return EventOutcome.UNKNOWN;
}

/** The `event_type` value that selects events of these outcomes; null: every type matches. */
export function eventTypeFor(outcomes: readonly EventOutcome[] | undefined): 'normal' | 'abnormal' | null | 'none' {
  if (!outcomes) return null;
  const success = outcomes.includes(EventOutcome.SUCCESS);
  const failure = outcomes.includes(EventOutcome.FAILURE);
  if (success && failure) return null;
  if (success) return 'normal';
  if (failure) return 'abnormal';
  return 'none';
}

const digestOf = oncePerRecord((event: ServiceEvent) => createHash('sha1').update(`${event.event_type}\n${event.event_info}`).digest('hex').slice(0, 12));

/**
 * ModelArts events have no id of their own. Ours is (service, occur_time, a digest of the
 * type and text, n) where n counts identical records within the same millisecond, so two
 * identical events in one service still get two ids, whatever page they arrive on.
 */
export class EventNumbering extends TwinNumbering<ServiceEvent> {
  constructor() {
    super((event) => event.occur_time, digestOf);
  }

  next(event: ServiceEvent): [number, string, number] {
    const { digest, n } = this.number(event);
    return [event.occur_time, digest, n];
  }
}

export interface ServiceRef {
  sourceName: string;
  projectId: string;
  serviceId: string;
  serviceName: string;
}

export function streamKeyOf(service: Pick<ServiceRef, 'sourceName' | 'serviceId'>): string {
  return `${service.sourceName}/${service.serviceId}`;
}

export function toDeploymentEvent(
  service: ServiceRef,
  event: ServiceEvent,
  numbering: EventNumbering,
): DeploymentEventRecord {
  const naturalId = [service.serviceId, ...numbering.next(event)];
  return {
    id: encodeEventId(service.sourceName, naturalId),
    kind: DEPLOYMENT_KIND.name,
    vendor: HUAWEI_CLOUD.name,
    sourceName: service.sourceName,
    streamKey: streamKeyOf(service),
    occurredAt: event.occur_time,
    outcome: outcomeOf(event.event_type),
    actor: null,
    resource: service.serviceName,
    summary: `${service.serviceName}: ${event.event_info}`,
    raw: event,
    projectId: service.projectId,
    serviceId: service.serviceId,
    serviceName: service.serviceName,
    eventType: event.event_type,
    eventInfo: event.event_info,
  };
}

/** A service of the service list, in the shape of the `DeploymentService` type. */
export interface DeploymentServiceRecord {
  serviceId: string;
  serviceName: string;
  description: string | null;
  owner: string | null;
  /** Epoch ms. */
  publishAt: number | null;
  inferType: string | null;
  status: string | null;
  invocationTimes: number | null;
  failedTimes: number | null;
  raw: DeploymentService;
}

export function toDeploymentService(service: DeploymentService): DeploymentServiceRecord {
  return {
    serviceId: service.service_id,
    serviceName: service.service_name,
    description: service.description ?? null,
    owner: service.owner ?? null,
    publishAt: service.publish_at ?? null,
    inferType: service.infer_type ?? null,
    status: service.status ?? null,
    invocationTimes: service.invocation_times ?? null,
    failedTimes: service.failed_times ?? null,
    raw: service,
  };
}
