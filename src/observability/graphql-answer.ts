import type { GraphQLResponse } from '@apollo/server';

export interface AnswerSummary {
  hasData: boolean;
  errorCount: number;
  /** The distinct `extensions.code` of its errors; INTERNAL_SERVER_ERROR for one without. */
  errorCodes: string[];
}

/**
 * What an answer Apollo sent says, for the request's log line, metrics and span. An
 * incremental answer (@defer, not enabled) would carry its errors in its first part.
 */
export function summarizeAnswer(body: GraphQLResponse['body']): AnswerSummary {
  const { data, errors = [] } = body.kind === 'single' ? body.singleResult : body.initialResult;
  const errorCodes = [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
  return { hasData: data !== undefined && data !== null, errorCount: errors.length, errorCodes };
}
