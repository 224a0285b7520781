import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle } from '../../../src/emulators/common/emulator.handle.js';
import type { EmulatorStarter } from '../../../src/emulators/common/emulator.starter.js';

/**
 * A tiny emulator of a made-up vendor, "Acme webhook deliveries", for the sixth-vendor test:
 * `GET /v1/deliveries?since&until&order&offset&limit` (times in epoch ms, inclusive) and
 * `GET /v1/deliveries/{id}`, behind a bearer token. It shares no code with the fixture's
 * client, as a real emulator would not.
 */
export interface AcmeDelivery {
  id: string;
  /** Epoch ms. */
  at: number;
  hook: string;
  status: 'ok' | 'failed';
  sender: string;
}

export interface AcmeEmulatorHandle extends EmulatorHandle {
  readonly name: 'acme-hooks';
  readonly token: string;
  readonly deliveries: readonly AcmeDelivery[];
}

export const ACME_DEMO_TOKEN = 'acme-demo-token';

export function acmeDeliveries(now: number, count: number): AcmeDelivery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `dlv-${String(i).padStart(4, '0')}`,
    // Two deliveries share each second, so ties cross page boundaries.
    at: now - Math.floor(i / 2) * 1000,
    hook: i % 3 === 0 ? 'build-finished' : 'release-published',
    status: i % 5 === 0 ? 'failed' : 'ok',
    sender: `user-${i % 4}`,
  }));
}

export async function startAcmeEmulator(options: { host: string; port: number; now: number; count?: number }): Promise<AcmeEmulatorHandle> {
  const deliveries = acmeDeliveries(options.now, options.count ?? 45);
  const server = createServer((req, res) => answer(req, res, deliveries));
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: 'acme-hooks',
    url: `http://${options.host}:${port}`,
    token: ACME_DEMO_TOKEN,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, deliveries: readonly AcmeDelivery[]): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.headers.authorization !== `Bearer ${ACME_DEMO_TOKEN}`) return send(401, { error: 'unauthorized' });
  const url = new URL(req.url ?? '/', 'http://emulator');
  const one = /^\/v1\/deliveries\/([\w-]+)$/.exec(url.pathname);
  if (one) {
    const found = deliveries.find((delivery) => delivery.id === one[1]);
    return found ? send(200, found) : send(404, { error: 'not found' });
  }
  if (url.pathname !== '/v1/deliveries') return send(404, { error: 'not found' });
  const number = (name: string, fallback: number) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : fallback);
  const since = number('since', 0);
  const until = number('until', Number.MAX_SAFE_INTEGER);
  const ascending = url.searchParams.get('order') === 'asc';
  const inWindow = deliveries
    .filter((delivery) => delivery.at >= since && delivery.at <= until)
    .sort((a, b) => (ascending ? a.at - b.at : b.at - a.at) || a.id.localeCompare(b.id));
  const offset = number('offset', 0);
  send(200, { total: inWindow.length, items: inWindow.slice(offset, offset + number('limit', 20)) });
}

export const acmeEmulator: EmulatorStarter<'acme', AcmeEmulatorHandle, { count?: number }> = {
  key: 'acme',
  port: 4190,
  start: (env, options = {}) => startAcmeEmulator({ host: env.host, port: env.portOf('acme'), now: env.now, ...options }),
};
