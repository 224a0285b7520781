import { JSONResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { EventInterface, type EventTypeMatches } from '../../graphql/types/event.interface.js';
import type { AuditEventRecord } from './audit-event.record.js';

@ObjectType('AuditEvent', {
  implements: EventInterface,
  description:
    'A BlueKing bk-repo operation log record (POST /repository/api/log/list). outcome: always SUCCESS, as the log records operations after they happened and has no failure field. resource: resourceKey; actor: userId; occurredAt: createdDate read in the zone the answer names (X-BKREPO-Time-Zone), else the configured one.',
})
export class AuditEventType extends EventInterface {
  @Field(() => String, { description: 'The bk-repo event type, e.g. NODE_DOWNLOADED.' })
  type!: string;

  @Field(() => String)
  projectId!: string;

  @Field(() => String)
  repoName!: string;

  @Field(() => String, { description: 'A full path for node and metadata events, the repository name for repository events, the package key for versions.' })
  resourceKey!: string;

  @Field(() => String)
  userId!: string;

  @Field(() => String, { nullable: true })
  clientAddress?: string | null;

  @Field(() => String, { description: 'As the upstream wrote it: local time with no zone.' })
  createdDate!: string;

  @Field(() => JSONResolver, { description: 'The free map bk-repo keeps with the record (md5, sha256, pipelineId, buildId, ...); {} when absent.' })
  description!: unknown;

  @Field(() => String, { nullable: true, description: 'description.md5; null when absent.' })
  md5?: string | null;

  @Field(() => String, { nullable: true, description: 'description.sha256; null when absent.' })
  sha256?: string | null;

  @Field(() => String, { nullable: true, description: 'description.pipelineId; null when absent.' })
  pipelineId?: string | null;

  @Field(() => String, { nullable: true, description: 'description.buildId; null when absent.' })
  buildId?: string | null;
}

/** Fails typecheck when this type and the record drift apart. */
const tied: EventTypeMatches<AuditEventType, AuditEventRecord> = true;
void tied;
