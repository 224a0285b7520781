import { DateTimeResolver } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { CountMethod, SourceState } from '../enums.js';
import { EventInterface } from './event.interface.js';
import { SourceType } from './source.type.js';

@ObjectType('EventEdge')
export class EventEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => EventInterface)
  node!: EventInterface;
}

@ObjectType('PageInfo', { description: 'Relay cursor connection page info.' })
export class PageInfoType {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor?: string | null;

  @Field(() => String, { nullable: true })
  endCursor?: string | null;
}

@ObjectType('SourceError', { description: 'Why a source failed, as in `errors[]`.' })
export class SourceErrorType {
  @Field(() => String, { description: 'UPSTREAM_AUTH_FAILED, UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_RATE_LIMITED or UPSTREAM_BAD_RESPONSE.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => Int, { nullable: true, description: 'The upstream HTTP status, when there was an answer.' })
  upstreamStatus?: number | null;

  @Field(() => String, { nullable: true, description: 'The vendor error code, e.g. APIGW.0301.' })
  upstreamCode?: string | null;
}

@ObjectType('SourceStatus', { description: 'How one source fared in this page.' })
export class SourceStatusType {
  @Field(() => SourceType)
  source!: SourceType;

  @Field(() => SourceState)
  status!: SourceState;

  @Field(() => Int, { description: 'Events of this page that came from the source.' })
  events!: number;

  @Field(() => Int, { description: 'Upstream calls made for this request (retries not counted).' })
  upstreamCalls!: number;

  @Field(() => [String], { description: 'Filter fields the upstream applied: since, until, outcomes, actor, resource, search.' })
  upstreamFilters!: string[];

  @Field(() => [String], { description: 'Filter fields applied by eventgraph after the upstream answered.' })
  localFilters!: string[];

  @Field(() => Int, { description: 'Streams (independent upstream queries) read for this page.' })
  streams!: number;

  @Field(() => Int)
  failedStreams!: number;

  @Field(() => SourceErrorType, { nullable: true })
  error?: SourceErrorType | null;

  @Field(() => [CountMethod], { description: 'In eventHistogram: how its streams were counted, one entry per method used. Empty in events.' })
  methods!: CountMethod[];
}

@ObjectType('EventConnection')
export class EventConnectionType {
  @Field(() => [EventEdgeType])
  edges!: EventEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  @Field(() => Int, {
    nullable: true,
    description:
      'Events in the whole connection, pinned by the first page. Null when it cannot be known exactly: a filter applied locally (e.g. search), or a failed source.',
  })
  totalCount?: number | null;

  @Field(() => DateTimeResolver, { description: 'The snapshot time pinned by the first page; later events are not in this connection.' })
  asOf!: Date;

  @Field(() => [SourceStatusType])
  sources!: SourceStatusType[];
}
