import type { GraphQLError } from 'graphql';
import type { EventSource, SourceSession } from '../timeline/event-source.js';
import type { Timeline } from '../timeline/timeline.js';
import { badUserInput } from './errors.js';
import { ANONYMOUS, type Principal } from './principal.js';

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

  readonly sources: readonly EventSource[];
  readonly timeline: Timeline;
  /** Who is asking; every entry point keeps to its scope. */
  readonly principal: Principal;
  /** When the request must answer (epoch ms): what is not gathered by then is reported as timed out. */
  readonly deadline: number;

  constructor(options: RequestContextOptions) {
    this.sources = options.sources;
    this.timeline = options.timeline;
    this.principal = options.principal ?? ANONYMOUS;
    const now = Date.now();
    const step = options.snapshotStepMs;
    this.now = step > 0 ? Math.floor(now / step) * step : now;
    this.deadline = now + (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  allSessions(): SourceSession[] {
    return this.sources.map((source) => this.sessionOf(source));
  }

  /**
   * The session of a source of one vendor, named by a client (`source` of a native query),
   * typed by the vendor's source class: the one place that checks which vendor a source is.
   * The name may be left out when one source of the kind is configured; else a clear
   * BAD_USER_INPUT.
   */
  session<S extends EventSource>(sourceClass: SourceClass<S>, name: string | undefined | null, argument = 'source'): ReturnType<S['openSession']> {
    const kind = sourceClass.kind;
    const ofKind = this.sources.filter((source): source is S => source instanceof sourceClass);
    if (name == null) {
      if (ofKind.length === 1) return this.sessionOf(ofKind[0]!) as ReturnType<S['openSession']>;
      throw badUserInput(
        ofKind.length === 0
          ? `no ${kind} source is configured`
          : `${argument} is required: ${ofKind.length} ${kind} sources are configured (${ofKind.map((s) => s.name).join(', ')})`,
        argument,
      );
    }
    const source = this.sources.find((candidate) => candidate.name === name);
    if (!source) {
      throw badUserInput(`unknown source "${name}"; configured: ${this.sources.map((s) => s.name).join(', ') || 'none'}`, argument);
    }
    if (!(source instanceof sourceClass)) throw badUserInput(`source "${name}" is a ${source.kind} source, not ${kind}`, argument);
    return this.sessionOf(source) as ReturnType<S['openSession']>;
  }

  sessionByName(name: string): SourceSession | undefined {
    const source = this.sources.find((candidate) => candidate.name === name);
    return source && this.sessionOf(source);
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
