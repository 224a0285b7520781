import type { EmulatorHandle } from './emulator.handle.js';

/**
 * How a set of emulators is started together (demo mode, `npm run emulators`, the tests and
 * the benchmark), whatever the vendors: each emulator exports one starter, and whoever
 * starts a set hands every starter the same environment.
 */
export interface EmulatorEnv {
  /** Interface to listen on; loopback unless told otherwise (control routes have no auth). */
  readonly host: string;
  /** Seeds generated data and fault draws. */
  readonly seed: number;
  /** Anchor time of generated data, epoch ms. */
  readonly now: number;
  /** Multiplies the amount of generated data. */
  readonly scale: number;
  /** The port the emulator with this key listens on: a fixed one, or 0 for any. */
  portOf(key: string): number;
  /**
   * An emulator that several others depend on (the Huawei IAM and account, for ModelArts,
   * HSS and CSMS), started once, on first use, with the options given under its own key.
   */
  use<H extends EmulatorHandle>(shared: EmulatorStarter<string, H, never>): Promise<H>;
}

/**
 * One emulator, as a set starts it. `Key` names it in the options and in the set of running
 * emulators (`emulators.tencentCcr`); `Options` are what a test may add under that key.
 */
export interface EmulatorStarter<Key extends string, Handle extends EmulatorHandle, Options> {
  readonly key: Key;
  /** The fixed port of `npm run emulators`. */
  readonly port: number;
  start(env: EmulatorEnv, options: Options | undefined): Promise<Handle>;
}

/** Any starter, whatever its handle and options. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEmulatorStarter = EmulatorStarter<string, EmulatorHandle, any>;

export type HandleOf<S> = S extends EmulatorStarter<string, infer H, never> ? H : never;
export type OptionsOf<S> = S extends EmulatorStarter<string, EmulatorHandle, infer O> ? O : never;
