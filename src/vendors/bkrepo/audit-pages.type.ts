import { Field, Int, ObjectType } from 'type-graphql';
import { AuditEventType } from './audit-event.type.js';

@ObjectType('AuditLogPage', { description: 'One page of the bk-repo operation log, as the upstream answered it.' })
export class AuditLogPageType {
  @Field(() => Int, { description: 'The page answered, from 1 (the upstream reads 0 or less as 1).' })
  pageNumber!: number;

  @Field(() => Int)
  pageSize!: number;

  @Field(() => Int, { description: 'Records matching the query, over all pages.' })
  totalRecords!: number;

  @Field(() => Int)
  totalPages!: number;

  @Field(() => Int, { description: 'Records on this page.' })
  count!: number;

  @Field(() => String, {
    description:
      'The zone createdDate was read in: the one the answer named in X-BKREPO-Time-Zone, else the timeZone configured for the source.',
  })
  timeZone!: string;

  @Field(() => Boolean, { description: 'Whether the upstream named its zone (X-BKREPO-Time-Zone) in the answer.' })
  timeZoneFromUpstream!: boolean;

  @Field(() => [AuditEventType])
  records!: AuditEventType[];
}
