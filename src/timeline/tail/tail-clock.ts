/**
 * The clock and timers a live tail runs on. Injectable so that tests drive the polling
 * without waiting; the default looks the globals up at every call, so that fake timers
 * installed after this module was loaded (vitest's) still take over.
 */
export interface TailClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TailTimer;
  clearTimeout(timer: TailTimer): void;
  /** In [0, 1): the jitter of the polling interval. */
  random(): number;
}

/** Whatever the clock's `setTimeout` hands back; only given back to its `clearTimeout`. */
export type TailTimer = unknown;

export const SYSTEM_CLOCK: TailClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};
