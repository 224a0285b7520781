import { huaweiCloudEmulator } from '../huawei-iam/iam.starter.js';
import type { EmulatorStarter } from '../shared/emulator.starter.js';
import { startCsmsEmulator, type CsmsEmulatorHandle, type CsmsEmulatorOptions } from './csms.emulator.js';

export type CsmsStarterOptions = Omit<CsmsEmulatorOptions, 'host' | 'port' | 'seed' | 'now' | 'scale' | 'account' | 'tokens'>;

/** In a set, it joins the shared Huawei account and accepts its IAM's tokens. */
export const csmsEmulator: EmulatorStarter<'csms', CsmsEmulatorHandle, CsmsStarterOptions> = {
  key: 'csms',
  port: 4103,
  async start(env, options = {}) {
    const iam = await env.use(huaweiCloudEmulator);
    return startCsmsEmulator({
      host: env.host,
      port: env.portOf('csms'),
      seed: env.seed,
      now: env.now,
      scale: env.scale,
      account: iam.account,
      tokens: iam.tokens,
      ...options,
    });
  },
};
