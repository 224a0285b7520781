import { AsyncLocalStorage } from 'node:async_hooks';
import DataLoader from 'dataloader';

/**
 * The per-request side of the upstream core: which upstream calls one GraphQL request has
 * already made (so that aliases, dashboard panels and `event(id)` lookups asking the same
 * page share one call), and how many real calls each source made.
 *
 * Why AsyncLocalStorage and not an argument: the callers are vendor clients several layers
 * below the GraphQL context (resolver -> timeline -> stream -> session -> client), and
 * threading a scope through every signature would make each vendor carry request plumbing
 * it has no use for. The scope is entered once per request by the server, and a client
 * used without one (a test of a bare client, a script) simply shares and counts nothing.
 */

/** Real upstream calls, per source name; and until when every answer used may still serve. */
export class UpstreamCallCounts {
  private readonly counts = new Map<string, number>();
  private readonly servable = new Map<string, number>();

  add(source: string): void {
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
  }

  /** An answer of `source` was used that the cache may serve until `until` (epoch ms). */
  answered(source: string, until: number): void {
    const known = this.servable.get(source);
    if (known === undefined || until < known) this.servable.set(source, until);
  }

  /** Until when every answer of `source` used here may serve; undefined when none was used. */
  servableUntil(source: string): number | undefined {
    return this.servable.get(source);
  }

  of(source: string): number {
    return this.counts.get(source) ?? 0;
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }
}

/** What the async context carries: the request (if any) and every tally a call adds to. */
interface ScopeFrame {
  readonly request: UpstreamRequestScope | undefined;
  readonly tallies: readonly UpstreamCallCounts[];
}

const storage = new AsyncLocalStorage<ScopeFrame>();

/** One request-scoped load: the first caller's context is kept so its tallies get the call. */
interface Load {
  key: string;
  frame: ScopeFrame | undefined;
  send: () => Promise<unknown>;
}

/**
 * One GraphQL request. Made per request and dropped with it: its DataLoaders hold the
 * request's answers, which must never serve another request (that is the cross-request
 * cache's job, with its TTL).
 */
export class UpstreamRequestScope {
  /** Every real call of the request, per source. */
  readonly calls = new UpstreamCallCounts();
  private readonly loaders = new Map<object, DataLoader<Load, unknown, string>>();

  /** Runs `fn` (and everything it starts) inside this request. */
  run<T>(fn: () => T): T {
    return storage.run({ request: this, tallies: [this.calls] }, fn);
  }

  /**
   * The answer to `key` of `owner` (an upstream client): the first load sends, later loads of
   * the same key in this request share its promise. A failure is shared too: within one
   * request every reader sees the same answer, and asking a failing upstream again for the
   * same page would only add load (the next request asks again; failures are never cached
   * across requests).
   */
  load(owner: object, key: string, send: () => Promise<unknown>): Promise<unknown> {
    let loader = this.loaders.get(owner);
    if (!loader) {
      // `batch: false`: no upstream takes several pages in one call, and a batch resolves
      // all its keys together, which would make a fast stream wait for a slow one.
      loader = new DataLoader<Load, unknown, string>(
        (loads) => Promise.all(loads.map((load) => runIn(load.frame, load.send).catch((error: unknown) => toError(error)))),
        { batch: false, cacheKeyFn: (load) => load.key },
      );
      this.loaders.set(owner, loader);
    }
    return loader.load({ key, frame: storage.getStore(), send });
  }
}

/** The request scope of the running code, if any. */
export function currentRequestScope(): UpstreamRequestScope | undefined {
  return storage.getStore()?.request;
}

/**
 * Runs `fn` with one more tally: every real upstream call that `fn` starts (directly, or as
 * the first asker of a shared request-scoped call) is added to `counts` as well as to the
 * request's. The timeline counts the calls of one page this way, so that three panels over
 * the same sources in one document report each call once, on the panel that made it.
 */
export function countUpstreamCalls<T>(counts: UpstreamCallCounts, fn: () => Promise<T>): Promise<T> {
  const frame = storage.getStore();
  return storage.run({ request: frame?.request, tallies: [...(frame?.tallies ?? []), counts] }, fn);
}

/**
 * The tallies of the running code; the core takes them when a call starts, before it may
 * wait in a queue whose resumption would run in another request's context.
 */
export function currentTallies(): readonly UpstreamCallCounts[] {
  return storage.getStore()?.tallies ?? [];
}

/** Wraps `fn` so that it runs in the context of the caller of `bindToScope`. */
export function bindToScope<F extends (...args: never[]) => unknown>(fn: F): F {
  return AsyncLocalStorage.bind(fn);
}

function runIn<T>(frame: ScopeFrame | undefined, fn: () => Promise<T>): Promise<T> {
  return frame ? storage.run(frame, fn) : storage.exit(fn);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
