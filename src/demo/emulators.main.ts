/**
 * `npm run emulators`: the vendor emulators alone, on fixed loopback ports with the demo
 * credentials, for poking at them with curl or pointing a local eventgraph config at them.
 * Options: --seed N, --scale X (data volume), both optional.
 */
import type { DemoCredentials } from '../vendors/vendor-module.js';
import { VENDORS } from '../vendors/vendors.js';
import { fixedPorts, startEmulators } from './demo.emulators.js';

function numberArg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) {
    console.error(`--${name} needs a number`);
    process.exit(2);
  }
  return value;
}

const seed = numberArg('seed');
const scale = numberArg('scale');
const emulators = await startEmulators({
  ports: fixedPorts(VENDORS),
  ...(seed !== undefined ? { seed } : {}),
  ...(scale !== undefined ? { scale } : {}),
});
const handles = emulators as unknown as Record<string, unknown>;

console.log('eventgraph emulators (loopback only):');
for (const emulator of emulators.list()) console.log(`  ${emulator.name.padEnd(18)} ${emulator.url}`);
const printed = new Set<DemoCredentials>();
for (const module of VENDORS) {
  console.log('');
  console.log(`${module.title} (${module.docs}):`);
  const { credentials } = module.emulator;
  if (!printed.has(credentials)) {
    printed.add(credentials);
    console.log(`  demo credentials, ${credentials.title}:`);
    for (const [key, value] of Object.entries(credentials.values)) console.log(`    ${key.padEnd(13)} ${value}`);
  } else {
    console.log(`  demo credentials: as above (${credentials.title})`);
  }
  for (const line of module.emulator.describe(handles[module.emulator.starter.key] as never)) console.log(`  ${line}`);
}
console.log('');
console.log('Test control (no auth): GET/PUT/DELETE /__emulator/knobs, GET/DELETE /__emulator/requests, POST /__emulator/reset');

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing emulators`);
  emulators.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
