/**
 * `npm run emulators`: the vendor emulators alone, on fixed loopback ports with the demo
 * credentials, for poking at them with curl or pointing a local eventgraph config at them.
 * Options: --seed N, --scale X (data volume), both optional.
 */
import { DEMO_CREDENTIALS, EMULATOR_PORTS, startEmulators } from './demo.emulators.js';

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
  ports: { ...EMULATOR_PORTS },
  ...(seed !== undefined ? { seed } : {}),
  ...(scale !== undefined ? { scale } : {}),
});

console.log('eventgraph emulators (loopback only):');
for (const emulator of emulators.list()) console.log(`  ${emulator.name.padEnd(18)} ${emulator.url}`);
console.log('');
console.log('Huawei Cloud demo credentials (IAM token or AK/SK SDK-HMAC-SHA256):');
for (const [key, value] of Object.entries(DEMO_CREDENTIALS.huawei)) console.log(`  ${key.padEnd(10)} ${value}`);
console.log('');
console.log('Tencent Cloud CCR demo credentials (legacy API 2.0, HmacSHA256 or HmacSHA1):');
for (const [key, value] of Object.entries(DEMO_CREDENTIALS.tencent)) console.log(`  ${key.padEnd(10)} ${value}`);
console.log(`  repositories: ${emulators.tencentCcr.repositories().join(', ')}`);
console.log('');
console.log('BlueKing bk-repo demo credentials (Basic user:password or user:token; Platform accessKey:secretKey + X-BKREPO-UID):');
for (const [key, value] of Object.entries(DEMO_CREDENTIALS.bkrepo)) console.log(`  ${key.padEnd(13)} ${value}`);
console.log(`bk-repo projects and repositories: ${Object.entries(emulators.bkrepo.projects).map(([p, repos]) => `${p} (${repos.join(', ')})`).join('; ')}`);
console.log('');
console.log(`ModelArts data anchored at ${new Date(emulators.modelarts.now).toISOString()}; services:`);
for (const s of emulators.modelarts.summaries()) {
  console.log(`  ${s.service_id}  ${s.service_name.padEnd(26)} ${s.status.padEnd(11)} ${String(s.event_count).padStart(5)} events  workspace ${s.workspace_id}`);
}
console.log(`HSS container-image logs: ${emulators.hss.events().length} records (the seed 001 example included); same Huawei account and project`);
console.log(`CSMS notification records: ${emulators.csms.served().length} served (the seed 002 example of 2020 included; the retention knob is off)`);
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
