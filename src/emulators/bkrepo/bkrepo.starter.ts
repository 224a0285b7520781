import { DEMO_BKREPO_ACCOUNTS } from './bkrepo.accounts.js';
import type { EmulatorStarter } from '../common/emulator.starter.js';
import { startBkRepoEmulator, type BkRepoEmulatorHandle, type BkRepoEmulatorOptions } from './bkrepo.emulator.js';

export type BkRepoStarterOptions = Omit<BkRepoEmulatorOptions, 'host' | 'port' | 'seed' | 'now' | 'scale'>;

export const bkrepoEmulator: EmulatorStarter<'bkrepo', BkRepoEmulatorHandle, BkRepoStarterOptions> = {
  key: 'bkrepo',
  port: 4105,
  start: (env, options = {}) =>
    startBkRepoEmulator({ host: env.host, port: env.portOf('bkrepo'), seed: env.seed, now: env.now, scale: env.scale, ...options }),
};

/** demo-user may MANAGE project `test`; admin may read every project; guest none. Not secrets. */
export const BKREPO_DEMO_CREDENTIALS = {
  projectId: 'test',
  user: DEMO_BKREPO_ACCOUNTS.users[1]!.userId,
  password: DEMO_BKREPO_ACCOUNTS.users[1]!.password,
  token: DEMO_BKREPO_ACCOUNTS.users[1]!.tokens[0]!,
  adminUser: DEMO_BKREPO_ACCOUNTS.users[0]!.userId,
  adminPassword: DEMO_BKREPO_ACCOUNTS.users[0]!.password,
  guestUser: DEMO_BKREPO_ACCOUNTS.users[2]!.userId,
  guestPassword: DEMO_BKREPO_ACCOUNTS.users[2]!.password,
  accessKey: DEMO_BKREPO_ACCOUNTS.platforms[0]!.accessKey,
  secretKey: DEMO_BKREPO_ACCOUNTS.platforms[0]!.secretKey,
} as const;
