import type { EmulatorHandle } from '../common/emulator.handle.js';
import type { EmulatorStarter } from '../common/emulator.starter.js';
import { huaweiCloudEmulator } from './iam.starter.js';

/** What a test may set on a Huawei service emulator in a set: the rest comes from the set. */
export type HuaweiServiceStarterOptions<O> = Omit<O, 'host' | 'port' | 'seed' | 'now' | 'scale' | 'account' | 'tokens'>;

/**
 * The starter of a project-scoped Huawei service emulator (ModelArts, HSS, CSMS): in a set,
 * it joins the shared Huawei account and accepts its IAM's tokens.
 */
export function huaweiServiceStarter<K extends string, H extends EmulatorHandle, O extends object>(
  key: K,
  port: number,
  start: (options?: O) => Promise<H>,
): EmulatorStarter<K, H, HuaweiServiceStarterOptions<O>> {
  return {
    key,
    port,
    async start(env, options) {
      const iam = await env.use(huaweiCloudEmulator);
      const shared = { host: env.host, port: env.portOf(key), seed: env.seed, now: env.now, scale: env.scale, account: iam.account, tokens: iam.tokens };
      return start({ ...shared, ...options } as unknown as O);
    },
  };
}
