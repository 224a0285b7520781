import { huaweiCloudEmulator } from '../huawei-iam/iam.starter.js';
import type { EmulatorStarter } from '../shared/emulator.starter.js';
import { startHssEmulator, type HssEmulatorHandle, type HssEmulatorOptions } from './hss.emulator.js';

export type HssStarterOptions = Omit<HssEmulatorOptions, 'host' | 'port' | 'seed' | 'now' | 'scale' | 'account' | 'tokens'>;

/** In a set, it joins the shared Huawei account and accepts its IAM's tokens. */
export const hssEmulator: EmulatorStarter<'hss', HssEmulatorHandle, HssStarterOptions> = {
  key: 'hss',
  port: 4102,
  async start(env, options = {}) {
    const iam = await env.use(huaweiCloudEmulator);
    return startHssEmulator({
      host: env.host,
      port: env.portOf('hss'),
      seed: env.seed,
      now: env.now,
      scale: env.scale,
      account: iam.account,
      tokens: iam.tokens,
      ...options,
    });
  },
};
