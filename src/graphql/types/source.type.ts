import { Field, ObjectType } from 'type-graphql';
import { EventKind, Vendor } from '../enums.js';

@ObjectType('Source', { description: 'A configured source: one vendor account, region and scope.' })
export class SourceType {
  @Field(() => String, { description: 'The name given in the configuration.' })
  name!: string;

  @Field(() => EventKind)
  kind!: EventKind;

  @Field(() => Vendor)
  vendor!: Vendor;

  @Field(() => String, { description: 'The upstream base URL.' })
  endpoint!: string;
}
