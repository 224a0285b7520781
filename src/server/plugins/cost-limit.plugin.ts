import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../../graphql/context.js';
import { estimateOperationCost, type FieldCost } from '../../graphql/cost/operation-cost.js';
import { QUERY_TOO_COSTLY } from '../../graphql/errors.js';

export { QUERY_TOO_COSTLY } from '../../graphql/errors.js';

/** `limits.maxCost` of the configuration (the plugin takes only what it reads). */
export interface CostLimitOptions {
  /** The most one operation may cost, in estimated upstream calls. */
  maxCost: number;
}

/**
 * Refuses an operation whose estimated upstream calls (src/graphql/cost, docs/limits.md)
 * exceed the limit: the global `limits.maxCost`, or the caller's own `maxCost` when it is
 * lower. It runs once the operation is known and before any resolver, so a refused
 * operation makes no upstream call at all: HTTP 400, `extensions.code` QUERY_TOO_COSTLY,
 * with the estimate (`cost`) and the limit that refused it (`limit`).
 */
export function costLimitPlugin(options: CostLimitOptions): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // Apollo resolves the operation before this hook; without one nothing executes.
          if (!operation) return;
          const own = contextValue.principal.maxCost;
          const limit = own !== undefined && own < options.maxCost ? own : options.maxCost;
          const estimate = estimateOperationCost({ schema, document, operation, variables: request.variables, sources: contextValue.sources });
          if (estimate.cost <= limit) return;
          throw new GraphQLError(tooCostlyMessage(estimate.cost, limit, estimate.fields, own === limit), {
            extensions: { code: QUERY_TOO_COSTLY, cost: estimate.cost, limit, http: { status: 400 } },
          });
        },
      };
    },
  };
}

/** Says what the limit is and which field costs most, so the client knows what to trim. */
function tooCostlyMessage(cost: number, limit: number, fields: readonly FieldCost[], own: boolean): string {
  let top: FieldCost | undefined;
  for (const field of fields) if (!top || field.cost > top.cost) top = field;
  const counted = fields.filter((field) => field.cost > 0).length;
  const whose = own ? "this caller's limit" : 'the limit';
  const costliest = top && counted > 1 ? `; the costliest field, ${top.responseKey}, is ${top.cost} of ${counted} fields that call upstream` : '';
  return `the operation would make about ${cost} upstream calls, over ${whose} of ${limit}${costliest}. Ask for smaller pages, fewer fields or fewer sources (filter.sources, filter.kinds)`;
}
