import { apiKeyProblem, generateApiKey, hashApiKey } from '../server/auth/api-key.js';

/*
 * `npm run hash-key`: prints the scrypt hash of a new API key for `auth.apiKeys`. The
 * configuration holds only the hash; the key itself is printed once, here, and nowhere
 * else keeps it.
 */

export const HASH_KEY_USAGE = `usage: npm run hash-key [-- --name NAME] [-- --generate]
  With nothing on stdin (a terminal), generates a random key and prints it and its hash.
  With a key piped in (e.g. printf %s "$KEY" | npm run hash-key), prints the hash of that key.
  --generate   generate a key even when stdin is not a terminal
  --name NAME  the key's name in the printed configuration snippet`;

export interface HashKeyInput {
  readonly args: readonly string[];
  /** The text piped in, or undefined when stdin is a terminal. */
  readonly stdin: string | undefined;
}

export type HashKeyResult = { readonly ok: true; readonly output: string } | { readonly ok: false; readonly error: string; readonly usage?: boolean };

export async function runHashKey(input: HashKeyInput): Promise<HashKeyResult> {
  const options = parseArgs(input.args);
  if ('error' in options) return { ok: false, error: options.error, usage: true };
  if (options.help) return { ok: true, output: `${HASH_KEY_USAGE}\n` };

  let key: string;
  let generated: boolean;
  if (options.generate || input.stdin === undefined) {
    key = generateApiKey();
    generated = true;
  } else {
    const read = keyFromStdin(input.stdin);
    if ('error' in read) return { ok: false, error: read.error };
    key = read.key;
    generated = false;
  }
  const hash = await hashApiKey(key);
  const lines = [
    ...(generated ? [`key:  ${key}`, '      (shown once: give it to the client now; the configuration keeps only the hash)'] : []),
    `hash: ${hash}`,
    '',
    'In the configuration:',
    'auth:',
    '  apiKeys:',
    `    - name: ${options.name}`,
    // Single-quoted: YAML reads a `$` literally there, and the configuration's `${...}`
    // interpolation never sees one followed by `{` in a hash.
    `      hash: '${hash}'`,
    "      sources: ['*']",
  ];
  return { ok: true, output: `${lines.join('\n')}\n` };
}

type Options = { generate: boolean; help: boolean; name: string } | { error: string };

function parseArgs(args: readonly string[]): Options {
  let generate = false;
  let help = false;
  let name = 'my-client';
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--generate') generate = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--name' || arg.startsWith('--name=')) {
      const value = arg === '--name' ? args[++i] : arg.slice('--name='.length);
      if (value === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/.test(value)) {
        return { error: '--name needs a name of 1-128 letters, digits, "_", ".", "@", ":" or "-"' };
      }
      name = value;
    } else return { error: `unknown argument "${arg.slice(0, 40)}"` };
  }
  return { generate, help, name };
}

/** One key, with at most the line break an `echo` adds; anything else is refused, never echoed. */
function keyFromStdin(text: string): { key: string } | { error: string } {
  const key = text.replace(/\r?\n$/, '');
  if (key === '') return { error: 'stdin was empty: pipe one key in, or pass --generate for a new one' };
  if (/[\r\n]/.test(key)) return { error: 'stdin held more than one line: pipe exactly one key per run' };
  const problem = apiKeyProblem(key);
  return problem ? { error: problem } : { key };
}
