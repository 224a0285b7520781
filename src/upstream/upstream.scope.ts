import { AsyncLocalStorage } from 'node:async_hooks';
import DataLoader from 'dataloader';
import { UpstreamCallCounts } from './upstream.calls.js';

/**
 * The per-request side of the upstream core: which upstream calls one GraphQL request has
 * already made, so that aliases, dashboard panels and `event(id)` lookups asking the same
 * page share one call.
 *
 * Why AsyncLocalStorage and not an argument, for the request and nothing else: the callers
 * are vendor clients several layers below the GraphQL context (resolver -> timeline ->
 * stream -> session -> client), and not only the timeline's pages share answers: native
 * queries and `event(id)` lookups do too. Threading the request through every signature
 * would make each vendor carry plumbing it has no use for. The scope is entered once per
 * request by the server, and a client used without one (a test of a bare client, a script)
 * simply shares nothing. This module is the only one that uses AsyncLocalStorage.
 *
 * Tallies are no longer carried here. What a page cost and how long its answers may serve
 * travel as values (`UpstreamCallCounts`, upstream.calls.ts) that the page hands down to
 * the calls it makes; the context never tells a call whom to count for.
 */

const storage = new AsyncLocalStorage<UpstreamRequestScope>();

export interface UpstreamSourceSummary {
  calls: number;
  errors: number;
  cacheHits: number;
}

/** One request-scoped load; the first one of a key sends, for the tally it was given. */
interface Load {
  key: string;
  calls: UpstreamCallCounts | undefined;
  send: (calls: UpstreamCallCounts | undefined) => Promise<unknown>;
}

/**
 * One GraphQL request. Made per request and dropped with it: its DataLoaders hold the
 * request's answers, which must never serve another request (that is the cross-request
 * cache's job, with its TTL).
 */
export class UpstreamRequestScope {
  /** Every real call of the request, per source, whoever asked. */
  readonly calls = new UpstreamCallCounts();
  /** Per source: calls that failed, and answers the cross-request cache gave; for the request's log line. */
  private readonly outcomes = new Map<string, { errors: number; cacheHits: number }>();
  private readonly loaders = new Map<object, DataLoader<Load, unknown, string>>();

  /** `id`: the request's id (`x-request-id`), which log lines of its upstream calls carry. */
  constructor(readonly id?: string) {}

  failed(source: string): void {
    this.outcomeOf(source).errors += 1;
  }

  cacheHit(source: string): void {
    this.outcomeOf(source).cacheHits += 1;
  }

  /** What the request asked of each source it touched: real calls, failed calls, cache hits. */
  summary(): Record<string, UpstreamSourceSummary> {
    const summary: Record<string, UpstreamSourceSummary> = {};
    for (const source of new Set([...this.calls.sources(), ...this.outcomes.keys()])) {
      summary[source] = { calls: this.calls.of(source), errors: 0, cacheHits: 0, ...this.outcomes.get(source) };
    }
    return summary;
  }

  private outcomeOf(source: string): { errors: number; cacheHits: number } {
    let outcome = this.outcomes.get(source);
    if (!outcome) this.outcomes.set(source, (outcome = { errors: 0, cacheHits: 0 }));
    return outcome;
  }

  /** Runs `fn` (and everything it starts) inside this request. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  /**
   * The answer to `key` of `owner` (an upstream client): the first load sends, with the
   * tally it was given, so a shared call counts once, on the reader that asked first; later
   * loads of the same key in this request share its promise. A failure is shared too: within
   * one request every reader sees the same answer, and asking a failing upstream again for
   * the same page would only add load (the next request asks again; failures are never
   * cached across requests).
   */
  load(
    owner: object,
    key: string,
    calls: UpstreamCallCounts | undefined,
    send: (calls: UpstreamCallCounts | undefined) => Promise<unknown>,
  ): Promise<unknown> {
    let loader = this.loaders.get(owner);
    if (!loader) {
      // `batch: false`: no upstream takes several pages in one call, and a batch resolves
      // all its keys together, which would make a fast stream wait for a slow one.
      loader = new DataLoader<Load, unknown, string>(
        (loads) => Promise.all(loads.map((load) => load.send(load.calls).catch((error: unknown) => toError(error)))),
        { batch: false, cacheKeyFn: (load) => load.key },
      );
      this.loaders.set(owner, loader);
    }
    return loader.load({ key, calls, send });
  }
}

/** The request scope of the running code, if any. */
export function currentRequestScope(): UpstreamRequestScope | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` inside `scope`, or outside any when it is undefined. For the core: a call that
 * waited for a concurrency slot resumes in the context of whichever call freed it, possibly
 * another request's, and what its hooks start (an IAM token request) must belong to the
 * request of the call that needed it.
 */
export function runInRequestScope<T>(scope: UpstreamRequestScope | undefined, fn: () => T): T {
  return scope ? storage.run(scope, fn) : storage.exit(fn);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
