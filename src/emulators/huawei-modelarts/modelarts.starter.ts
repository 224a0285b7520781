import { huaweiCloudEmulator } from '../huawei-iam/iam.starter.js';
import type { EmulatorStarter } from '../shared/emulator.starter.js';
import { startModelArtsEmulator, type ModelArtsEmulatorHandle, type ModelArtsEmulatorOptions } from './modelarts.emulator.js';

export type ModelArtsStarterOptions = Omit<ModelArtsEmulatorOptions, 'host' | 'port' | 'seed' | 'now' | 'scale' | 'account' | 'tokens'>;

/** In a set, it joins the shared Huawei account and accepts its IAM's tokens. */
export const modelartsEmulator: EmulatorStarter<'modelarts', ModelArtsEmulatorHandle, ModelArtsStarterOptions> = {
  key: 'modelarts',
  port: 4104,
  async start(env, options = {}) {
    const iam = await env.use(huaweiCloudEmulator);
    return startModelArtsEmulator({
      host: env.host,
      port: env.portOf('modelarts'),
      seed: env.seed,
      now: env.now,
      scale: env.scale,
      account: iam.account,
      tokens: iam.tokens,
      ...options,
    });
  },
};
