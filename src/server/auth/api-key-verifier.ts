import { LRUCache } from 'lru-cache';
import type { Principal } from '../../graphql/principal.js';
import { FifoLimiter } from '../concurrency.js';
import { keyDigest, parseKeyHash, verifyApiKey, type ParsedKeyHash } from './api-key.js';
import { AuthConfigError, type ApiKeyOptions } from './auth-options.js';

/** The verdict on a presented key. */
export type ApiKeyVerdict =
  | { readonly kind: 'accepted'; readonly principal: Principal }
  | { readonly kind: 'rejected' }
  /** Too many slow checks already running or waiting: try again shortly. */
  | { readonly kind: 'busy' };

export interface ApiKeyVerifierOptions {
  /** Keys remembered as verified (by digest). */
  readonly cacheSize?: number;
  /** Keys remembered as wrong, and for how long. */
  readonly rejectedCacheSize?: number;
  readonly rejectedTtlMs?: number;
  /** scrypt checks running at once. */
  readonly maxConcurrentChecks?: number;
  /** scrypt checks waiting for one of those; more are answered `busy`. */
  readonly maxWaitingChecks?: number;
  /** How long a check may wait for its turn. */
  readonly checkQueueTimeoutMs?: number;
}

interface ConfiguredKey {
  readonly hash: ParsedKeyHash;
  readonly principal: Principal;
}

/**
 * Checks presented API keys against the configured hashes.
 *
 * scrypt is slow on purpose (tens of milliseconds and 32 MiB per check), which is right for
 * a leaked configuration and wrong for every request of a dashboard. So:
 *
 * - a key that verified is remembered, by its SHA-256, in a bounded LRU: the next request
 *   with it costs one SHA-256 and a map lookup, and warm throughput stays that of auth off;
 * - a key that failed is remembered for a while too, so that a client retrying a wrong key
 *   does not cost a scrypt per retry;
 * - concurrent first requests with one key share one check;
 * - the checks themselves run a few at a time, with a bounded queue. They run on libuv's
 *   thread pool, which also serves DNS lookups and file reads; a flood of made-up keys must
 *   not starve those, so past the queue it is answered `busy` (503) at once.
 *
 * Keys are never kept in the clear: the caches hold digests.
 */
export class ApiKeyVerifier {
  private readonly keys: readonly ConfiguredKey[];
  private readonly verified: LRUCache<string, Principal>;
  private readonly rejected: LRUCache<string, true>;
  private readonly inFlight = new Map<string, Promise<ApiKeyVerdict>>();
  private readonly checks: FifoLimiter;
  private readonly checkQueueTimeoutMs: number;

  constructor(keys: readonly ApiKeyOptions[], options: ApiKeyVerifierOptions = {}) {
    this.keys = keys.map((key, index) => {
      const hash = parseKeyHash(key.hash);
      // Named by position and name, never by the hash: the schema has checked the format,
      // so this is a hash built for another caller of startServer.
      if (!hash) throw new AuthConfigError(`auth.apiKeys[${index}].hash (key "${key.name}") is not a usable scrypt hash; print one with \`npm run hash-key\``);
      return { hash, principal: principalOfKey(key) };
    });
    this.verified = new LRUCache({ max: options.cacheSize ?? 1_000 });
    this.rejected = new LRUCache({ max: options.rejectedCacheSize ?? 10_000, ttl: options.rejectedTtlMs ?? 60_000 });
    this.checks = new FifoLimiter(options.maxConcurrentChecks ?? 2, options.maxWaitingChecks ?? 64);
    this.checkQueueTimeoutMs = options.checkQueueTimeoutMs ?? 5_000;
  }

  private checksRun = 0;

  get size(): number {
    return this.keys.length;
  }

  /** scrypt derivations run so far: what the caches are there to keep low. */
  get scryptChecks(): number {
    return this.checksRun;
  }

  async verify(key: string): Promise<ApiKeyVerdict> {
    const digest = keyDigest(key);
    const known = this.verified.get(digest);
    if (known) return { kind: 'accepted', principal: known };
    if (this.rejected.has(digest)) return { kind: 'rejected' };
    let pending = this.inFlight.get(digest);
    if (!pending) {
      pending = this.check(key, digest).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, pending);
    }
    return pending;
  }

  private async check(key: string, digest: string): Promise<ApiKeyVerdict> {
    const release = await this.checks.acquire(this.checkQueueTimeoutMs).granted;
    if (!release) return { kind: 'busy' };
    try {
      // Every configured hash has its own salt, so a key is tried against each in turn
      // (one scrypt per configured key, at worst). Deployments have a handful of keys.
      for (const configured of this.keys) {
        this.checksRun += 1;
        if (await verifyApiKey(key, configured.hash)) {
          this.verified.set(digest, configured.principal);
          return { kind: 'accepted', principal: configured.principal };
        }
      }
      this.rejected.set(digest, true);
      return { kind: 'rejected' };
    } finally {
      release();
    }
  }
}

function principalOfKey(key: ApiKeyOptions): Principal {
  return Object.freeze({
    name: key.name,
    sources: Object.freeze([...key.sources]),
    ...(key.kinds ? { kinds: Object.freeze([...key.kinds]) } : {}),
    ...(key.maxCost !== undefined ? { maxCost: key.maxCost } : {}),
  });
}
