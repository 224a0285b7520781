import type { EmulatorStarter } from '../common/emulator.starter.js';
import { DEMO_TENCENT_KEYS, startTencentCcrEmulator, type TencentCcrEmulatorHandle, type TencentCcrEmulatorOptions } from './tencent-ccr.emulator.js';

export type TencentCcrStarterOptions = Omit<TencentCcrEmulatorOptions, 'host' | 'port' | 'seed' | 'now' | 'scale'>;

export const tencentCcrEmulator: EmulatorStarter<'tencentCcr', TencentCcrEmulatorHandle, TencentCcrStarterOptions> = {
  key: 'tencentCcr',
  port: 4101,
  start: (env, options = {}) =>
    startTencentCcrEmulator({ host: env.host, port: env.portOf('tencentCcr'), seed: env.seed, now: env.now, scale: env.scale, ...options }),
};

/** A permanent key pair the emulator accepts (it also knows a temporary one, with a Token). Not secrets. */
export const TENCENT_CCR_DEMO_CREDENTIALS = {
  region: 'ap-guangzhou',
  secretId: DEMO_TENCENT_KEYS[0]!.secretId,
  secretKey: DEMO_TENCENT_KEYS[0]!.secretKey,
} as const;
