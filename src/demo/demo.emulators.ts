import { DEMO_HUAWEI_ACCOUNT, huaweiAccount, type HuaweiAccessKeyPair, type HuaweiIamUser } from '../emulators/huawei/huawei-account.js';
import { startIamEmulator, type IamEmulatorHandle } from '../emulators/huawei-iam/iam.emulator.js';
import type { ModelArtsDataset } from '../emulators/huawei-modelarts/modelarts.dataset.js';
import {
  startModelArtsEmulator,
  type ModelArtsEmulatorHandle,
  type ModelArtsKnobs,
} from '../emulators/huawei-modelarts/modelarts.emulator.js';
import type { EmulatorHandle } from '../emulators/shared/emulator.handle.js';
import type { TencentCcrDataset } from '../emulators/tencent-ccr/tencent-ccr.dataset.js';
import {
  DEMO_TENCENT_KEYS,
  startTencentCcrEmulator,
  type TencentCcrEmulatorHandle,
  type TencentCcrKnobs,
  type TencentKeyPair,
} from '../emulators/tencent-ccr/tencent-ccr.emulator.js';
import { startHssEmulator, type HssEmulatorHandle, type HssKnobs } from '../emulators/huawei-hss/hss.emulator.js';
import { startCsmsEmulator, type CsmsEmulatorHandle, type CsmsKnobs } from '../emulators/huawei-csms/csms.emulator.js';
import { DEMO_BKREPO_ACCOUNTS } from '../emulators/bkrepo/bkrepo.accounts.js';
import type { BkRepoDataset } from '../emulators/bkrepo/bkrepo.dataset.js';
import { startBkRepoEmulator, type BkRepoEmulatorHandle, type BkRepoKnobs } from '../emulators/bkrepo/bkrepo.emulator.js';

/**
 * Starts the vendor emulators in-process, for demo mode, `npm run emulators` and every
 * integration test. They share one Huawei account: a token from the IAM emulator is
 * accepted by the ModelArts, HSS and CSMS emulators, and so is a request signed with any of
 * its AK/SKs.
 */

export type { EmulatorHandle } from '../emulators/shared/emulator.handle.js';
export type { IamEmulatorHandle, IamKnobs } from '../emulators/huawei-iam/iam.emulator.js';
export type { ModelArtsEmulatorHandle, ModelArtsKnobs } from '../emulators/huawei-modelarts/modelarts.emulator.js';
export type { HssEmulatorHandle, HssKnobs } from '../emulators/huawei-hss/hss.emulator.js';
export type { CsmsEmulatorHandle, CsmsKnobs } from '../emulators/huawei-csms/csms.emulator.js';
export type { FaultKnobs } from '../emulators/shared/emulator.knobs.js';
export type { TencentCcrEmulatorHandle, TencentCcrKnobs } from '../emulators/tencent-ccr/tencent-ccr.emulator.js';
export type { BkRepoEmulatorHandle, BkRepoKnobs } from '../emulators/bkrepo/bkrepo.emulator.js';
export type { RequestCounts, RequestLogEntry } from '../emulators/shared/request.log.js';

/**
 * Fixed ports of `npm run emulators`, one per emulator, as the README lists them.
 */
export const EMULATOR_PORTS = { modelarts: 4104, iam: 4110, tencentCcr: 4101, hss: 4102, csms: 4103, bkrepo: 4105 } as const;

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
  /** Tencent Cloud CCR: a permanent key pair; the emulator also knows a temporary one (with a Token). */
  tencent: {
    region: 'ap-guangzhou',
    secretId: DEMO_TENCENT_KEYS[0]!.secretId,
    secretKey: DEMO_TENCENT_KEYS[0]!.secretKey,
  },
  /** bk-repo: demo-user may MANAGE project `test`; admin may read every project; guest none. */
  bkrepo: {
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
  },
} as const;

export interface StartEmulatorsOptions {
  /** Default 127.0.0.1. Control routes are unauthenticated: keep it on loopback. */
  host?: string;
  /** Default 0 = ephemeral, for each. */
  ports?: { iam?: number; modelarts?: number; tencentCcr?: number; hss?: number; csms?: number; bkrepo?: number };
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
  tencentCcr?: {
    dataset?: TencentCcrDataset;
    /** Added to the demo key pairs. */
    keys?: TencentKeyPair[];
    /** Server clock for the Timestamp check. */
    clock?: () => number;
    maxClockSkewMs?: number;
    knobs?: Partial<TencentCcrKnobs>;
  };
  hss?: { clock?: () => number; maxClockSkewMs?: number; knobs?: Partial<HssKnobs> };
  csms?: { clock?: () => number; maxClockSkewMs?: number; knobs?: Partial<CsmsKnobs> };
  bkrepo?: {
    dataset?: BkRepoDataset;
    /** Server clock: the 3-month default window and the zone's current offset. */
    clock?: () => number;
    knobs?: Partial<BkRepoKnobs>;
  };
}

export interface RunningEmulators {
  iam: IamEmulatorHandle;
  modelarts: ModelArtsEmulatorHandle;
  tencentCcr: TencentCcrEmulatorHandle;
  hss: HssEmulatorHandle;
  csms: CsmsEmulatorHandle;
  bkrepo: BkRepoEmulatorHandle;
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
    const tencentCcr = await startTencentCcrEmulator({
      host,
      port: options.ports?.tencentCcr ?? 0,
      seed,
      now,
      scale: options.scale ?? 1,
      ...(options.tencentCcr?.dataset ? { dataset: options.tencentCcr.dataset } : {}),
      ...(options.tencentCcr?.keys ? { keys: options.tencentCcr.keys } : {}),
      ...(options.tencentCcr?.clock ? { clock: options.tencentCcr.clock } : {}),
      ...(options.tencentCcr?.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.tencentCcr.maxClockSkewMs } : {}),
      ...(options.tencentCcr?.knobs ? { knobs: options.tencentCcr.knobs } : {}),
    });
    started.push(tencentCcr);
    // HSS and CSMS share the account and the IAM token store with ModelArts.
    const hss = await startHssEmulator({
      host,
      port: options.ports?.hss ?? 0,
      account,
      tokens: iam.tokens,
      seed,
      now,
      scale: options.scale ?? 1,
      ...(options.hss?.clock ? { clock: options.hss.clock } : {}),
      ...(options.hss?.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.hss.maxClockSkewMs } : {}),
      ...(options.hss?.knobs ? { knobs: options.hss.knobs } : {}),
    });
    started.push(hss);
    const csms = await startCsmsEmulator({
      host,
      port: options.ports?.csms ?? 0,
      account,
      tokens: iam.tokens,
      seed,
      now,
      scale: options.scale ?? 1,
      ...(options.csms?.clock ? { clock: options.csms.clock } : {}),
      ...(options.csms?.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.csms.maxClockSkewMs } : {}),
      ...(options.csms?.knobs ? { knobs: options.csms.knobs } : {}),
    });
    started.push(csms);
    const bkrepo = await startBkRepoEmulator({
      host,
      port: options.ports?.bkrepo ?? 0,
      seed,
      now,
      scale: options.scale ?? 1,
      ...(options.bkrepo?.dataset ? { dataset: options.bkrepo.dataset } : {}),
      ...(options.bkrepo?.clock ? { clock: options.bkrepo.clock } : {}),
      ...(options.bkrepo?.knobs ? { knobs: options.bkrepo.knobs } : {}),
    });
    started.push(bkrepo);

    let closing: Promise<void> | undefined;
    return {
      iam,
      modelarts,
      tencentCcr,
      hss,
      csms,
      bkrepo,
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
