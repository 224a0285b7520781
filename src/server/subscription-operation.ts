import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { RequestContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import type { Principal } from '../graphql/principal.js';
import type { EventSource } from '../timeline/event-source.js';
import type { Timeline } from '../timeline/timeline.js';

/*
 * What both subscription transports (WebSocket: subscriptions.ts; SSE: sse.ts) do with an
 * operation, so that they serve one contract: the same document checks, the same context,
 * the same errors as POST /graphql.
 */

/** The server's parts an operation run outside Apollo (a subscription, an export page) is checked and run with. */
export interface OperationRuntime {
  /** The schema Apollo serves: the same object, so every transport answers the same contract. */
  schema: GraphQLSchema;
  /** The path queries are sent to, for the message that sends them there. */
  path: string;
  timeline: Timeline;
  /** The configured sources; undefined until the server is ready. */
  sources(): readonly EventSource[] | undefined;
  snapshotStepMs: number;
  requestTimeoutMs: number;
  /** The shape limits of the HTTP transport (armor: depth, aliases, directives) and its token limit. */
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
}

export interface SubscriptionPayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface CheckedSubscription {
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown> | undefined;
}

/**
 * Parses and validates under the HTTP transport's shape limits, and takes subscriptions
 * only: queries are served by POST alone, where the concurrency limit, the cost limit, the
 * deadline and the response cap apply; none of those is wired on a stream.
 */
export function checkSubscription(runtime: OperationRuntime, payload: SubscriptionPayload, transport: 'WebSocket' | 'SSE'): CheckedSubscription | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, runtime.parseOptions);
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
  const errors = validate(runtime.schema, document, [...specifiedRules, ...runtime.validationRules]);
  if (errors.length > 0) return errors;
  const operationName = payload.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return [new GraphQLError('Unable to identify the operation: name it in operationName', { extensions: { code: 'BAD_REQUEST' } })];
  if (operation.operation !== 'subscription') {
    return [new GraphQLError(`only subscriptions are served over ${transport}; send a ${operation.operation} to POST ${runtime.path}`, { extensions: { code: 'BAD_REQUEST' } })];
  }
  return { document, operationName, variableValues: payload.variables ?? undefined };
}

/** The context of an operation run outside Apollo (a subscription, an export page): that of an HTTP request of the same principal. */
export function operationContext(runtime: OperationRuntime, principal: Principal): RequestContext {
  const sources = runtime.sources();
  if (!sources) throw new Error('an operation ran before the sources were set');
  return new RequestContext({
    sources,
    timeline: runtime.timeline,
    snapshotStepMs: runtime.snapshotStepMs,
    principal,
    requestTimeoutMs: runtime.requestTimeoutMs,
  });
}

/** An error as the HTTP transport formats it (codes from the layers below, no stack). */
export function formattedError(error: GraphQLError): GraphQLFormattedError {
  return formatError(error.toJSON(), error);
}

/**
 * The same, still a GraphQLError (its JSON is the formatted one): for a transport that
 * serialises the errors it is handed itself (graphql-sse).
 */
export function reformattedError(error: GraphQLError): GraphQLError {
  const { message, extensions } = formattedError(error);
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

/**
 * The subscription connections open at once, WebSocket and SSE together
 * (`server.tail.maxConnections`): each holds a socket and, through its subscriptions,
 * buffers, whatever its pollers cost.
 */
export class ConnectionSlots {
  private open = 0;

  constructor(readonly max: number) {}

  get count(): number {
    return this.open;
  }

  /** Takes a slot; the release, or undefined when every slot is taken. The release frees it once. */
  take(): (() => void) | undefined {
    if (this.open >= this.max) return undefined;
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
    };
  }

  refusal(): string {
    return `too many subscription connections (server.tail.maxConnections is ${this.max}); try again later`;
  }
}

export const DEFAULT_MAX_TAIL_CONNECTIONS = 1_000;

/**
 * How long `stop()` lets a subscription connection end politely before cutting it. A client
 * that stopped reading never lets it end: ws would wait 30 s for its close handshake, and
 * Apollo's drain (by default 19 s) for an SSE stream's last write.
 */
export const CLOSE_GRACE_MS = 1_000;
