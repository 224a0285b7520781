/**
 * Who is asking, and what they may read: decided once per request at the edge (the server's
 * auth), carried in the request context, and obeyed wherever sources are chosen, so that
 * every entry point (events, event(id), sources, native queries and what comes later) keeps
 * to the same scope.
 */
export interface Principal {
  /** The API key's name, or the token's subject; `anonymous` when auth is off. */
  readonly name: string;
  /** Source names or globs (`*` matches any run of characters) it may read. */
  readonly sources: readonly string[];
  /** Event kinds it may read; every kind when undefined. */
  readonly kinds?: readonly string[];
  /** Its own limit on a request's estimated upstream calls, below the global one. */
  readonly maxCost?: number;
}

/** The caller when auth is off (`auth: { mode: none }`, or loopback without an `auth` section). */
export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', sources: Object.freeze(['*']) });
