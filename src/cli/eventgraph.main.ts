/**
 * `npx eventgraph COMMAND`: the command-line client of a running server. One command so far,
 * `export` (export/export-command.ts); `npm run hash-key` makes API keys.
 */
import { EXPORT_USAGE, runExport } from './export/export-command.js';

const USAGE = `usage: eventgraph export [options]   (eventgraph export --help for the options)`;

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'export') {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`${EXPORT_USAGE}\n`);
      return 0;
    }
    return runExport(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  }
  process.stderr.write(command === undefined || command === '--help' ? `${USAGE}\n` : `eventgraph: unknown command "${command}"\n${USAGE}\n`);
  return command === '--help' ? 0 : 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
