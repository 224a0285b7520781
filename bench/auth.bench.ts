import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { parseConfig } from '../src/config/config.loader.js';
import { generateApiKey, hashApiKey } from '../src/server/auth/api-key.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { builtInVendors } from '../src/vendors/vendors.js';
import { PANEL_QUERY } from './queries.js';
import type { BenchStack } from './stack.js';
import { combine, type Load } from './throughput.bench.js';

/**
 * What API keys cost a warm server: requests per second for one dashboard panel, the same
 * document again and again, against two servers that differ only in `auth`, one with
 * client authentication off and one that needs an API key (sent in `X-API-Key` with every
 * request, as Grafana does). Rounds alternate (O K K O) so that drift lands on both.
 *
 * The key is checked with scrypt once (tens of milliseconds); every later request is a
 * SHA-256 and a cache lookup (src/server/auth/api-key-verifier.ts). The aim is a ratio of
 * at least 0.95: authentication must not be a reason to turn it off.
 *
 * Both servers are started here, in this thread, over the same sources, so that neither
 * has an older cache or a longer warm-up than the other; the stack's emulators answer both.
 */

const VERIFY_BODY = fileURLToPath(new URL('./verify-panel-body.cjs', import.meta.url));

export interface AuthBenchOptions {
  connections: number;
  /** Seconds per measured round; each server gets `rounds` of them. */
  durationS: number;
  rounds: number;
  warmupS: number;
  /**
   * The sources both servers read: the warm server's configuration (demo mode's sources
   * over the stack's emulators, as `EmulatorsReady.sources` gives them).
   */
  sources: readonly unknown[];
}

export interface AuthBenchResult {
  options: Omit<AuthBenchOptions, 'sources'>;
  /** Auth off (no `auth` section, loopback). */
  off: Load;
  /** An API key on every request. */
  apiKey: Load;
  /** `apiKey.rps / off.rps`: 1 means authentication is free on a warm server. */
  ratio: number;
}

export interface AuthBenchServers {
  off: RunningServer;
  apiKey: RunningServer;
  /** The key the `apiKey` server accepts, and the headers that send it. */
  key: string;
  headers: Record<string, string>;
  close(): Promise<void>;
}

/** The two servers the benchmark compares, over the given sources; usable on their own. */
export async function startAuthBenchServers(sources: readonly unknown[]): Promise<AuthBenchServers> {
  const vendors = builtInVendors();
  const config = parseConfig({ sources }, 'benchmark configuration (auth)', vendors.configSchema);
  const key = generateApiKey();
  const hash = await hashApiKey(key);
  const common = { vendors, port: 0, host: '127.0.0.1', cursorSecret: 'benchmark-cursor-secret-0123456789' };
  const off = await startServer(common);
  let apiKey: RunningServer;
  try {
    apiKey = await startServer({ ...common, auth: { mode: 'required', apiKeys: [{ name: 'bench', hash, sources: ['*'] }] } });
  } catch (error) {
    await off.stop();
    throw error;
  }
  off.setSources(vendors.createSources(config));
  apiKey.setSources(vendors.createSources(config));
  return {
    off,
    apiKey,
    key,
    headers: { 'x-api-key': key },
    async close() {
      await off.stop();
      await apiKey.stop();
    },
  };
}

export async function benchAuth(stack: Pick<BenchStack, 'settle'>, options: AuthBenchOptions): Promise<AuthBenchResult> {
  const { sources, ...shown } = options;
  const servers = await startAuthBenchServers(sources);
  try {
    const body = JSON.stringify({ query: PANEL_QUERY });
    const fire = (which: 'off' | 'apiKey', duration: number) =>
      autocannon({
        url: servers[which].url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(which === 'apiKey' ? servers.headers : {}) },
        body,
        connections: options.connections,
        duration,
        workers: 1,
        verifyBody: VERIFY_BODY,
      });

    // A refused key would be a fast 401 and flatter the figure: check one answer first.
    const probe = await fetch(servers.apiKey.url, { method: 'POST', headers: { 'content-type': 'application/json', ...servers.headers }, body });
    if (probe.status !== 200) throw new Error(`the API key server answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);

    await fire('off', options.warmupS);
    await stack.settle();
    await fire('apiKey', options.warmupS);
    await stack.settle();

    const runs = { off: [] as Result[], apiKey: [] as Result[] };
    for (let round = 0; round < options.rounds; round++) {
      const order: Array<'off' | 'apiKey'> = round % 2 === 0 ? ['off', 'apiKey'] : ['apiKey', 'off'];
      for (const which of order) {
        runs[which].push(await fire(which, options.durationS));
        await stack.settle();
      }
    }
    const off = combine(runs.off);
    const apiKey = combine(runs.apiKey);
    for (const [name, load] of [['auth off', off], ['API key', apiKey]] as const) {
      if (load.errors || load.mismatches || load.non2xx) {
        throw new Error(`${name} under load: ${load.errors} errors, ${load.mismatches} wrong bodies, ${load.non2xx} non-2xx`);
      }
    }
    return { options: shown, off, apiKey, ratio: apiKey.rps / off.rps };
  } finally {
    await servers.close();
  }
}
