import { alternate, type Probe, type VariantResult } from './alternate.js';
import type { BenchStack } from './stack.js';

/**
 * `DeploymentEvent.service` goes through a per-request DataLoader over the service list.
 * The claim: a page of 500 events that selects it still reads the service list once, and
 * costs little more than the same page without it. An N+1 resolver would show up here as
 * hundreds of service-list calls and a large latency ratio. The filter prunes every other
 * source, so the page is ModelArts alone.
 */

const fields = (withService: boolean) => /* GraphQL */ `
  query BenchServicePage($first: Int!) {
    events(first: $first, filter: { kinds: [DEPLOYMENT] }) {
      edges {
        node {
          id occurredAt outcome resource
          ... on DeploymentEvent { serviceId eventType ${withService ? 'service { serviceName status }' : ''} }
        }
      }
      sources { upstreamCalls }
    }
  }
`;

interface ServicePageData {
  events: {
    edges: Array<{ node: { id: string; serviceId?: string; service?: { serviceName: string; status: string } | null } }>;
    sources: Array<{ upstreamCalls: number }>;
  };
}

export interface ServiceFieldOptions {
  pageSize: number;
  warmup: number;
  samples: number;
}

export interface ServiceFieldResult {
  options: ServiceFieldOptions;
  /** Distinct services behind the events of one page. */
  distinctServices: number;
  without: VariantResult;
  with: VariantResult;
}

export async function benchServiceField(stack: BenchStack, options: ServiceFieldOptions): Promise<ServiceFieldResult> {
  let distinctServices = 0;
  const probe = (withService: boolean) => async (): Promise<Probe> => {
    const { ms, data } = await stack.cold.query<ServicePageData>(fields(withService), { first: options.pageSize });
    const edges = data.events.edges;
    if (edges.length !== options.pageSize) throw new Error(`short page: ${edges.length}`);
    if (withService) {
      // A null service would be a cheap answer for the wrong reason.
      if (edges.some((edge) => !edge.node.service)) throw new Error('an event came back without its service');
      distinctServices = new Set(edges.map((edge) => edge.node.serviceId)).size;
    }
    return { ms, reportedCalls: data.events.sources.reduce((sum, s) => sum + s.upstreamCalls, 0) };
  };
  const measured = await alternate(stack, probe(false), probe(true), options);
  return { options, distinctServices, without: measured.a, with: measured.b };
}
