import { Field, Int, ObjectType } from 'type-graphql';
import { ImageEventType } from './image-event.type.js';

@ObjectType('ImageEventPage', { description: 'One page of the HSS container-image log, as the upstream answered it.' })
export class ImageEventPageType {
  @Field(() => Int, { description: 'Records matching the query over all pages (`total_num`).' })
  totalNum!: number;

  @Field(() => Int, { description: 'Records on this page.' })
  count!: number;

  @Field(() => [ImageEventType], { description: 'In the upstream\'s order (newest first, as HSS answers).' })
  events!: ImageEventType[];
}
