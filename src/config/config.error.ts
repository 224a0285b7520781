/** A position in the configuration document: object keys and array indexes. */
export type KeyPath = readonly (string | number)[];

/** One thing wrong with a configuration, located as precisely as we can. */
export interface ConfigProblem {
  /** Where in the document; absent when the problem is about the file as a whole. */
  readonly path?: KeyPath | undefined;
  /** 1-based, for syntax errors, where the document has no key path yet. */
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly message: string;
}

/**
 * Everything wrong with one configuration, one line per problem:
 * `eventgraph.yaml: sources[1].endpoint: must be an http(s) URL`.
 *
 * All problems are collected before throwing, because fixing a config one error per restart
 * is the slowest way to learn it. The structured `problems` are kept so callers (and tests)
 * need not parse the message back.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** The file as the user named it, or a label such as "command line". */
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((problem) => formatProblem(file, problem)).join('\n'));
  }
}

export function formatProblem(file: string, problem: ConfigProblem): string {
  // file:line:column is the shape editors and terminals turn into a link.
  const position = problem.line === undefined ? '' : `:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  const path = problem.path && problem.path.length > 0 ? `${formatKeyPath(problem.path)}: ` : '';
  return `${file}${position}: ${path}${problem.message}`;
}

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/**
 * `sources[0].credentials.secretKey`. A key that is no identifier is no key of the schema,
 * and may be a value that lost its colon (`{ password hunter2 }`), so it is not quoted: `[…]`.
 */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (plainKey.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += '[…]';
  }
  return out;
}

/** A Map/Set key for a path; JSON keeps `["a", 0]` and `["a", "0"]` apart. */
export function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}
