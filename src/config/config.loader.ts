import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Config, ConfigSchema, SourceSchema } from './config.schema.js';
import { ConfigError, type ConfigProblem, type KeyPath, pathKey } from './config.error.js';
import { type InterpolatedValue, interpolateEnv } from './config.interpolate.js';
import { createIssueFormatter } from './config.issues.js';

export { ConfigError, formatKeyPath, type ConfigProblem, type KeyPath } from './config.error.js';

/** Where the configuration file is named when not on the command line. */
export const CONFIG_ENV_VAR = 'EVENTGRAPH_CONFIG';

/**
 * The configuration file to load: `--config FILE` or `--config=FILE` (the last one wins,
 * so a wrapper script's default can be overridden), else `$EVENTGRAPH_CONFIG`, else
 * undefined, which means demo mode. An empty `EVENTGRAPH_CONFIG` counts as unset, as
 * `EVENTGRAPH_CONFIG= npm start` is how one switches it off for a single run.
 *
 * Accepts `process.argv` whole or sliced; arguments after `--` are not options.
 */
export function resolveConfigPath(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  let fromArgs: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--') break;
    let value: string | undefined;
    if (arg === '--config') {
      value = argv[index + 1];
      // `--config --port 80` is a forgotten file name, not a file called "--port".
      if (value?.startsWith('-')) value = undefined;
      else index += 1;
    } else if (arg?.startsWith('--config=')) {
      value = arg.slice('--config='.length);
    } else {
      continue;
    }
    if (value === undefined || value === '') {
      throw new ConfigError('command line', [{ message: '--config needs a file name: --config FILE or --config=FILE' }]);
    }
    fromArgs = value;
  }
  if (fromArgs !== undefined) return fromArgs;
  const fromEnv = env[CONFIG_ENV_VAR];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * Reads, parses, interpolates and validates one configuration file against `schema` (a vendor
 * registry's `configSchema`). Every failure is a
 * ConfigError naming the file; see parseConfig for what happens after parsing.
 */
export async function loadConfigFile<S extends SourceSchema>(
  path: string,
  schema: ConfigSchema<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Config<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ message: `cannot read the file: ${osReason(error)}` }]);
  }
  // Editors on Windows may save a byte-order mark; JSON.parse would reject it.
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const doc = extname(path).toLowerCase() === '.json' ? parseJson(text, path) : parseYaml(text, path);
  if (doc === null || doc === undefined) {
    throw new ConfigError(path, [{ message: 'the file holds no configuration (it is empty or only comments)' }]);
  }
  return parseConfig(doc, path, schema, env);
}

/**
 * Interpolates `${ENV}` placeholders in an already-parsed document and validates it.
 * Demo mode builds its document in code and comes through here too, so it meets exactly
 * the rules a file does. The document is not modified.
 *
 * Numbers from the environment: YAML and JSON numbers stay numbers, and interpolation
 * always yields strings. Where the schema wants a number or boolean and the string was
 * nothing but one placeholder (`port: ${PORT}`), the variable's value is read as one,
 * strictly (`8080`, `-1.5`, `true`; not `0x1F`, ` 80`, `yes`). A placeholder inside other
 * text, or a quoted literal such as `port: "8080"` in the file, is not coerced: the file
 * author chose a string there. We do this per field, guided by the schema's own
 * complaints, instead of `z.coerce` so that a secret that happens to look like a number
 * stays a string.
 */
export function parseConfig<S extends SourceSchema>(
  doc: unknown,
  file: string,
  schema: ConfigSchema<S>,
  env: NodeJS.ProcessEnv = process.env,
): Config<S> {
  const { value, problems: interpolationProblems, interpolated } = interpolateEnv(doc, env);
  // Those paths already have a better message ("HUAWEI_SK is not set") than whatever the
  // schema says about the placeholder text left standing in their place.
  const reported = new Set(interpolationProblems.map((problem) => pathKey(problem.path ?? [])));

  for (;;) {
    const formatter = createIssueFormatter({ interpolated });
    const result = schema.safeParse(value, { error: formatter.errorMap });
    if (result.success) {
      if (interpolationProblems.length > 0) throw new ConfigError(file, interpolationProblems);
      return result.data;
    }
    if (coerceFromEnv(value, result.error.issues, interpolated)) continue;

    const schemaProblems = formatter
      .toProblems(result.error.issues)
      .filter((problem) => !reported.has(pathKey(problem.path ?? [])));
    // A placeholder under a key the schema does not know is that key's problem, which the
    // schema reports (without quoting the key); the path of the placeholder would quote it.
    const unknown = unknownKeyPaths(result.error.issues);
    const placed = interpolationProblems.filter((problem) => !unknown.some((prefix) => startsWith(problem.path ?? [], prefix)));
    throw new ConfigError(file, [...placed, ...schemaProblems]);
  }
}

/**
 * Rewrites whole-placeholder strings the schema rejected for not being a number or
 * boolean. Returns whether anything changed, so the caller validates again; each pass
 * turns at least one string into a non-string, so the loop ends.
 */
function coerceFromEnv(
  doc: unknown,
  issues: readonly { code: string; path: PropertyKey[]; expected?: unknown }[],
  interpolated: ReadonlyMap<string, InterpolatedValue>,
): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type') continue;
    const path = issue.path as KeyPath;
    if (interpolated.get(pathKey(path))?.whole === undefined) continue;
    const parent = getAt(doc, path.slice(0, -1));
    const key = path.at(-1);
    if (key === undefined || typeof parent !== 'object' || parent === null) continue;
    const container = parent as Record<string | number, unknown>;
    const current = container[key];
    if (typeof current !== 'string') continue;
    const coerced = coerce(current, issue.expected);
    if (coerced === undefined) continue;
    container[key] = coerced;
    changed = true;
  }
  return changed;
}

function unknownKeyPaths(issues: readonly { code: string; path: PropertyKey[]; keys?: readonly string[] }[]): KeyPath[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? (issue.keys ?? []).map((key) => [...(issue.path as KeyPath), key]) : [],
  );
}

function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

const numberLiteral = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function coerce(text: string, expected: unknown): number | boolean | undefined {
  if ((expected === 'number' || expected === 'int') && numberLiteral.test(text)) return Number(text);
  if (expected === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return undefined;
}

function getAt(doc: unknown, path: KeyPath): unknown {
  let node = doc;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function parseYaml(text: string, file: string): unknown {
  // YAML 1.2 core schema (the library default): `yes`, `no`, `on` stay strings, and
  // duplicate keys are errors rather than last-one-wins.
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error): ConfigProblem => {
        const position = error.linePos?.[0];
        return { line: position?.line, column: position?.col, message: `YAML syntax error: ${yamlReason(error.code, error.message)}` };
      }),
    );
  }
  return doc.toJS();
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 reports an offset for most errors ("... in JSON at position 13"), the end for a
    // truncated file, and for some tokens only an excerpt of the input. We keep the position
    // and a reason that quotes nothing of the file (see jsonReason).
    const offsetMatch = /at position (\d+)/.exec(message);
    const offset = offsetMatch?.[1] !== undefined ? Number(offsetMatch[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const reason = jsonReason(message);
    const { line, column } = offset === undefined ? { line: undefined, column: undefined } : lineAndColumn(text, offset);
    throw new ConfigError(file, [{ line, column, message: `JSON syntax error: ${reason}` }]);
  }
}

/**
 * V8's reason without any of the input it quotes: an excerpt (`, "…" is not valid JSON`,
 * `..."…"...` for a long file) or the offending token (`Unexpected token 'x'`) may be part of
 * a secret. Whatever V8 says that we do not recognise becomes a plain "not valid JSON".
 */
function jsonReason(message: string): string {
  const reason = message.replace(/ in JSON at position \d+[\s\S]*$/, '').replace(/,\s*(\.\.\.)?"[\s\S]*$/, '');
  if (/^Unexpected token\b/.test(reason)) return 'Unexpected token';
  if (/^Unexpected (end of JSON input|non-whitespace character after JSON)$/.test(reason)) return reason;
  if (/^(Unterminated string|Bad control character in string literal|Bad escaped character|Bad Unicode escape|Exponent part is missing a number|Unterminated fractional number|No number after minus sign)$/.test(reason)) return `${reason} in JSON`;
  if (/^Expected (property name or '}'|',' or '}' after property value|',' or ']' after array element|':' after property name|double-quoted property name)$/.test(reason)) return reason;
  return 'not valid JSON';
}

/**
 * The yaml library's reason, for the errors whose messages quote nothing of the file; the
 * others (an escape sequence, a tag, a scalar's first character, extra characters after a
 * block scalar header) quote a piece of a value, so they get a fixed description instead.
 */
function yamlReason(code: string, message: string): string {
  const quoting: Record<string, string> = {
    BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
    BAD_SCALAR_START: 'a plain value cannot start with this character (quote the value)',
    TAG_RESOLVE_FAILED: 'unresolved tag',
    BAD_COLLECTION_TYPE: 'a tag used for the wrong kind of collection',
    BAD_PROP_ORDER: 'anchors and tags must come after the indicator',
    BAD_DIRECTIVE: 'invalid directive',
    UNEXPECTED_TOKEN: 'unexpected token',
  };
  const fixed = quoting[code];
  if (fixed !== undefined) return fixed;
  // prettyErrors appends " at line L, column C:" and a source excerpt; we carry the position
  // ourselves and keep the excerpt out of a one-line-per-problem message.
  const reason = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  // A message of another code that quotes something (a future version's) is cut there.
  return reason.replace(/:\s[\s\S]*$/, '');
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: (before.match(/\n/g)?.length ?? 0) + 1, column: offset - lineStart + 1 };
}

/** "no such file or directory (ENOENT)", from Node's "ENOENT: no such file or directory, open 'x'". */
function osReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const described = /^[A-Z]+: (.*?)(, \w+( '.*')?)?$/s.exec(error.message)?.[1];
  if (described !== undefined && code !== undefined) return `${described} (${code})`;
  return error.message;
}
