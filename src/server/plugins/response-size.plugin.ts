import type { ApolloServerPlugin } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';

/** The code of an answer refused for its size. */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/** `limits.maxResponseBytes` of the configuration (the plugin takes only what it reads). */
export interface ResponseSizeOptions {
  /** The largest JSON answer, in bytes. */
  maxResponseBytes: number;
}

export interface ResponseSizeLimit {
  /** Goes in Apollo's `plugins`, after every plugin that changes the answer (partialErrorsPlugin). */
  plugin: ApolloServerPlugin;
  /**
   * Goes in Apollo's `stringifyResult`: it sends the text the plugin measured rather than
   * serialising the answer a second time. Optional: without it the limit holds all the
   * same, at the price of a second `JSON.stringify`.
   */
  stringifyResult(value: FormattedExecutionResult): string;
}

interface Measured {
  errors: unknown;
  extensions: unknown;
  text: string;
}

/**
 * Caps the size of an answer (`limits.maxResponseBytes`). The answer is serialised as it
 * will be sent, once everything is in it, and one over the limit is replaced whole by an
 * error, HTTP 400, `extensions.code` RESPONSE_TOO_LARGE with its `size` and the `limit` in
 * bytes: a client gets a readable refusal, never half a document. The upstream calls are
 * made by then; the cost limit is what stops those before they start.
 *
 * Apollo calls every plugin's `willSendResponse` in list order and partialErrorsPlugin
 * appends its errors synchronously there, so this plugin must come after it in the list to
 * measure them too.
 */
export function responseSizeLimit(options: ResponseSizeOptions): ResponseSizeLimit {
  const limit = options.maxResponseBytes;
  // Keyed by the answer's `data`: Apollo hands `stringifyResult` a new object around the
  // same `data`, `errors` and `extensions`. A miss (another plugin changed the answer
  // after this one) is serialised again, never sent stale.
  const measured = new WeakMap<object, Measured>();

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          // Incremental delivery (@defer) is not enabled; only single answers are sent.
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          let text: string | undefined;
          try {
            text = serialise({ errors: result.errors, data: result.data, extensions: result.extensions });
          } catch (error) {
            // Longer than the largest string V8 can make: certainly over any limit.
            if (!(error instanceof RangeError)) throw error;
          }
          const size = text === undefined ? undefined : Buffer.byteLength(text);
          if (text !== undefined && size! <= limit) {
            if (result.data) measured.set(result.data, { errors: result.errors, extensions: result.extensions, text });
            return;
          }
          const described = size === undefined ? 'too large to serialise' : `${size} bytes`;
          response.body.singleResult = {
            errors: [
              {
                message: `the answer is ${described}, over the limit of ${limit} bytes; ask for fewer events (first/last), fewer fields or fewer aliases`,
                extensions: { code: RESPONSE_TOO_LARGE, size: size ?? null, limit },
              },
            ],
          };
          response.http.status = 400;
        },
      };
    },
  };

  return {
    plugin,
    stringifyResult(value) {
      const data = value.data;
      if (data) {
        const hit = measured.get(data);
        measured.delete(data);
        if (hit && hit.errors === value.errors && hit.extensions === value.extensions) return hit.text;
      }
      return serialise(value);
    },
  };
}

/** As Apollo's default `stringifyResult` writes it. */
function serialise(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
