import { JSONResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { EventInterface } from './event.interface.js';

@ObjectType('AuditEvent', {
  implements: EventInterface,
  description:
    'A BlueKing bk-repo operation log record. outcome: SUCCESS, as the log records operations that happened. resource: resourceKey; actor: userId.',
})
export class AuditEventType extends EventInterface {
  @Field(() => String, { description: 'The bk-repo event type, e.g. NODE_DOWNLOADED.' })
  type!: string;

  @Field(() => String)
  projectId!: string;

  @Field(() => String)
  repoName!: string;

  @Field(() => String)
  resourceKey!: string;

  @Field(() => String)
  userId!: string;

  @Field(() => String, { nullable: true })
  clientAddress?: string | null;

  @Field(() => String, { description: 'As the upstream wrote it: local time with no zone.' })
  createdDate!: string;

  @Field(() => JSONResolver)
  description!: unknown;

  @Field(() => String, { nullable: true })
  md5?: string | null;

  @Field(() => String, { nullable: true })
  sha256?: string | null;

  @Field(() => String, { nullable: true })
  pipelineId?: string | null;

  @Field(() => String, { nullable: true })
  buildId?: string | null;
}
