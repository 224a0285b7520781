import { Arg, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { z } from 'zod';
import { commonSourceFields } from '../../../src/config/source-config.fields.js';
import type { RequestContext } from '../../../src/graphql/context.js';
import { EventInterface, type EventTypeMatches } from '../../../src/graphql/types/event.interface.js';
import { EventOutcome, SortDirection, type EventRecord } from '../../../src/model/event.model.js';
import { encodeEventId } from '../../../src/timeline/event-id.js';
import type { EventSource, SourceSession } from '../../../src/timeline/event-source.js';
import type { EventFilter } from '../../../src/timeline/event-filter.js';
import { keysetWindow, type Stream, type StreamPlan, type StreamQuery, type StreamReader } from '../../../src/timeline/stream.js';
import type { UpstreamCallCounts } from '../../../src/upstream/upstream.calls.js';
import { UpstreamClient, type PreparedRequest } from '../../../src/upstream/upstream.client.js';
import { readWindowByPages } from '../../../src/vendors/common/window-pages.js';
import { defineVendor } from '../../../src/vendors/vendor-module.js';
import { acmeEmulator, ACME_DEMO_TOKEN } from './acme-hooks.emulator.js';

/*
 * A sixth vendor, as a newcomer would add one: config schema, record, client, source and
 * stream, GraphQL type and a native query, emulator and demo source, all in this folder,
 * and one descriptor. Nothing outside the folder knows it.
 */

export const acmeSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('acme-hooks'),
    credentials: z.object({ token: z.string().min(1) }).strict(),
  })
  .strict();

type AcmeSourceConfig = z.output<typeof acmeSourceSchema>;

export interface AcmeDeliveryRecord extends EventRecord {
  kind: 'WEBHOOK_DELIVERY';
  vendor: 'ACME';
  deliveryId: string;
  hook: string;
  status: string;
}

const delivery = z.object({ id: z.string(), at: z.number(), hook: z.string(), status: z.string(), sender: z.string() });
const deliveryPage = z.object({ total: z.number().int(), items: z.array(delivery) });
type Delivery = z.infer<typeof delivery>;
type DeliveryPage = z.infer<typeof deliveryPage>;

class AcmeClient extends UpstreamClient {
  constructor(private readonly config: AcmeSourceConfig) {
    super({ sourceName: config.name, baseUrl: config.endpoint, policy: config.http, cacheTtlSeconds: config.cacheTtlSeconds });
  }

  protected override willSendRequest(request: PreparedRequest): void {
    request.headers.authorization = `Bearer ${this.config.credentials.token}`;
  }

  /** `calls`: the tally of the page reading, which the stream hands down from its query. */
  list(query: { since: number; until: number; order: 'asc' | 'desc'; offset: number; limit: number }, calls?: UpstreamCallCounts): Promise<DeliveryPage> {
    return this.request({ api: 'ListDeliveries', method: 'GET', path: '/v1/deliveries', query }, deliveryPage, calls);
  }

  async one(id: string): Promise<Delivery | null> {
    const page = await this.list({ since: 0, until: Number.MAX_SAFE_INTEGER, order: 'asc', offset: 0, limit: 1000 });
    return page.items.find((item) => item.id === id) ?? null;
  }
}

class AcmeSource implements EventSource {
  static readonly kind = 'WEBHOOK_DELIVERY';
  readonly kind = AcmeSource.kind;
  readonly vendor = 'ACME';
  readonly name: string;
  readonly endpoint: string;
  readonly client: AcmeClient;

  constructor(config: AcmeSourceConfig) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.client = new AcmeClient(config);
  }

  toEvent(item: Delivery): AcmeDeliveryRecord {
    return {
      id: encodeEventId(this.name, [item.id]),
      kind: 'WEBHOOK_DELIVERY',
      vendor: 'ACME',
      sourceName: this.name,
      streamKey: `${this.name}/deliveries`,
      occurredAt: item.at,
      outcome: item.status === 'ok' ? EventOutcome.SUCCESS : EventOutcome.FAILURE,
      actor: item.sender,
      resource: item.hook,
      summary: `${item.hook} delivered ${item.status}`,
      raw: item,
      deliveryId: item.id,
      hook: item.hook,
      status: item.status,
    };
  }

  openSession(): SourceSession & { delivery(id: string): Promise<AcmeDeliveryRecord | null> } {
    const find = async (id: string) => {
      const item = await this.client.one(id);
      return item && this.toEvent(item);
    };
    return {
      source: this,
      streams: () => Promise.resolve([new DeliveryStream(this)]),
      findEvent: ([id]) => (typeof id === 'string' ? find(id) : Promise.resolve(null)),
      delivery: find,
    };
  }
}

class DeliveryStream implements Stream {
  readonly key: string;
  readonly sourceName: string;
  readonly maxPageSize = 100;

  constructor(private readonly source: AcmeSource) {
    this.key = `${source.name}/deliveries`;
    this.sourceName = source.name;
  }

  plan(_filter: EventFilter): StreamPlan {
    return { skip: false, upstream: ['since', 'until'] };
  }

  open(query: StreamQuery): StreamReader {
    const pageSize = Math.min(this.maxPageSize, Math.max(1, query.want));
    const window = keysetWindow(query);
    return readWindowByPages({
      order: query.order,
      window: { since: window.since ?? 0, until: window.until },
      pageSize,
      fetch: (range, page) =>
        this.source.client.list(
          {
            since: range.since ?? 0,
            until: range.until,
            order: query.order === SortDirection.ASC ? 'asc' : 'desc',
            offset: page * pageSize,
            limit: pageSize,
          },
          query.calls,
        ),
      countOf: (answer) => answer.items.length,
      totalOf: (answer) => answer.total,
      numbering: () => null,
      map: (answer, numbering) => ({ events: answer.items.map((item) => this.source.toEvent(item)), numbering }),
    });
  }
}

@ObjectType('WebhookDeliveryEvent', { implements: EventInterface, description: 'A delivery of an Acme webhook.' })
export class WebhookDeliveryEventType extends EventInterface {
  @Field(() => String, { description: "Acme's id of the delivery." })
  deliveryId!: string;

  @Field(() => String, { description: 'The webhook delivered.' })
  hook!: string;

  @Field(() => String, { description: 'ok | failed' })
  status!: string;
}

const tied: EventTypeMatches<WebhookDeliveryEventType, AcmeDeliveryRecord> = true;
void tied;

@Resolver(() => WebhookDeliveryEventType)
export class AcmeResolver {
  @Query(() => WebhookDeliveryEventType, { nullable: true, description: 'GET /v1/deliveries/{id}, as is.' })
  acmeDelivery(
    @Arg('id', () => String, { description: "Acme's delivery id." }) id: string,
    @Arg('source', () => String, { nullable: true, description: 'A configured acme-hooks source; optional when there is only one.' })
    source: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    return context.session(AcmeSource, source).delivery(id);
  }
}

export const acmeVendor = defineVendor({
  configKind: 'acme-hooks',
  title: 'Acme webhook deliveries',
  label: 'Acme',
  eventKind: { name: 'WEBHOOK_DELIVERY', description: 'Acme webhook deliveries.' },
  vendor: { name: 'ACME', description: 'Acme Corp.' },
  configSchema: acmeSourceSchema,
  createSource: (config) => new AcmeSource(config),
  graphql: { eventType: WebhookDeliveryEventType, typeName: 'WebhookDeliveryEvent', resolvers: [AcmeResolver] },
  emulator: {
    starter: acmeEmulator,
    credentials: { title: 'Acme (bearer token)', values: { token: ACME_DEMO_TOKEN } },
    describe: (emulator) => [`${emulator.deliveries.length} deliveries`],
  },
  demoSource: (emulator) => ({ name: 'acme-demo', kind: 'acme-hooks', endpoint: emulator.url, credentials: { token: emulator.token } }),
  docs: 'test/vendors/sixth-vendor/acme-hooks.vendor.ts',
});
