import { DateTimeResolver } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { EventKindEnum, EventOutcome, VendorEnum } from '../enums.js';
import { SourceStatusType } from './event-connection.type.js';

/** The labels of a group: those grouped by are set. */
@ObjectType()
abstract class HistogramLabels {
  @Field(() => EventKindEnum, { nullable: true, description: 'The kind, when grouped by KIND.' })
  kind?: string;

  @Field(() => VendorEnum, { nullable: true, description: 'The vendor, when grouped by VENDOR.' })
  vendor?: string;

  @Field(() => String, { nullable: true, description: 'The source, when grouped by SOURCE.' })
  source?: string;

  @Field(() => EventOutcome, { nullable: true, description: 'The outcome, when grouped by OUTCOME.' })
  outcome?: EventOutcome;
}

@ObjectType('HistogramRow', { description: 'One bucket of one group: the long format, one row per bucket and group.' })
export class HistogramRowType extends HistogramLabels {
  @Field(() => Float, { description: 'The start of the bucket, in epoch milliseconds (what Grafana reads as a time).' })
  time!: number;

  @Field(() => DateTimeResolver, { description: 'The start of the bucket, as a date-time.' })
  timeIso!: Date;

  @Field(() => Int, { description: 'Events in the bucket and group; 0 for an empty bucket.' })
  count!: number;
}

@ObjectType('HistogramPoint', { description: 'One bucket of a series.' })
export class HistogramPointType {
  @Field(() => Float, { description: 'The start of the bucket, in epoch milliseconds.' })
  time!: number;

  @Field(() => DateTimeResolver, { description: 'The start of the bucket, as a date-time.' })
  timeIso!: Date;

  @Field(() => Int, { description: 'Events in the bucket; 0 for an empty bucket.' })
  count!: number;
}

@ObjectType('HistogramSeries', { description: 'One group: its labels, and a point per bucket.' })
export class HistogramSeriesType extends HistogramLabels {
  @Field(() => String, { description: 'The labels joined, e.g. "hss-prod FAILURE"; "events" when not grouped.' })
  name!: string;

  @Field(() => Int, { description: 'Events of the group over the whole range.' })
  total!: number;

  @Field(() => [HistogramPointType], { description: 'One point per bucket, ordered by time, empty buckets included.' })
  points!: HistogramPointType[];
}

@ObjectType('EventHistogram', { description: 'Counts of events over time, by bucket and group.' })
export class EventHistogramType {
  @Field(() => Float, { description: 'The step used, in milliseconds: max(intervalMs, (to - from) / maxDataPoints), snapped to 1 s, 5 s, 10 s, 30 s, 1 m, 5 m, 10 m, 15 m, 30 m, 1 h, 3 h, 6 h, 12 h or whole days.' })
  intervalMs!: number;

  @Field(() => DateTimeResolver, { description: 'The start of the range counted.' })
  from!: Date;

  @Field(() => DateTimeResolver, { description: 'The end of the range counted (inclusive): `to`, or the snapshot time when `to` is later.' })
  to!: Date;

  @Field(() => [HistogramRowType], { description: 'Long format, ordered by time: one row per bucket and group, empty buckets included.' })
  rows!: HistogramRowType[];

  @Field(() => [HistogramSeriesType], { description: 'Wide format: one series per group.' })
  series!: HistogramSeriesType[];

  @Field(() => [SourceStatusType], { description: 'Per source: its status, its upstream calls, and how it counted (`methods`).' })
  sources!: SourceStatusType[];

  @Field(() => Boolean, {
    description: 'False when a source failed (its counts are missing or short), or when a bucket is partial: the first or last reaches outside the range, or the range reaches past the snapshot time.',
  })
  complete!: boolean;
}
