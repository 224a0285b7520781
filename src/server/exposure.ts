import { isIP } from 'node:net';
import type { AuthOptions } from './auth/auth-options.js';

/**
 * Where the server listens when `server.host` is not set: loopback, so that a server
 * started without thinking about it is reachable from its own machine only.
 */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Whether a listen address reaches this machine only: 127.0.0.0/8, ::1 (also as an
 * IPv4-mapped address) and the name `localhost`. Every other name is treated as exposed,
 * as what it resolves to is not ours to promise; `0.0.0.0` and `::` are every interface.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const version = isIP(bare);
  if (version === 4) return bare.startsWith('127.');
  if (version === 6) {
    if (/^(0{0,4}:){7}0{0,3}1$/.test(bare) || bare === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** Thrown by startServer when the configuration would expose the API without authentication. */
export class ExposureError extends Error {
  override readonly name = 'ExposureError';
}

/**
 * Secure by default: without an `auth` section the server listens on loopback only. On
 * any other address it refuses to start, unless the configuration says in so many words
 * that it serves without authentication (`auth: { mode: none }`), which it then warns about.
 * Returns the warning to print, if any; throws ExposureError to refuse.
 */
export function checkExposure(host: string, auth: AuthOptions | undefined): string | undefined {
  const loopback = isLoopbackHost(host);
  if (auth === undefined) {
    if (loopback) return undefined;
    throw new ExposureError(
      'refusing to listen on a non-loopback address (server.host) without client authentication. ' +
        'Add an `auth` section with apiKeys or jwt (docs/auth.md), or set server.host to 127.0.0.1, ' +
        'or write `auth: { mode: none }` to serve every caller on the network unauthenticated.',
    );
  }
  if (auth.mode === 'none') {
    return loopback
      ? 'auth: { mode: none }: client authentication is off; every caller that reaches this loopback address reads every source'
      : `auth: { mode: none }: client authentication is OFF on ${host} (server.host): anyone who can reach it reads every source`;
  }
  return undefined;
}
