import { DEMO_HUAWEI_ACCOUNT, huaweiAccount, type HuaweiAccessKeyPair, type HuaweiIamUser } from './huawei/huawei-account.js';
import { startIamEmulator, type IamEmulatorHandle } from './huawei-iam/iam.emulator.js';
import type { ModelArtsDataset } from './huawei-modelarts/modelarts.dataset.js';
import {
  startModelArtsEmulator,
  type ModelArtsEmulatorHandle,
  type ModelArtsKnobs,
} from './huawei-modelarts/modelarts.emulator.js';
import type { EmulatorHandle } from './shared/emulator.handle.js';

/**
 * Starts the vendor emulators in-process, for demo mode, `npm run emulators` and every
 * integration test. They share one Huawei account: a token from the IAM emulator is
 * accepted by the ModelArts emulator, and so is a request signed with any of its AK/SKs.
 */

export type { EmulatorHandle } from './shared/emulator.handle.js';
export type { IamEmulatorHandle, IamKnobs } from './huawei-iam/iam.emulator.js';
export type { ModelArtsEmulatorHandle, ModelArtsKnobs } from './huawei-modelarts/modelarts.emulator.js';
export type { FaultKnobs } from './shared/emulator.knobs.js';
export type { RequestCounts, RequestLogEntry } from './shared/request.log.js';

/**
 * Fixed ports of `npm run emulators`. Reserved for the vendors still to come: 4101
 * tencent-ccr, 4102 huawei-hss, 4103 huawei-csms, 4105 bkrepo.
 */
export const EMULATOR_PORTS = { modelarts: 4104, iam: 4110 } as const;

/** What the emulators accept by default. Not secrets: they open nothing but the emulators. */
export const DEMO_CREDENTIALS = {
  huawei: {
    projectId: DEMO_HUAWEI_ACCOUNT.projectId,
    region: 'cn-north-4',
    accessKey: DEMO_HUAWEI_ACCOUNT.accessKeys[0]!.accessKey,
    secretKey: DEMO_HUAWEI_ACCOUNT.accessKeys[0]!.secretKey,
    domain: DEMO_HUAWEI_ACCOUNT.domainName,
    user: DEMO_HUAWEI_ACCOUNT.users[0]!.name,
    password: DEMO_HUAWEI_ACCOUNT.users[0]!.password,
  },
} as const;

export interface StartEmulatorsOptions {
  /** Default 127.0.0.1. Control routes are unauthenticated: keep it on loopback. */
  host?: string;
  /** Default 0 = ephemeral, for each. */
  ports?: { iam?: number; modelarts?: number };
  /** Seeds generated data and fault draws. Default 1. */
  seed?: number;
  /** Anchor time of generated data, epoch ms. Default: the start time floored to the minute. */
  now?: number;
  /** Multiplies the amount of generated data, for benchmarks. Default 1. */
  scale?: number;
  /** Added to the demo account (whose credentials keep working). */
  huawei?: { accessKeys?: HuaweiAccessKeyPair[]; users?: HuaweiIamUser[] };
  iam?: { tokenLifetimeMs?: number; now?: () => number };
  modelarts?: {
    dataset?: ModelArtsDataset;
    /** Gateway clock for the X-Sdk-Date check. */
    clock?: () => number;
    maxClockSkewMs?: number;
    knobs?: Partial<ModelArtsKnobs>;
  };
}

export interface RunningEmulators {
  iam: IamEmulatorHandle;
  modelarts: ModelArtsEmulatorHandle;
  list(): EmulatorHandle[];
  /** Closes every emulator; safe to call more than once. */
  close(): Promise<void>;
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  const now = options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const account = huaweiAccount({
    ...(options.huawei?.accessKeys ? { accessKeys: options.huawei.accessKeys } : {}),
    ...(options.huawei?.users ? { users: options.huawei.users } : {}),
  });

  const started: EmulatorHandle[] = [];
  try {
    const iam = await startIamEmulator({
      host,
      port: options.ports?.iam ?? 0,
      account,
      seed,
      ...(options.iam?.tokenLifetimeMs !== undefined ? { tokenLifetimeMs: options.iam.tokenLifetimeMs } : {}),
      ...(options.iam?.now ? { now: options.iam.now } : {}),
    });
    started.push(iam);
    const modelarts = await startModelArtsEmulator({
      host,
      port: options.ports?.modelarts ?? 0,
      account,
      tokens: iam.tokens,
      seed,
      now,
      scale: options.scale ?? 1,
      ...(options.modelarts?.dataset ? { dataset: options.modelarts.dataset } : {}),
      ...(options.modelarts?.clock ? { clock: options.modelarts.clock } : {}),
      ...(options.modelarts?.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.modelarts.maxClockSkewMs } : {}),
      ...(options.modelarts?.knobs ? { knobs: options.modelarts.knobs } : {}),
    });
    started.push(modelarts);

    let closing: Promise<void> | undefined;
    return {
      iam,
      modelarts,
      list: () => [...started],
      close() {
        closing ??= Promise.all(started.map((e) => e.close())).then(() => undefined);
        return closing;
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((e) => e.close()));
    throw error;
  }
}
