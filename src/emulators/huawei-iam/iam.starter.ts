import { DEMO_HUAWEI_ACCOUNT, huaweiAccount, type HuaweiAccessKeyPair, type HuaweiIamUser } from '../huawei/huawei-account.js';
import type { EmulatorStarter } from '../common/emulator.starter.js';
import { startIamEmulator, type IamEmulatorHandle, type IamEmulatorOptions } from './iam.emulator.js';

export interface HuaweiCloudEmulatorOptions extends Pick<IamEmulatorOptions, 'tokenLifetimeMs' | 'now'> {
  /** Added to the demo account's (whose credentials keep working). */
  accessKeys?: HuaweiAccessKeyPair[];
  users?: HuaweiIamUser[];
}

/**
 * The Huawei Cloud account and its IAM, shared by the ModelArts, HSS and CSMS emulators: a
 * token from this IAM is accepted by each of them, and so is a request signed with any of
 * the account's AK/SKs. Started once, by whichever of them starts first.
 */
export const huaweiCloudEmulator: EmulatorStarter<'iam', IamEmulatorHandle, HuaweiCloudEmulatorOptions> = {
  key: 'iam',
  port: 4110,
  start: (env, options = {}) =>
    startIamEmulator({
      host: env.host,
      port: env.portOf('iam'),
      seed: env.seed,
      account: huaweiAccount({
        ...(options.accessKeys ? { accessKeys: options.accessKeys } : {}),
        ...(options.users ? { users: options.users } : {}),
      }),
      ...(options.tokenLifetimeMs !== undefined ? { tokenLifetimeMs: options.tokenLifetimeMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
};

/** What the Huawei emulators accept by default. Not secrets: they open nothing but the emulators. */
export const HUAWEI_DEMO_CREDENTIALS = {
  projectId: DEMO_HUAWEI_ACCOUNT.projectId,
  region: 'cn-north-4',
  accessKey: DEMO_HUAWEI_ACCOUNT.accessKeys[0]!.accessKey,
  secretKey: DEMO_HUAWEI_ACCOUNT.accessKeys[0]!.secretKey,
  domain: DEMO_HUAWEI_ACCOUNT.domainName,
  user: DEMO_HUAWEI_ACCOUNT.users[0]!.name,
  password: DEMO_HUAWEI_ACCOUNT.users[0]!.password,
} as const;
