import { type ConfigProblem, type KeyPath, pathKey } from './config.error.js';

/**
 * `${ENV_VAR}` interpolation over an already-parsed document.
 *
 * Why after parsing rather than on the file text: a secret is then only ever the content
 * of one string. A password containing `"`, `: `, `#`, a newline or `]` cannot end the
 * string early and inject keys, and a value such as `123` or `true` stays the string it
 * was meant to be. Only string values are interpolated; keys are structure and are
 * left alone.
 *
 * Syntax, a deliberate subset of the shell's:
 * - `${NAME}`: the variable's value. Unset is an error naming the variable (never a
 *   value); set-but-empty gives `""`, which the schema then judges. A problem is reported
 *   by the key it is under and never quotes the string: the text around a placeholder, or a
 *   malformed one, may be a secret.
 * - `${NAME:-default}`: the default when NAME is unset or empty, as in the shell. The
 *   default is literal text up to the first `}`; placeholders do not nest.
 * - `$${`: a literal `${`. Any other `$` is literal.
 */

export interface InterpolatedValue {
  /** The variables the string at this path read, for messages that must not show values. */
  readonly variables: readonly string[];
  /**
   * The variable when the whole string was one placeholder, e.g. `port: ${PORT}`. Only
   * such a value may be read as a number or boolean, if the schema wants one there.
   */
  readonly whole?: string | undefined;
}

export interface InterpolationResult {
  /** A copy of the document; the input is never modified. */
  readonly value: unknown;
  readonly problems: readonly ConfigProblem[];
  /** Keyed by `pathKey(path)`, for every string that held at least one placeholder. */
  readonly interpolated: ReadonlyMap<string, InterpolatedValue>;
}

const placeholderBody = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export function interpolateEnv(doc: unknown, env: NodeJS.ProcessEnv): InterpolationResult {
  const problems: ConfigProblem[] = [];
  const interpolated = new Map<string, InterpolatedValue>();

  const walk = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      const result = expandString(value, env);
      for (const message of result.problems) problems.push({ path, message });
      if (result.variables.length > 0) {
        interpolated.set(pathKey(path), { variables: result.variables, whole: result.whole });
      }
      return result.value;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(value)) {
      // fromEntries defines own properties, so a `__proto__` key stays a key (which the
      // strict schema then rejects) instead of replacing the copy's prototype.
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return value;
  };

  return { value: walk(doc, []), problems, interpolated };
}

interface ExpandedString {
  value: string;
  variables: string[];
  whole?: string | undefined;
  problems: string[];
}

export function expandString(input: string, env: NodeJS.ProcessEnv): ExpandedString {
  const variables: string[] = [];
  const problems: string[] = [];
  let value = '';
  let index = 0;
  let placeholders = 0;
  let literalText = false;

  while (index < input.length) {
    const dollar = input.indexOf('$', index);
    if (dollar < 0) {
      value += input.slice(index);
      literalText ||= index < input.length;
      break;
    }
    value += input.slice(index, dollar);
    literalText ||= dollar > index;
    if (input.startsWith('$${', dollar)) {
      value += '${';
      literalText = true;
      index = dollar + 3;
      continue;
    }
    if (!input.startsWith('${', dollar)) {
      value += '$';
      literalText = true;
      index = dollar + 1;
      continue;
    }
    const close = input.indexOf('}', dollar + 2);
    if (close < 0) {
      problems.push('unterminated "${": close it with "}", or write "$${" for a literal "${"');
      value += input.slice(dollar);
      break;
    }
    const body = input.slice(dollar + 2, close);
    index = close + 1;
    placeholders += 1;
    const match = placeholderBody.exec(body);
    const name = match?.[1];
    if (!match || name === undefined) {
      // Not quoted: what sits between the braces may be the secret itself, written in by mistake.
      problems.push('holds a "${...}" that is not a valid placeholder: write ${NAME} or ${NAME:-default}, or "$${" for a literal "${"');
      value += input.slice(dollar, index);
      continue;
    }
    const fallback = match[2];
    if (fallback?.includes('${')) {
      problems.push(`the default of \${${name}:-...} contains "\${": placeholders do not nest`);
      value += input.slice(dollar, index);
      continue;
    }
    variables.push(name);
    const set = env[name];
    if (fallback !== undefined) {
      value += set === undefined || set === '' ? fallback : set;
    } else if (set !== undefined) {
      value += set;
    } else {
      problems.push(`environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
      // Keep the placeholder text, so the schema still sees a string here.
      value += input.slice(dollar, index);
    }
  }

  const whole = placeholders === 1 && !literalText && problems.length === 0 ? variables[0] : undefined;
  return { value, variables, whole, problems };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
