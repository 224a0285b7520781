import { createHash } from 'node:crypto';
import { EventOutcome } from '../../model/event.model.js';
import { AUDIT_KIND, type AuditEventRecord, BLUEKING } from './audit-event.record.js';
import { encodeEventId } from '../../timeline/event-id.js';
import { oncePerRecord, TwinNumbering } from '../common/event-memo.js';
import type { LogEntry } from './bkrepo.client.js';
import type { LogRecord } from './bkrepo.schemas.js';

/**
 * bk-repo records to AuditEvents. The operation log writes a record after an operation
 * happened (a download, an upload, a rename), and has no field for failure, so `outcome` is
 * always SUCCESS. `resource` is the resourceKey, `actor` the userId.
 */

export interface LogStreamRef {
  sourceName: string;
  projectId: string;
  repoName: string;
  eventType: string;
}

export function streamKeyOf(ref: LogStreamRef): string {
  return `${ref.sourceName}/${ref.repoName}/${ref.eventType}`;
}

/**
 * Records have no id. Ours is (project, repository, type, instant, digest, n): the digest covers
 * everything else the record says (resourceKey, userId, clientAddress, description), and n
 * counts identical records within one millisecond, so twins get two ids on any page.
 * The instant, not `createdDate`, so the id does not change with the zone of the answer.
 */
export class RecordNumbering extends TwinNumbering<LogEntry> {
  constructor() {
    super(
      (entry) => entry.at,
      (entry) => digestOf(entry.record),
    );
  }

  next(entry: LogEntry): [number, string, number] {
    const { digest, n } = this.number(entry);
    return [entry.at, digest, n];
  }
}

const digestOf = oncePerRecord((record: LogRecord): string => {
  const text = JSON.stringify([record.resourceKey, record.userId, record.clientAddress ?? null, canonical(record.description ?? null)]);
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
});


/** JSON with sorted keys, so that a server reordering a map does not change ids. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function toAuditEvent(ref: LogStreamRef, entry: LogEntry, numbering: RecordNumbering): AuditEventRecord {
  const { record } = entry;
  const description = record.description ?? {};
  return {
    id: encodeEventId(ref.sourceName, [ref.projectId, ref.repoName, ref.eventType, ...numbering.next(entry)]),
    kind: AUDIT_KIND.name,
    vendor: BLUEKING.name,
    sourceName: ref.sourceName,
    streamKey: streamKeyOf(ref),
    occurredAt: entry.at,
    outcome: EventOutcome.SUCCESS,
    actor: record.userId,
    resource: record.resourceKey,
    summary: `${record.userId} ${record.type} ${record.resourceKey} in ${record.projectId}/${record.repoName}`,
    raw: record,
    type: record.type,
    createdDate: record.createdDate,
    projectId: record.projectId,
    repoName: record.repoName,
    resourceKey: record.resourceKey,
    userId: record.userId,
    clientAddress: record.clientAddress ?? null,
    description,
    md5: text(description['md5']),
    sha256: text(description['sha256']),
    pipelineId: text(description['pipelineId']),
    buildId: text(description['buildId']),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
