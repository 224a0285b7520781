import type { z } from 'zod';
import { type ConfigProblem, type KeyPath, pathKey } from './config.error.js';
import type { InterpolatedValue } from './config.interpolate.js';

/**
 * Turns zod issues into config problems that read as "this key: this is wrong".
 *
 * A message names the key and the problem, and never quotes what was given there: a secret
 * written under the wrong key, or in the wrong place, would otherwise be printed at start-up,
 * into a terminal, a CI log or a crash report. So "must be a string, got a number", not the
 * number; "unknown source kind; expected one of: ...", not the kind; the allowed values of an
 * enum, not the one given; and an unknown key is quoted only when it is a near miss of an
 * allowed one (a key's text may be a value that lost its colon: `{password hunter2}`).
 *
 * Messages come from a per-parse error map, not from rewriting finished issues: zod ranks
 * a per-parse map below a schema's own messages, so `must be an http(s) URL` in
 * config.schema.ts wins where it is given, and this map words everything else. The map
 * also sees each issue's input (finished issues do not carry it), which is what tells
 * "missing" from "wrong type" and what names a bad discriminator value.
 */

type RawIssue = z.core.$ZodRawIssue;

export interface IssueContext {
  readonly interpolated: ReadonlyMap<string, InterpolatedValue>;
}

export interface IssueFormatter {
  readonly errorMap: z.core.$ZodErrorMap;
  toProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[];
}

export function createIssueFormatter(context: IssueContext): IssueFormatter {
  // unrecognized_keys is one issue for all keys of one object; the map can word only one
  // message, so the hints for each key wait here until toProblems splits the issue.
  const keyHints = new Map<string, Map<string, string>>();

  const errorMap: z.core.$ZodErrorMap = (issue) => {
    const path = issue.path ?? [];
    const origin = context.interpolated.get(pathKey(path as KeyPath));
    switch (issue.code) {
      case 'invalid_type':
        return invalidType(issue.expected, issue.input, origin);
      case 'invalid_union':
        if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) {
          return unknownDiscriminator(path as KeyPath, issue.discriminator, issue.options, issue.input, origin);
        }
        return 'does not match any of the allowed forms';
      case 'invalid_value':
        return `must be ${orList(issue.values.map((value) => JSON.stringify(value)))}`;
      case 'too_small':
        return tooSmall(issue.origin, issue.minimum, issue.inclusive);
      case 'too_big':
        return tooBig(issue.origin, issue.maximum, issue.inclusive);
      case 'invalid_format':
        return issue.format === 'regex' ? `must match ${issue.pattern ?? 'the expected pattern'}` : `must be a valid ${issue.format}`;
      case 'not_multiple_of':
        return `must be a multiple of ${String(issue.divisor)}`;
      case 'unrecognized_keys': {
        const allowed = objectKeys(issue.inst);
        keyHints.set(pathKey(path as KeyPath), new Map(issue.keys.map((key) => [key, unknownKey(key, allowed)])));
        return issue.keys.length === 1 ? 'an unknown key' : `${issue.keys.length} unknown keys`;
      }
      default:
        return undefined;
    }
  };

  const toProblems = (issues: readonly z.core.$ZodIssue[]): ConfigProblem[] =>
    issues.flatMap((issue): ConfigProblem[] => {
      const path = issue.path as KeyPath;
      if (issue.code === 'unrecognized_keys') {
        // One line per key: each is its own fix.
        const hints = keyHints.get(pathKey(path));
        return issue.keys.map((key) => ({ path, message: hints?.get(key) ?? 'an unknown key' }));
      }
      return [{ path, message: issue.message }];
    });

  return { errorMap, toProblems };
}

function invalidType(expected: string, input: unknown, origin: InterpolatedValue | undefined): string {
  if (input === undefined) return 'is required';
  const wanted = typeNames[expected] ?? `a ${expected}`;
  // An interpolated value is reported by its variable: its content may be a secret.
  if (origin?.whole !== undefined) return `must be ${wanted}, but \${${origin.whole}} is not one`;
  return `must be ${wanted}, got ${describeType(input)}`;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object (key: value pairs)',
  array: 'a list',
};

/** What kind of value was given, never the value: a number may be a PIN or a numeric key. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fraction';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * `unknown source kind; expected one of: huawei-modelarts`, without the kind given. The noun
 * comes from the path (`sources[0].kind` is a source's kind), so a new union needs no new
 * wording here.
 */
function unknownDiscriminator(
  path: KeyPath,
  discriminator: string,
  options: readonly unknown[],
  parent: unknown,
  origin: InterpolatedValue | undefined,
): string {
  const expected = `expected one of: ${options.map(String).join(', ')}`;
  const value = typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[discriminator] : undefined;
  if (value === undefined) return `is required; ${expected}`;
  // The variable it came from may be named; its value, like any value, is not shown.
  const shown = origin ? ` (the value of ${origin.variables.map((name) => `\${${name}}`).join(', ')})` : '';
  return `unknown ${discriminatorNoun(path, discriminator)}${shown}; ${expected}`;
}

function discriminatorNoun(path: KeyPath, discriminator: string): string {
  // The path ends with the discriminator; the owner is the last key before it, singular
  // when the owner is an item of a list (`sources[0]` is a source).
  const owner = path.slice(0, -1);
  const last = owner.at(-1);
  if (typeof last === 'string') return `${last} ${discriminator}`;
  const list = owner.at(-2);
  if (typeof last === 'number' && typeof list === 'string') return `${singular(list)} ${discriminator}`;
  return discriminator;
}

function singular(word: string): string {
  return word.endsWith('s') && !word.endsWith('ss') && word.length > 1 ? word.slice(0, -1) : word;
}

function tooSmall(origin: string, minimum: number | bigint, inclusive: boolean | undefined): string {
  const min = Number(minimum);
  switch (origin) {
    case 'string':
      return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
    case 'array':
    case 'set':
      return min <= 1 ? 'must not be empty' : `must have at least ${min} items`;
    default:
      return inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
  }
}

function tooBig(origin: string, maximum: number | bigint, inclusive: boolean | undefined): string {
  const max = Number(maximum);
  switch (origin) {
    case 'string':
      return `must be at most ${max} characters long`;
    case 'array':
    case 'set':
      return `must have at most ${max} items`;
    default:
      return inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
  }
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'one of the allowed values';
  return `one of ${items.join(', ')}`;
}

/** The keys a strict object allows, read from the schema that raised the issue. */
function objectKeys(inst: RawIssue['inst']): string[] {
  const shape: unknown = inst && '_zod' in inst ? (inst._zod.def as { shape?: unknown }).shape : undefined;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
}

/**
 * The line for one unknown key. A near miss of an allowed key is quoted with the key meant
 * (`unknown key "endpiont"; did you mean "endpoint"?`): it is a key name, give or take two
 * letters. Anything else is not quoted, since a key's text may be a value that lost its colon
 * or its quotes (`{ password hunter2 }` is one key in YAML); the allowed keys are listed.
 */
function unknownKey(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'an unknown key';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A typo is a couple of edits away; anything further is a different word, or not a word.
  if (best !== undefined && bestDistance <= Math.max(1, Math.min(2, Math.floor(best.length / 3)))) {
    return `unknown key ${JSON.stringify(key)}; did you mean "${best}"?`;
  }
  return `an unknown key (not shown: it may be a misplaced value); allowed here: ${allowed.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  // Damerau (optimal string alignment), so a swapped pair such as "endpiont" counts as one.
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}
