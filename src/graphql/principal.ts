import type { EventSource } from '../timeline/event-source.js';

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

/**
 * A source glob as a whole-name match: `*` is any run of characters (none too), everything
 * else is itself. Anchored at both ends, so `prod-*` never reads `preprod-x`.
 */
function globMatcher(glob: string): (name: string) => boolean {
  if (!glob.includes('*')) return (name) => name === glob;
  const pattern = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return (name) => pattern.test(name);
}

/**
 * What a principal may read, compiled once per request: the one test every entry point asks
 * (`events`, `event(id)`, `sources`, `viewer` and the native queries through
 * `RequestContext.session`), so that none of them can drift from the others.
 */
export class PrincipalScope {
  private readonly matchers: ((name: string) => boolean)[];
  private readonly kinds: ReadonlySet<string> | undefined;

  constructor(readonly principal: Principal) {
    this.matchers = principal.sources.map(globMatcher);
    this.kinds = principal.kinds && new Set(principal.kinds);
  }

  /** Whether the principal may read events of this source: its name is in scope, and so is its kind. */
  allows(source: Pick<EventSource, 'name' | 'kind'>): boolean {
    return this.allowsKind(source.kind) && this.matchers.some((matches) => matches(source.name));
  }

  /** Whether events of this kind are in scope (every kind when the principal names none). */
  allowsKind(kind: string): boolean {
    return this.kinds === undefined || this.kinds.has(kind);
  }

  /**
   * A stable text that tells principals of different scopes apart, for binding cursors to
   * the client they were issued to: the name and the scope, in a canonical order. Two keys of
   * one name and scope are one client (their pages are the same); a key whose scope changes
   * gets new cursors, since a cursor's sources may no longer be its to read.
   */
  clientKey(): string {
    const sorted = (list: readonly string[] | undefined) => (list ? [...new Set(list)].sort() : null);
    return JSON.stringify([this.principal.name, sorted(this.principal.sources), sorted(this.principal.kinds)]);
  }
}
