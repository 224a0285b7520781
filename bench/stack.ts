import { parseConfig } from '../src/config/config.loader.js';
import { DEMO_CREDENTIALS, startEmulators, type RunningEmulators } from '../src/emulators/emulators.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { createSources } from '../src/sources/source-registry.js';

/**
 * The real server against the real emulators over loopback HTTP, as in the integration
 * tests, but written out here so that the benchmark runs the production HTTP policy
 * (retries, concurrency) rather than the tests' `retries: 0`, and does not depend on test
 * fixtures.
 */
export interface BenchStack {
  emulators: RunningEmulators;
  server: RunningServer;
  /** One POST to /graphql, timed from sending to the parsed body. Throws on any GraphQL error. */
  query<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>>;
  /** Upstream requests the ModelArts emulator received since the last `resetCalls()`. */
  calls(): UpstreamCalls;
  resetCalls(): void;
  close(): Promise<void>;
}

export interface Timed<T> {
  ms: number;
  data: T;
}

export interface UpstreamCalls {
  serviceList: number;
  serviceEvents: number;
  total: number;
}

export interface BenchStackOptions {
  scale: number;
  seed: number;
  /** Anchor of the generated data; fixed so that every run reads the same bytes. */
  now: number;
}

const SERVICE_LIST = /^\/v1\/[^/]+\/services$/;
const SERVICE_EVENTS = /^\/v1\/[^/]+\/services\/[^/]+\/events$/;

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const emulators = await startEmulators({ scale: options.scale, seed: options.seed, now: options.now });
  const huawei = DEMO_CREDENTIALS.huawei;
  const config = parseConfig(
    {
      sources: [
        {
          name: 'modelarts',
          kind: 'huawei-modelarts',
          endpoint: emulators.modelarts.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
        },
      ],
    },
    'benchmark configuration',
  );
  const server = await startServer({ port: 0, host: '127.0.0.1', cursorSecret: 'benchmark-cursor-secret-0123456789' });
  server.setSources(createSources(config.sources));

  return {
    emulators,
    server,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>> {
      const started = performance.now();
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
      const ms = performance.now() - started;
      // A figure measured over an error page would be meaningless (and flattering).
      if (response.status !== 200 || body.errors?.length || body.data == null) {
        throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
      }
      return { ms, data: body.data };
    },
    calls() {
      const counts = emulators.modelarts.requests();
      let serviceList = 0;
      let serviceEvents = 0;
      for (const [path, n] of Object.entries(counts.byPath)) {
        if (SERVICE_LIST.test(path)) serviceList += n;
        else if (SERVICE_EVENTS.test(path)) serviceEvents += n;
      }
      return { serviceList, serviceEvents, total: counts.total };
    },
    resetCalls: () => emulators.modelarts.resetRequests(),
    async close() {
      await server.stop();
      await emulators.close();
    },
  };
}
