import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';

/** The shape limits of `limits` in the configuration (the plugin takes only what it reads). */
export interface ArmorLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
}

/** What the server adds to its Apollo Server options: each part goes where its name says. */
export interface ArmorProtection {
  /** Added to Apollo's `validationRules`: depth, aliases and directives. */
  validationRules: ValidationRule[];
  /** Added to Apollo's `plugins`: whatever Armor's `protect()` gives for these settings. */
  plugins: ApolloServerPlugin[];
  /** Apollo's `parseOptions`: the token limit, applied by the parser itself. */
  parseOptions: ParseOptions;
}

type Rule = 'maxDepth' | 'maxAliases' | 'maxDirectives';

/**
 * Limits on the shape of a document, checked before anything runs, with GraphQL Armor's
 * maintained rules (docs/limits.md):
 *
 * - depth, aliases and directives are validation rules. A document over a limit fails
 *   validation: HTTP 400, `extensions.code` GRAPHQL_VALIDATION_FAILED (Apollo gives every
 *   validation error that code), with `extensions.rule` naming the limit and
 *   `extensions.limit` its value. Introspection is not counted for depth (GraphiQL's
 *   introspection query is deeper than any query of the API), and `__typename` aliases are
 *   free.
 * - tokens are counted by graphql-js's own parser (`parseOptions.maxTokens`), which stops
 *   at the limit instead of parsing the rest: HTTP 400, GRAPHQL_PARSE_FAILED. Armor's token
 *   rule hooks Apollo's `parsingDidStart`, where a thrown error is no request error but an
 *   unexpected one, answered with HTTP 500; and it parses the document a second time.
 * - armor's cost rule is off: the cost that matters here is upstream calls, which the
 *   cost-limit plugin estimates. Its field-suggestion masking is off too: the schema is
 *   public through introspection (GraphiQL reads it), so hiding "Did you mean" would hide
 *   nothing but help.
 */
export function armorProtection(limits: ArmorLimits): ArmorProtection {
  const reject =
    (rule: Rule, limit: number) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      // Armor's messages start "Syntax Error:", which this is not.
      const message = error.message.replace(/^Syntax Error: /, '');
      context?.reportError(new GraphQLError(message, { extensions: { rule, limit } }));
    };
  const rejecting = (rule: Rule, limit: number) => ({ n: limit, propagateOnRejection: false, onReject: [reject(rule, limit)] });
  const armor = new ApolloArmor({
    maxDepth: { ...rejecting('maxDepth', limits.maxDepth), ignoreIntrospection: true },
    maxAliases: rejecting('maxAliases', limits.maxAliases),
    maxDirectives: rejecting('maxDirectives', limits.maxDirectives),
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  const protection = armor.protect();
  return {
    validationRules: protection.validationRules,
    plugins: protection.plugins as ApolloServerPlugin[],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
