import { Field, ObjectType } from 'type-graphql';
import type { EventKind } from '../../model/event.model.js';
import { EventKindEnum } from '../enums.js';
import { SourceType } from './source.type.js';

@ObjectType('Viewer', {
  description:
    'The client asking, as this server authenticated it, and what it may read. Every other query keeps to the same scope: `events` reads only these sources and kinds, `event(id)` finds events of these sources only, native queries answer FORBIDDEN for any other source.',
})
export class ViewerType {
  @Field(() => String, { description: 'The API key\'s name, or the token\'s subject; "anonymous" when the server asks for no credentials.' })
  name!: string;

  @Field(() => [SourceType], { description: 'The configured sources the client may read, in configuration order: the same list as `sources`.' })
  sources!: readonly SourceType[];

  @Field(() => [EventKindEnum], {
    description: 'The kinds of event the client may read among those of the configured sources: the kinds of `sources`, each once.',
  })
  kinds!: readonly EventKind[];
}
