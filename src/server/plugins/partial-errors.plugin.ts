import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../graphql/context.js';

/**
 * A source that fails inside `events` must not fail the field: the resolver returns the
 * other sources' events and records the failure on the context. graphql-js has no way for a
 * resolver to add an error and still return data, so this plugin appends them to `errors[]`.
 */
export function partialErrorsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || contextValue.partialErrors.length === 0) return;
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...contextValue.partialErrors.map((error) => error.toJSON())];
        },
      };
    },
  };
}
