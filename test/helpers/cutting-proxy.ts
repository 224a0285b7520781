import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/*
 * A TCP proxy in front of a server, which can break or hold a connection after so many bytes
 * of the answer: what a flaky network, or a process killed mid-download, does to a client.
 */

export interface ConnectionPlan {
  /** Destroys both sides once this many bytes of the answer have passed. */
  cutAfterBytes?: number;
  /** Stops passing the answer on once this many bytes have passed (the client waits). */
  holdAfterBytes?: number;
}

export interface CuttingProxy {
  readonly url: string;
  /** Connections so far. */
  readonly connections: number;
  /** Bytes of the answer held back so far, over every connection. */
  readonly held: boolean;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number, plan: (index: number) => ConnectionPlan): Promise<CuttingProxy> {
  let connections = 0;
  let held = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const { cutAfterBytes, holdAfterBytes } = plan(connections++);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let passed = 0;
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const limit = Math.min(cutAfterBytes ?? Infinity, holdAfterBytes ?? Infinity);
      const room = limit - passed;
      if (room > 0) client.write(chunk.subarray(0, room));
      passed += Math.min(chunk.length, Math.max(room, 0));
      if (passed < limit) return;
      if (cutAfterBytes !== undefined) {
        client.destroy();
        upstream.destroy();
      } else {
        held = true;
        upstream.pause();
      }
    });
    upstream.on('end', () => client.end());
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get held() {
      return held;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
