import type { GraphQLFormattedError } from 'graphql';
import { parseConfig } from '../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators, type StartEmulatorsOptions } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { AnyVendorModule } from '../../src/vendors/vendor-module.js';
import { VendorRegistry } from '../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import type { TypedDocumentString } from '../generated/graphql.js';

/**
 * The real server against real emulators, over loopback HTTP: what every integration test
 * runs against. Sources are given as configuration documents and validated like a file.
 */
export interface Stack<L extends readonly AnyVendorModule[] = typeof VENDORS> {
  emulators: RunningEmulators<L>;
  server: RunningServer;
  /** POSTs a document to /graphql, as a dashboard would. */
  gql<R, V>(document: TypedDocumentString<R, V> | string, variables?: V): Promise<GraphQLResult<R>>;
  close(): Promise<void>;
}

export interface GraphQLResult<R> {
  status: number;
  data?: R | null;
  errors?: GraphQLFormattedError[];
}

export const ANCHOR = Date.UTC(2026, 10, 1, 12, 0, 0);

export function modelArtsSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  const huawei = DEMO_CREDENTIALS.huawei;
  return {
    name: 'modelarts',
    kind: 'huawei-modelarts',
    endpoint: emulators.modelarts.url,
    credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
    scope: { projectId: huawei.projectId },
    http: { retries: 0 },
    ...overrides,
  };
}

export function iamCredentials(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  const huawei = DEMO_CREDENTIALS.huawei;
  return {
    type: 'iam-token',
    iamEndpoint: emulators.iam.url,
    domain: huawei.domain,
    user: huawei.user,
    password: huawei.password,
    projectName: huawei.region,
    ...overrides,
  };
}

export interface StackOptions<L extends readonly AnyVendorModule[]> {
  emulators?: StartEmulatorsOptions<L>;
  sources?: (emulators: RunningEmulators<L>) => unknown[];
  /** Server options beyond the test defaults (loopback, a fixed cursor secret, auth off). */
  server?: Pick<
    ServerOptions,
    | 'adaptiveReads'
    | 'auth'
    | 'authTuning'
    | 'requestTimeoutMs'
    | 'maxConcurrentRequests'
    | 'maxConcurrentExports'
    | 'queueTimeoutMs'
    | 'corsOrigins'
    | 'warn'
    | 'logger'
    | 'metrics'
    | 'tracing'
    | 'tail'
    | 'limits'
    | 'federation'
  >;
  /** The vendor modules; the built-in ones unless a test adds one. */
  vendors?: L;
}

export async function startStack<L extends readonly AnyVendorModule[] = typeof VENDORS>(options: StackOptions<L> = {}): Promise<Stack<L>> {
  const list = options.vendors ?? (VENDORS as unknown as L);
  const vendors = new VendorRegistry(list);
  const emulators = await startEmulators<L>({ now: ANCHOR, ...options.emulators }, list);
  const sources = options.sources ? options.sources(emulators) : [modelArtsSource(emulators as unknown as RunningEmulators)];
  const config = parseConfig(
    // The cross-request cache is off unless a source asks for it: tests change the emulators'
    // data and faults between requests and count calls. Its own tests turn it on. The same
    // goes for the ModelArts service list (its key exists for ModelArts only), for the
    // vendors' rate limits (a walk of hundreds of pages would wait on them for minutes) and
    // for the circuit breaker (tests fail a source on purpose, many times over, and check
    // what each failure says). The governors' own tests set both.
    {
      sources: sources.map((source) => {
        const given = source as { kind?: string; http?: Record<string, unknown> };
        return {
          cacheTtlSeconds: 0,
          ...(given.kind === 'huawei-modelarts' ? { serviceListTtlSeconds: 0 } : {}),
          ...given,
          http: { rateLimit: { perSecond: 0 }, circuitBreaker: { failures: 0 }, ...given.http },
        };
      }),
    },
    'test configuration',
    vendors.configSchema,
  );
  const server = await startServer({ vendors, port: 0, host: '127.0.0.1', cursorSecret: 'integration-test-cursor-secret', ...options.server });
  server.setSources(vendors.createSources(config));
  return {
    emulators,
    server,
    gql: (document, variables) => postGraphQL(server.url, document.toString(), variables),
    async close() {
      await server.stop();
      await emulators.close();
    },
  };
}

/** `headers` are added to the request's, e.g. `{ authorization: 'Bearer …' }`. */
export async function postGraphQL<R>(url: string, query: string, variables?: unknown, headers: Record<string, string> = {}): Promise<GraphQLResult<R>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResult<R>, 'status'>) };
}
