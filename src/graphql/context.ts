import type { GraphQLError } from 'graphql';
import type { EventSource, SourceSession } from '../timeline/event-source.js';
import type { Timeline } from '../timeline/timeline.js';
import { badUserInput, forbidden } from './errors.js';
import { ANONYMOUS, PrincipalScope, type Principal } from './principal.js';

/** The default of `server.requestTimeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface RequestContextOptions {
  sources: readonly EventSource[];
  timeline: Timeline;
  /** See `server.snapshotStepSeconds`. */
  snapshotStepMs: number;
  /** The caller, as the edge authenticated it; anonymous when auth is off. */
  principal?: Principal;
  /** See `server.requestTimeoutMs`. */
  requestTimeoutMs?: number;
}

/** A vendor's source class, which names its event kind. */
export type SourceClass<S extends EventSource> = (abstract new (...args: never[]) => S) & { readonly kind: string };

/**
 * Everything one GraphQL request sees. Sessions (and the DataLoaders inside them) are made
 * here, per request, on first use; nothing request-scoped outlives the request.
 */
export class RequestContext {
  /** Failures that leave the data intact (one source of many); appended to `errors[]`. */
  readonly partialErrors: GraphQLError[] = [];
  /**
   * One clock reading per request: every `events` field of the document pins the same
   * `asOf`, so panels over the same sources ask the upstream the same pages (same end time)
   * and the request scope can answer them with one call. It is the clock rounded down to the
   * server's snapshot step (`server.snapshotStepSeconds`), so that first pages asked within
   * one step are the same upstream reads too, and the cross-request cache answers them.
   */
  readonly now: number;
  private readonly sessions = new Map<string, SourceSession>();

  /** Every configured source, in scope or not: what the events of this request point back to. */
  readonly sources: readonly EventSource[];
  /**
   * The configured sources the principal may read, in configuration order. Every entry
   * point chooses among these only: `events` reads no other, `event(id)` finds none in
   * another, `sources` lists these, and native queries reach a session through `session()`.
   */
  readonly visibleSources: readonly EventSource[];
  readonly timeline: Timeline;
  /** Who is asking; every entry point keeps to its scope. */
  readonly principal: Principal;
  /** The principal's scope, compiled once for the request. */
  readonly scope: PrincipalScope;
  /** When the request must answer (epoch ms): what is not gathered by then is reported as timed out. */
  readonly deadline: number;

  constructor(options: RequestContextOptions) {
    this.sources = options.sources;
    this.timeline = options.timeline;
    this.principal = options.principal ?? ANONYMOUS;
    this.scope = new PrincipalScope(this.principal);
    this.visibleSources = this.sources.filter((source) => this.scope.allows(source));
    const now = Date.now();
    const step = options.snapshotStepMs;
    this.now = step > 0 ? Math.floor(now / step) * step : now;
    this.deadline = now + (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  /** The sessions of every source the principal may read: what `events` reads, and nothing else. */
  allSessions(): SourceSession[] {
    return this.visibleSources.map((source) => this.sessionOf(source));
  }

  /**
   * The session of a source of one vendor, named by a client (`source` of a native query),
   * typed by the vendor's source class: the one place that checks which vendor a source is,
   * and that the principal may read it, before any upstream call. The name may be left out
   * when the principal may read exactly one source of the kind. An unknown name, or a source
   * of another vendor, is BAD_USER_INPUT; a source outside the principal's scope, FORBIDDEN.
   */
  session<S extends EventSource>(sourceClass: SourceClass<S>, name: string | undefined | null, argument = 'source'): ReturnType<S['openSession']> {
    const kind = sourceClass.kind;
    if (name == null) {
      const ofKind = this.visibleSources.filter((source): source is S => source instanceof sourceClass);
      if (ofKind.length === 1) return this.sessionOf(ofKind[0]!) as ReturnType<S['openSession']>;
      if (ofKind.length > 1) {
        throw badUserInput(`${argument} is required: ${ofKind.length} ${kind} sources are configured (${ofKind.map((s) => s.name).join(', ')})`, argument);
      }
      // Sources of the kind that the principal may not read are not named: the code alone
      // tells the client that its scope, not the configuration, stands in the way.
      if (this.sources.some((source) => source instanceof sourceClass)) {
        throw forbidden(`no ${kind} source is in the scope of "${this.principal.name}"`, argument);
      }
      throw badUserInput(`no ${kind} source is configured`, argument);
    }
    const source = this.sources.find((candidate) => candidate.name === name);
    if (!source) throw badUserInput(`unknown source "${name}"; configured: ${this.visibleNames()}`, argument);
    if (!this.scope.allows(source)) throw forbidden(outOfScope(name, this.principal.name), argument);
    if (!(source instanceof sourceClass)) throw badUserInput(`source "${name}" is a ${source.kind} source, not ${kind}`, argument);
    return this.sessionOf(source) as ReturnType<S['openSession']>;
  }

  /** The session of a source by name, when the principal may read it; else undefined (and no call). */
  sessionByName(name: string): SourceSession | undefined {
    const source = this.visibleSources.find((candidate) => candidate.name === name);
    return source && this.sessionOf(source);
  }

  /**
   * Keeps `events` to the scope before the timeline plans anything. A source the filter
   * names that the principal may not read is FORBIDDEN; unknown names are left to the
   * timeline, which knows only the visible sources and lists those. Kinds outside the scope
   * are pruned like sources (no visible source has them), but a filter that asks for such
   * kinds only is FORBIDDEN too: an empty page would read as "nothing happened" when the
   * truth is "you may not see it".
   */
  checkFilterInScope(filter: { sources?: readonly string[] | null; kinds?: readonly string[] | null }, argument = 'filter'): void {
    for (const name of filter.sources ?? []) {
      if (this.visibleSources.some((source) => source.name === name)) continue;
      if (this.sources.some((source) => source.name === name)) throw forbidden(`filter.sources: ${outOfScope(name, this.principal.name)}`, argument);
    }
    const kinds = filter.kinds ?? [];
    if (kinds.length > 0 && !kinds.some((kind) => this.scope.allowsKind(kind))) {
      throw forbidden(`filter.kinds: ${[...new Set(kinds)].join(', ')} ${kinds.length === 1 ? 'is' : 'are'} not in the scope of "${this.principal.name}"`, argument);
    }
  }

  /** The visible source names, for messages: never one the principal may not read. */
  visibleNames(): string {
    return this.visibleSources.map((source) => source.name).join(', ') || 'none';
  }

  private sessionOf(source: EventSource): SourceSession {
    let session = this.sessions.get(source.name);
    if (!session) {
      session = source.openSession();
      this.sessions.set(source.name, session);
    }
    return session;
  }
}

function outOfScope(sourceName: string, principalName: string): string {
  return `source "${sourceName}" is not in the scope of "${principalName}"`;
}
