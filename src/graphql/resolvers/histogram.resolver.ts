import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Ctx, Field, Float, Info, Int, Query, Resolver } from 'type-graphql';
import type { Histogram, HistogramSeries } from '../../timeline/histogram/index.js';
import type { RequestContext } from '../context.js';
import { HistogramGroup } from '../enums.js';
import { upstreamExtensions, upstreamGraphQLError } from '../errors.js';
import { EventFilterInput } from '../inputs/event-filter.input.js';
import { TimestampScalar } from '../scalars/timestamp.scalar.js';
import { EventHistogramType } from '../types/histogram.type.js';

@ArgsType()
class EventHistogramArgs {
  @Field(() => TimestampScalar, { description: 'Start of the range (inclusive): ISO-8601, or epoch milliseconds as Grafana sends ${__from}.' })
  from!: Date;

  @Field(() => TimestampScalar, { description: 'End of the range (inclusive): ISO-8601, or epoch milliseconds as Grafana sends ${__to}. Later than now counts up to the snapshot time.' })
  to!: Date;

  @Field(() => Float, { nullable: true, description: "The smallest step wanted, in milliseconds (Grafana's $__interval_ms)." })
  intervalMs?: number;

  @Field(() => Int, { nullable: true, description: "At most about this many buckets (Grafana's maxDataPoints); 100 when neither this nor intervalMs is given." })
  maxDataPoints?: number;

  @Field(() => EventFilterInput, { nullable: true, description: 'Which events, as in `events`; its since/until narrow the range further.' })
  filter?: EventFilterInput;

  @Field(() => [HistogramGroup], { nullable: true, description: 'What to count separately; one series in all when left out.' })
  groupBy?: HistogramGroup[];
}

@Resolver()
export class HistogramResolver {
  @Query(() => EventHistogramType, {
    description:
      'Counts of events over time, for dashboards: the range in buckets of a round step, per group. Each count equals what walking `events` with the same filter over the bucket would give. Sources that fail are reported in `sources` and `errors[]`, and `complete` is false.',
  })
  async eventHistogram(@Args(() => EventHistogramArgs) args: EventHistogramArgs, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
    const filter = args.filter ?? {};
    context.checkFilterInScope(filter);
    const histogram = await context.timeline.histograms.count(
      {
        from: args.from.getTime(),
        to: args.to.getTime(),
        intervalMs: args.intervalMs,
        maxDataPoints: args.maxDataPoints,
        filter: { ...filter, since: filter.since?.getTime(), until: filter.until?.getTime() },
        groupBy: [...new Set(args.groupBy ?? [])],
      },
      context.allSessions(),
      context.now,
      context.deadline,
    );
    const path = responsePathAsArray(info.path);
    for (const error of histogram.errors) context.partialErrors.push(upstreamGraphQLError(error, path));
    return toGraphQL(histogram);
  }
}

function toGraphQL(histogram: Histogram) {
  return {
    intervalMs: histogram.stepMs,
    from: new Date(histogram.from),
    to: new Date(histogram.to),
    rows: histogram.rows.map((row) => ({ ...row, timeIso: new Date(row.time) })),
    series: histogram.series.map((series) => ({
      ...series,
      name: seriesName(series),
      total: series.points.reduce((sum, point) => sum + point.count, 0),
      points: series.points.map((point) => ({ ...point, timeIso: new Date(point.time) })),
    })),
    sources: histogram.sources.map((report) => ({
      ...report,
      error: report.error && { ...upstreamExtensions(report.error), message: report.error.message },
    })),
    complete: histogram.complete,
  };
}

function seriesName(series: HistogramSeries): string {
  return [series.kind, series.vendor, series.source, series.outcome].filter(Boolean).join(' ') || 'events';
}
