/**
 * `npm run hash-key`: see hash-key.ts. Exit 0 with the hash on stdout; exit 2 with the
 * reason on stderr for bad input (which is never repeated back: it may be a key).
 */
import { HASH_KEY_USAGE, runHashKey } from './hash-key.js';

async function readStdin(): Promise<string | undefined> {
  // A terminal means nobody piped a key in: generate one rather than wait for typing,
  // which would leave the key in the terminal's scrollback anyway.
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const result = await runHashKey({ args, stdin: args.includes('--generate') || args.includes('--help') || args.includes('-h') ? undefined : await readStdin() });
  if (result.ok) {
    process.stdout.write(result.output);
    return;
  }
  process.stderr.write(`hash-key: ${result.error}\n${result.usage ? `${HASH_KEY_USAGE}\n` : ''}`);
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
