import type { EmulatorHandle } from '../emulators/common/emulator.handle.js';
import type { AnyEmulatorStarter, EmulatorEnv, HandleOf, OptionsOf } from '../emulators/common/emulator.starter.js';
import type { AnyVendorModule } from '../vendors/vendor-module.js';
import { VENDORS } from '../vendors/vendors.js';

/**
 * Starts the emulator of every vendor module of a list, in-process, for demo mode,
 * `npm run emulators`, every integration test and the benchmark. Emulators that several
 * modules use (the Huawei IAM and account) are started once and shared.
 */

type StarterOfModule<V> = V extends AnyVendorModule ? V['emulator']['starter'] : never;
type SharedOfModule<V> = V extends AnyVendorModule ? NonNullable<V['emulator']['uses']>[number] : never;
type StartersOf<L extends readonly AnyVendorModule[]> = StarterOfModule<L[number]> | SharedOfModule<L[number]>;

/** Every emulator of the list by its key (`emulators.tencentCcr`, `emulators.iam`), and the set's controls. */
export type RunningEmulators<L extends readonly AnyVendorModule[] = typeof VENDORS> = {
  readonly [S in StartersOf<L> as S['key']]: HandleOf<S>;
} & {
  /** In the order they started. */
  list(): EmulatorHandle[];
  /** Closes every emulator; safe to call more than once. */
  close(): Promise<void>;
};

export type StartEmulatorsOptions<L extends readonly AnyVendorModule[] = typeof VENDORS> = {
  /** Default 127.0.0.1. Control routes are unauthenticated: keep it on loopback. */
  host?: string;
  /** Default 0 = ephemeral, for each; `npm run emulators` gives each its fixed port. */
  ports?: { [S in StartersOf<L> as S['key']]?: number };
  /** Seeds generated data and fault draws. Default 1. */
  seed?: number;
  /** Anchor time of generated data, epoch ms. Default: the start time floored to the minute. */
  now?: number;
  /** Multiplies the amount of generated data, for benchmarks. Default 1. */
  scale?: number;
} & { [S in StartersOf<L> as S['key']]?: OptionsOf<S> };

export async function startEmulators<L extends readonly AnyVendorModule[] = typeof VENDORS>(
  options: StartEmulatorsOptions<L> = {},
  vendors: L = VENDORS as unknown as L,
): Promise<RunningEmulators<L>> {
  const optionsOf = options as Record<string, unknown>;
  const ports = (options.ports ?? {}) as Record<string, number | undefined>;
  const running = new Map<string, Promise<EmulatorHandle>>();
  const started: EmulatorHandle[] = [];
  const start = (starter: AnyEmulatorStarter): Promise<EmulatorHandle> => {
    let handle = running.get(starter.key);
    if (!handle) {
      handle = starter.start(env, optionsOf[starter.key]);
      running.set(starter.key, handle);
      void handle.then((h) => started.push(h), () => undefined);
    }
    return handle;
  };
  const env: EmulatorEnv = {
    host: options.host ?? '127.0.0.1',
    seed: options.seed ?? 1,
    now: options.now ?? Math.floor(Date.now() / 60_000) * 60_000,
    scale: options.scale ?? 1,
    portOf: (key) => ports[key] ?? 0,
    use: (shared) => start(shared) as Promise<HandleOf<typeof shared>>,
  };
  const close = () => Promise.all(started.map((emulator) => emulator.close())).then(() => undefined);

  const handles: Record<string, EmulatorHandle> = {};
  try {
    // One at a time, so that ports and the order of `list()` do not depend on timing.
    for (const module of vendors) {
      for (const shared of module.emulator.uses ?? []) handles[shared.key] = await start(shared);
      handles[module.emulator.starter.key] = await start(module.emulator.starter);
    }
  } catch (error) {
    await Promise.allSettled(started.map((emulator) => emulator.close()));
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...handles,
    list: () => [...started],
    close: () => (closing ??= close()),
  } as unknown as RunningEmulators<L>;
}

/** Each emulator's fixed port under `npm run emulators`, shared emulators included. */
export function fixedPorts<L extends readonly AnyVendorModule[]>(vendors: L): NonNullable<StartEmulatorsOptions<L>['ports']> {
  const starters = vendors.flatMap((module) => [module.emulator.starter, ...(module.emulator.uses ?? [])]);
  return Object.fromEntries(starters.map((starter) => [starter.key, starter.port])) as NonNullable<StartEmulatorsOptions<L>['ports']>;
}
