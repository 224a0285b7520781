import { Field, ObjectType } from 'type-graphql';
import type { EventKind, Vendor } from '../../model/event.model.js';
import { EventKindEnum, VendorEnum } from '../enums.js';

@ObjectType('Source', { description: 'A configured source: one vendor account, region and scope.' })
export class SourceType {
  @Field(() => String, { description: 'The name given in the configuration.' })
  name!: string;

  @Field(() => EventKindEnum, { description: 'The kind of its events.' })
  kind!: EventKind;

  @Field(() => VendorEnum, { description: 'Who runs its upstream.' })
  vendor!: Vendor;

  @Field(() => String, { description: 'The upstream base URL, without any credentials written into it (`user:password@`).' })
  endpoint!: string;
}
