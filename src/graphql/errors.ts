import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { TimelineInputError } from '../timeline/timeline.errors.js';
import { UpstreamError } from '../upstream/upstream.errors.js';

export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, ...(argument ? { argument } : {}) },
  });
}

/** The code of an operation (or an export) refused for its estimated upstream calls (docs/limits.md). */
export const QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY';

/** The code of a request that names something outside the caller's scope, or outside a source's. */
export const FORBIDDEN = 'FORBIDDEN';

/**
 * A request for something the caller may not read: a source outside the principal's scope,
 * or a native argument outside the source's configured scope. Refused before any upstream
 * call, naming the argument at fault; the message names what was asked, never a secret.
 */
export function forbidden(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: FORBIDDEN, ...(argument ? { argument } : {}) } });
}

/** The extensions an upstream failure carries, in `errors[]` and in `SourceStatus.error`. */
export function upstreamExtensions(error: UpstreamError): Record<string, unknown> {
  return {
    code: error.code,
    source: error.source,
    ...(error.status !== undefined ? { upstreamStatus: error.status } : {}),
    ...(error.upstreamCode !== undefined ? { upstreamCode: error.upstreamCode } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

export function upstreamGraphQLError(error: UpstreamError, path?: readonly (string | number)[]): GraphQLError {
  return new GraphQLError(error.message, { path, originalError: error, extensions: upstreamExtensions(error) });
}

/**
 * Apollo's `formatError`: errors from the layers below GraphQL get their public code here,
 * in one place, so resolvers can simply let them fly.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof UpstreamError) {
    return { ...formatted, message: original.message, extensions: upstreamExtensions(original) };
  }
  if (original instanceof TimelineInputError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, argument: original.argument },
    };
  }
  if (original instanceof ArgumentValidationError) {
    // A range declared on an argument (validation/int-range.ts): the first broken rule, named.
    const [first] = original.extensions.validationErrors;
    const message = first && Object.values(first.constraints ?? {})[0];
    return {
      ...formatted,
      message: message ?? formatted.message,
      extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, ...(first ? { argument: first.property } : {}) },
    };
  }
  return formatted;
}
