import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

/** A ModelArts service, as the service list returns it. */
@ObjectType('DeploymentService', { description: 'A Huawei ModelArts service (GET /v1/{project_id}/services).' })
export class DeploymentServiceType {
  @Field(() => String)
  serviceId!: string;

  @Field(() => String)
  serviceName!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  owner?: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  publishAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'real-time | batch | edge' })
  inferType?: string | null;

  @Field(() => String, { nullable: true })
  status?: string | null;

  @Field(() => Int, { nullable: true })
  invocationTimes?: number | null;

  @Field(() => Int, { nullable: true })
  failedTimes?: number | null;

  @Field(() => JSONResolver, { description: 'The upstream record, untouched.' })
  raw!: unknown;
}
