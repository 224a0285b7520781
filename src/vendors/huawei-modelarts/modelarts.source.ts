import DataLoader from 'dataloader';
import type { ModelArtsSourceConfig } from './modelarts.config.js';
import { EventOutcome, SortDirection } from '../../model/event.model.js';
import { DEPLOYMENT_KIND, type DeploymentEventRecord, HUAWEI_CLOUD } from './deployment-event.record.js';
import type { EventFilter, FilterField } from '../../timeline/event-filter.js';
import { keysetWindow, type CountQuery, type Stream, type StreamPlan, type StreamQuery, type StreamReader } from '../../timeline/stream.js';
import { encodeEventId } from '../../timeline/event-id.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { PageMemo } from '../common/event-memo.js';
import { readWindowByPages } from '../common/window-pages.js';
import type { EventSource, SourceSession } from '../../timeline/event-source.js';
import { ModelArtsClient, type ListServiceEventsParams, type ListServicesParams } from './modelarts.client.js';
import {
  EventNumbering,
  eventTypeFor,
  streamKeyOf,
  toDeploymentEvent,
  toDeploymentService,
  type DeploymentServiceRecord,
  type ServiceRef,
} from './modelarts.mapper.js';
import type { DeploymentService, ServiceEvents, ServiceList } from './modelarts.schemas.js';

/** The documented maximum page of both list calls (the vendor's API page: `limit` defaults to 1000). */
const MAX_PAGE = 1000;

/**
 * Huawei ModelArts deployment events (docs/vendors/huawei-modelarts.md). One stream per service; the services
 * come from the service list, or from `scope.services` when the configuration names them.
 */
export class ModelArtsSource implements EventSource {
  static readonly kind = DEPLOYMENT_KIND.name;
  readonly kind = ModelArtsSource.kind;
  readonly vendor = HUAWEI_CLOUD.name;
  readonly name: string;
  readonly endpoint: string;
  readonly projectId: string;
  readonly client: ModelArtsClient;
  readonly serviceListTtlSeconds: number;

  constructor(private readonly config: ModelArtsSourceConfig) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.projectId = config.scope.projectId;
    // Never kept for less time than the events it names.
    this.serviceListTtlSeconds = Math.max(config.serviceListTtlSeconds, config.cacheTtlSeconds);
    this.client = new ModelArtsClient(config);
  }

  openSession(): ModelArtsSession {
    return new ModelArtsSession(this, this.config.scope.services);
  }

  /**
   * How many services the cost estimate assumes for a source that does not name its
   * services (`scope.services`); see docs/limits.md. Naming them makes the estimate exact.
   */
  static readonly ESTIMATED_SERVICES = 10;

  /**
   * One stream per service, and the service list first (read even when the configuration
   * names the services: it gives their names). Without `scope.services` only the list
   * knows how many there are, and estimating may call nothing: a guess stands in.
   */
  estimateStreams() {
    return { streams: this.config.scope.services?.length ?? ModelArtsSource.ESTIMATED_SERVICES, maxPageSize: MAX_PAGE, listingCalls: 1 };
  }
}

/** One GraphQL request's view of a ModelArts source: it batches service lookups. */
export class ModelArtsSession implements SourceSession {
  private allServices: Promise<DeploymentService[]> | undefined;

  /**
   * `DeploymentEvent.service` goes through here: however many events a page holds, the
   * service list is read once per request.
   */
  readonly services = new DataLoader<string, DeploymentServiceRecord | null>(async (ids) => {
    const byId = new Map((await this.listAllServices()).map((service) => [service.service_id, service]));
    return ids.map((id) => {
      const service = byId.get(id);
      return service ? toDeploymentService(service) : null;
    });
  });

  constructor(
    readonly source: ModelArtsSource,
    private readonly allowList: readonly string[] | undefined,
  ) {}

  async streams(calls: UpstreamCallCounts): Promise<Stream[]> {
    const services = await this.listAllServices(calls);
    const names = new Map(services.map((service) => [service.service_id, service.service_name]));
    // A configured id that the list does not return still gets a stream, so that a typo
    // surfaces as the upstream's "no such service" error instead of silence.
    const ids = this.allowList ?? services.map((service) => service.service_id);
    return ids.map(
      (serviceId) =>
        new ServiceEventStream(this, {
          sourceName: this.source.name,
          projectId: this.source.projectId,
          serviceId,
          serviceName: names.get(serviceId) ?? serviceId,
        }),
    );
  }

  async findEvent(naturalId: readonly unknown[]): Promise<DeploymentEventRecord | null> {
    const [serviceId, at] = naturalId;
    if (typeof serviceId !== 'string' || typeof at !== 'number' || !Number.isSafeInteger(at)) {
      return null;
    }
    if (this.allowList && !this.allowList.includes(serviceId)) return null;
    // Every event of that millisecond, oldest first, numbered the way the timeline numbers them.
    const page = await this.listServiceEvents(serviceId, { startTime: at, endTime: at, order: 'asc', limit: MAX_PAGE });
    const numbering = new EventNumbering();
    const service = this.refOf(page);
    const wanted = encodeEventId(this.source.name, naturalId);
    return page.events.map((event) => toDeploymentEvent(service, event, numbering)).find((event) => event.id === wanted) ?? null;
  }

  /** The native `deploymentServices` query: one upstream call, as asked. */
  listServices(params: ListServicesParams): Promise<ServiceList> {
    return this.source.client.listServices(params);
  }

  /** The native `deploymentEvents` query, and every stream page (with the page's tally). */
  listServiceEvents(serviceId: string, params: ListServiceEventsParams, calls?: UpstreamCallCounts): Promise<ServiceEvents> {
    return this.source.client.listServiceEvents(serviceId, params, calls);
  }

  refOf(page: ServiceEvents): ServiceRef {
    return {
      sourceName: this.source.name,
      projectId: this.source.projectId,
      serviceId: page.service_id,
      serviceName: page.service_name,
    };
  }

  /**
   * Read once per session: the first reader's tally (a page's, or none for the field
   * resolvers) gets the calls, and a later reader shares the list without counting it.
   */
  private listAllServices(calls?: UpstreamCallCounts): Promise<DeploymentService[]> {
    this.allServices ??= (async () => {
      const services: DeploymentService[] = [];
      for (let page = 0; ; page += 1) {
        const answer = await this.source.client.listServices({ offset: page, limit: MAX_PAGE }, this.source.serviceListTtlSeconds, calls);
        services.push(...answer.services);
        if (answer.services.length < MAX_PAGE || services.length >= answer.total_count) return services;
      }
    })();
    return this.allServices;
  }
}

/** Mapped pages, per answer: a warm page maps nothing (see event-memo.ts). */
const pages = new PageMemo<ServiceEvents, DeploymentEventRecord, EventNumbering>();

/** The events of one service, read page by page (`offset` is a page index). */
class ServiceEventStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  readonly maxPageSize = MAX_PAGE;

  constructor(
    private readonly session: ModelArtsSession,
    private readonly service: ServiceRef,
  ) {
    this.key = streamKeyOf(service);
    this.sourceName = service.sourceName;
  }

  plan(filter: EventFilter): StreamPlan {
    const upstream: FilterField[] = ['since', 'until'];
    // Deployment events name no actor, so an actor filter rules every one of them out.
    if (filter.actor !== undefined) return { skip: true, upstream };
    // `resource` is the service name: the stream either is that service or is not.
    if (filter.resource !== undefined) {
      if (filter.resource !== this.service.serviceName) return { skip: true, upstream };
      upstream.push('resource');
    }
    const eventType = eventTypeFor(filter.outcomes);
    if (eventType === 'none') return { skip: true, upstream };
    if (filter.outcomes) upstream.push('outcomes');
    return { skip: false, upstream };
  }

  /**
   * For histograms: `total_count` of one events call (`offset=0`, `limit=1`: ModelArts takes
   * no `limit=0`) under `start_time`/`end_time` and the `event_type` a read would send. Exact
   * because `occur_time` and both bounds are epoch ms, inclusive, so [since, until] is sent as
   * is; `event_type` selects exactly the events mapped to SUCCESS (`normal`) or FAILURE
   * (`abnormal`); and every event of the answer gets the answer's service name as `resource`,
   * which the answer itself shows, so a `resource` filter keeps all of them or none.
   *
   * Null (no call) for `search` (applied here only), for a window that is not whole
   * milliseconds or starts before the epoch, and for SUCCESS and FAILURE without UNKNOWN:
   * that sends no `event_type`, so the total would also count events of a type other than
   * the two documented ones, which the timeline drops. (SUCCESS or FAILURE with UNKNOWN sends
   * one `event_type`, as a read does: the count is what a read gives.)
   */
  async count(query: CountQuery): Promise<number | null> {
    const since = Math.max(query.since, query.filter.since ?? query.since);
    const until = Math.min(query.until, query.filter.until ?? query.until);
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until) || since < 0) return null;
    const filter: EventFilter = { ...query.filter, since, until };
    if (this.plan(filter).skip) return 0;
    if (filter.search != null) return null;
    const eventType = eventTypeFor(filter.outcomes ?? undefined);
    if (eventType === 'none') return 0;
    if (filter.outcomes && eventType === null && !filter.outcomes.includes(EventOutcome.UNKNOWN)) return null;
    if (since > until) return 0;
    const answer = await this.session.listServiceEvents(
      this.service.serviceId,
      { startTime: since, endTime: until, ...(eventType === null ? {} : { eventType }), order: 'desc', limit: 1, offset: 0 },
      query.calls,
    );
    // Events are mapped with the answer's service name (see `open`): it decides `resource`.
    if (filter.resource != null && (answer.service_name || this.service.serviceName) !== filter.resource) return 0;
    return answer.total_count;
  }

  open(query: StreamQuery): StreamReader {
    const eventType = eventTypeFor(query.filter.outcomes);
    const limit = query.want;
    return readWindowByPages({
      order: query.order,
      window: keysetWindow(query),
      pageSize: limit,
      fetch: (window, page) =>
        this.session.listServiceEvents(
          this.service.serviceId,
          {
            startTime: window.since,
            endTime: window.until,
            eventType: eventType === null || eventType === 'none' ? undefined : eventType,
            order: query.order === SortDirection.ASC ? 'asc' : 'desc',
            limit,
            offset: page,
          },
          query.calls,
        ),
      countOf: (answer) => answer.events.length,
      totalOf: (answer) => answer.total_count,
      numbering: () => new EventNumbering(),
      map: (answer, numbering) => {
        const ref = { ...this.session.refOf(answer), serviceName: answer.service_name || this.service.serviceName };
        return pages.map(answer, ref.serviceName, numbering, () => answer.events.map((event) => toDeploymentEvent(ref, event, numbering)));
      },
    });
  }
}
