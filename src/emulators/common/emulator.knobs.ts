import { z } from 'zod';

/**
 * Fault-injection knobs every emulator understands. Tests flip them in-process or over
 * `PUT /__emulator/knobs`; demo mode leaves them at their defaults.
 */
export const faultKnobsShape = {
  /** Every API answer leaves no sooner than this after its request arrived (the emulator works meanwhile). */
  latencyMs: z.number().int().min(0).max(600_000),
  /** Share of API requests (0..1) answered 500 with a vendor error body; drawn from a seeded PRNG. */
  errorRate: z.number().min(0).max(1),
  /** Answer every API request with this status and a vendor error body; null = off. */
  forceStatus: z.number().int().min(400).max(599).nullable(),
  /**
   * Answer successful API requests with 200 and a broken body: `invalid-json` (a truncated
   * document, still labelled application/json) or `wrong-shape` (valid JSON whose fields have
   * the wrong types). null = off.
   */
  malformedBody: z.enum(['invalid-json', 'wrong-shape']).nullable(),
  /** Accept API requests and never answer them, for client timeout tests. */
  hang: z.boolean(),
};

export const faultKnobsSchema = z.object(faultKnobsShape).strict();
export type FaultKnobs = z.infer<typeof faultKnobsSchema>;
export type MalformedBodyMode = NonNullable<FaultKnobs['malformedBody']>;

export const DEFAULT_FAULT_KNOBS: Readonly<FaultKnobs> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  forceStatus: null,
  malformedBody: null,
  hang: false,
});

/** Holds one emulator's knobs; every change is validated, whether it comes in-process or over HTTP. */
export class KnobController<T extends object> {
  private current: T;

  constructor(
    private readonly defaults: Readonly<T>,
    private readonly parsePatch: (input: unknown) => Partial<T>,
  ) {
    this.current = { ...defaults };
  }

  get(): T {
    return { ...this.current };
  }

  /** Merges a partial update; throws a ZodError (and changes nothing) when any field is invalid. */
  set(patch: Partial<T> | unknown): T {
    const parsed = this.parsePatch(patch);
    this.current = { ...this.current, ...parsed };
    return this.get();
  }

  reset(): T {
    this.current = { ...this.defaults };
    return this.get();
  }
}
