import { printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config.loader.js';
import { demoSources } from '../../src/demo/demo.config.js';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { VendorRegistry } from '../../src/vendors/vendor-registry.js';
import { builtInVendors, VENDORS } from '../../src/vendors/vendors.js';
import { modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { acmeVendor } from './sixth-vendor/acme-hooks.vendor.js';

/*
 * The proof that a vendor is one folder and one line: a made-up sixth vendor, from the
 * fixture folder beside this file, is registered by adding its descriptor to the list, and
 * then shows up everywhere a vendor does, with no other edit.
 */
const vendors = [...VENDORS, acmeVendor] as const;

interface Page {
  events: {
    edges: Array<{ cursor: string; node: { id: string; kind: string; vendor: string; source: { name: string }; deliveryId?: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Array<{ source: { name: string }; status: string; events: number }>;
  };
}

const PAGE = `query ($after: String, $filter: EventFilter) {
  events(first: 10, after: $after, filter: $filter) {
    edges { cursor node { id kind vendor source { name } ... on WebhookDeliveryEvent { deliveryId } } }
    pageInfo { hasNextPage endCursor }
    sources { source { name } status events }
  }
}`;

describe('a sixth vendor, added by one line in the list', () => {
  let stack: Stack<typeof vendors>;

  beforeAll(async () => {
    stack = await startStack({
      vendors,
      sources: (emulators) => [
        modelArtsSource(emulators as never),
        { name: 'acme', kind: 'acme-hooks', endpoint: emulators.acme.url, credentials: { token: emulators.acme.token }, http: { retries: 0 } },
      ],
    });
  });
  afterAll(() => stack?.close());

  it('starts its emulator with the others', () => {
    expect(stack.emulators.list().map((emulator) => emulator.name)).toContain('acme-hooks');
    expect(stack.emulators.acme.deliveries.length).toBeGreaterThan(20);
  });

  it('walks in `events`, merged with the other vendors and filtered by its kind', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: { data?: Page | null; errors?: unknown } = await stack.gql<Page, unknown>(PAGE, { after, filter: { kinds: ['WEBHOOK_DELIVERY'] } });
      expect(result.errors).toBeUndefined();
      const page: Page['events'] = result.data!.events;
      for (const { node } of page.edges) {
        expect(node).toMatchObject({ kind: 'WEBHOOK_DELIVERY', vendor: 'ACME', source: { name: 'acme' } });
        ids.push(node.deliveryId!);
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const expected = [...stack.emulators.acme.deliveries].sort((a, b) => b.at - a.at).map((delivery) => delivery.id);
    expect(ids.sort()).toEqual(expected.sort());

    const mixed = await stack.gql<Page, unknown>(PAGE, {});
    expect(mixed.data!.events.sources.map((report) => [report.source.name, report.status])).toEqual([
      ['modelarts', 'OK'],
      ['acme', 'OK'],
    ]);
  });

  it('finds an event again with event(id), and answers its native query', async () => {
    const first = await stack.gql<Page, unknown>(PAGE, { filter: { kinds: ['WEBHOOK_DELIVERY'] } });
    const node = first.data!.events.edges[0]!.node;
    const again = await stack.gql<{ event: { id: string; deliveryId: string } | null }, unknown>(
      'query ($id: ID!) { event(id: $id) { id ... on WebhookDeliveryEvent { deliveryId } } }',
      { id: node.id },
    );
    expect(again.data?.event).toEqual({ id: node.id, deliveryId: node.deliveryId });

    const native = await stack.gql<{ acmeDelivery: { hook: string; outcome: string } | null }, unknown>(
      'query ($id: String!) { acmeDelivery(id: $id) { hook outcome } }',
      { id: node.deliveryId },
    );
    expect(native.errors).toBeUndefined();
    expect(native.data?.acmeDelivery?.hook).toMatch(/^(build-finished|release-published)$/);
  });

  it('is listed in `sources`, with its kind and vendor', async () => {
    const result = await stack.gql<{ sources: Array<{ name: string; kind: string; vendor: string }> }, unknown>('{ sources { name kind vendor } }');
    expect(result.data?.sources).toContainEqual({ name: 'acme', kind: 'WEBHOOK_DELIVERY', vendor: 'ACME' });
  });

  it('has its configuration validated, by the registry that lists it only', () => {
    const registry = new VendorRegistry(vendors);
    const document = { sources: [{ name: 'acme', kind: 'acme-hooks', endpoint: 'http://127.0.0.1:1', credentials: {} }] };
    expect(() => parseConfig(document, 'acme.yaml', registry.configSchema)).toThrow(ConfigError);
    expect(() => parseConfig(document, 'acme.yaml', registry.configSchema)).toThrow(/sources\[0\]\.credentials\.token/);
    const valid = { sources: [{ ...document.sources[0], credentials: { token: 't' } }] };
    expect(parseConfig(valid, 'acme.yaml', registry.configSchema).sources[0]).toMatchObject({ kind: 'acme-hooks', cacheTtlSeconds: 5 });
    expect(() => parseConfig(valid, 'acme.yaml', builtInVendors().configSchema)).toThrow(/sources\[0\]\.kind/);
  });

  it('is in the built schema: its type, its native query and its enum values', async () => {
    const printed = printSchema(await buildEventgraphSchema(new VendorRegistry(vendors)));
    expect(printed).toMatch(/type WebhookDeliveryEvent implements Event/);
    expect(printed).toMatch(/acmeDelivery\(/);
    expect(printed).toMatch(/enum EventKind \{[^}]*WEBHOOK_DELIVERY[^}]*\}/);
    expect(printed).toMatch(/enum Vendor \{[^}]*ACME[^}]*\}/);
    const builtIn = printSchema(await buildEventgraphSchema(builtInVendors()));
    expect(builtIn).not.toMatch(/WebhookDeliveryEvent|acmeDelivery|WEBHOOK_DELIVERY/);
  });

  it('has a demo source, which validates', () => {
    const sources = demoSources(vendors, stack.emulators);
    expect(sources.map((source) => source.kind)).toEqual(vendors.map((module) => module.configKind));
    expect(() => parseConfig({ sources }, 'demo configuration', new VendorRegistry(vendors).configSchema)).not.toThrow();
  });
});
