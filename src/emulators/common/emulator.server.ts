import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestListener } from 'node:http';

/**
 * Owns what outlives a single request: delay timers and requests held open by the `hang`
 * knob. Without this, `server.close()` waits forever for a hung request and a pending
 * latency timer keeps the process (and vitest's worker) alive after the test ends.
 */
export class EmulatorLifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Resolves after `ms`. After close() the promise never settles on purpose: the handler
   * waiting on it must not go on to write to a socket that is already destroyed.
   */
  delay(ms: number): Promise<void> {
    if (this.closed) return new Promise<void>(() => undefined);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Called once by close(); idempotent. */
  shutdown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0 = ephemeral). Emulators accept unauthenticated control
 * requests (`/__emulator/*`), so callers should keep `host` on loopback.
 */
export async function listen(
  handler: RequestListener,
  options: { host: string; port: number; lifecycle: EmulatorLifecycle },
): Promise<ListeningServer> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        options.lifecycle.shutdown();
        server.close((error) => (error ? reject(error) : resolve()));
        // closeAllConnections() only covers sockets the HTTP parser still tracks; a hung
        // request's socket is destroyed explicitly as well.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
