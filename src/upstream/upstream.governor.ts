import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy as CockatielBreaker,
} from 'cockatiel';
import { UpstreamError } from './upstream.errors.js';
import type { UpstreamPolicy } from './upstream.policy.js';
import { publishUpstream } from './upstream.telemetry.js';

/**
 * What protects one source's upstream from eventgraph, across every GraphQL request: the
 * per-request policies (retries, per-attempt timeouts) cannot see that a hundred requests
 * are asking the same account at once, or that the account already said "slow down".
 *
 * One governor per upstream client, which lives as long as its configured source and is
 * shared by every request. Before each attempt it
 * 1. fails the call at once while the circuit breaker is open (the source kept failing);
 * 2. makes the call wait for a token of the source's rate limit, and for the end of a pause
 *    that a 429 or a Retry-After set, failing it at once instead when that wait would be
 *    longer than the call may wait (`rateLimit.maxWaitMs`);
 * and it runs the attempt under the breaker, which counts the attempt's transient failures.
 *
 * A call the governor stops never reaches the upstream and is never retried: the refusal
 * already says how long the wait would be (`retryAfterMs`), and retrying would only wait
 * for the same thing.
 */

/** The gate's clock: Date.now and setTimeout, which fake timers replace in tests. */
const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export type GateClock = typeof realClock;

/** Why the gate would not let a call start within its budget. */
export class GateRefusal {
  constructor(
    /** `paused`: the source asked us to wait (429, Retry-After); `rate-limit`: our own bucket. */
    readonly reason: 'paused' | 'rate-limit',
    /** How long the call would have had to wait, in ms. */
    readonly waitMs: number,
  ) {}
}

export interface SourceGateOptions {
  /** Calls per second; undefined: no rate limit (the gate only enforces pauses). */
  perSecond?: number;
  /** Calls that may start at once after a quiet spell; at least 1. */
  burst?: number;
  /** The longest a call may wait at the gate. */
  maxWaitMs: number;
  /** First pause after a 429 that says not how long; doubled for each 429 in a row. */
  basePauseMs: number;
  /** The longest pause, whatever the upstream asks. */
  maxPauseMs: number;
  clock?: GateClock;
}

/**
 * A token bucket and a pause, in one schedule. The bucket is kept as the generic cell rate
 * algorithm: `tat`, the time at which the bucket would be full again, is all the state, and
 * a call reserves its slot when it arrives, so a queue of waiting calls needs no queue: each
 * knows its start time and sleeps until then. Reserving on arrival is also what lets a call
 * know at once whether its wait fits its budget.
 *
 * A pause (the upstream answered 429, or 503 with a Retry-After) empties the bucket until
 * its end: when it ends, calls resume at the steady rate, one every 1/perSecond, rather than
 * as a burst of every call that waited, which would earn the next 429.
 */
export class SourceGate {
  private readonly interval: number;
  private readonly tolerance: number;
  private readonly clock: GateClock;
  /** Theoretical arrival time: when the bucket is full again, in epoch ms. */
  private tat = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  /** Counts pauses, so a call that slept through the start of one can tell. */
  private pauses = 0;
  private rateLimitedInARow = 0;

  constructor(private readonly options: SourceGateOptions) {
    const perSecond = options.perSecond;
    this.interval = perSecond !== undefined && perSecond > 0 ? 1000 / perSecond : 0;
    this.tolerance = this.interval * (Math.max(1, Math.floor(options.burst ?? 1)) - 1);
    this.clock = options.clock ?? realClock;
  }

  /**
   * Resolves when a call may start, with how long it waited for its turn (ms; 0 when it
   * did not); rejects with a GateRefusal, without taking a token, if it would have to wait
   * longer than `maxWaitMs`.
   */
  async take(): Promise<number> {
    const arrived = this.clock.now();
    let budget = this.options.maxWaitMs;
    for (;;) {
      const now = this.clock.now();
      const at = this.slot(now);
      const wait = at - now;
      if (wait > budget) throw new GateRefusal(this.pausedUntil > now ? 'paused' : 'rate-limit', Math.ceil(wait));
      this.reserve(at);
      if (wait <= 0) return now - arrived;
      const pauses = this.pauses;
      await this.clock.sleep(wait);
      const woke = this.clock.now();
      // A pause that began while this call slept, and has not ended, holds it too: it asks
      // again like a new call, with what is left of its budget. Its old slot stays counted,
      // which errs on the polite side.
      if (this.pauses === pauses || woke >= this.pausedUntil) return woke - arrived;
      budget -= woke - now;
    }
  }

  /** The upstream said to slow down: `retryAfterMs` if it said how long, else our own backoff. */
  rateLimited(retryAfterMs: number | undefined): void {
    this.rateLimitedInARow += 1;
    const backoff = this.options.basePauseMs * 2 ** Math.min(this.rateLimitedInARow - 1, 20);
    this.pause(retryAfterMs ?? backoff);
  }

  /** The upstream answered without asking us to slow down. */
  answered(): void {
    this.rateLimitedInARow = 0;
  }

  /** Holds every call to the source for `ms` (capped at `maxPauseMs`), from now. */
  pause(ms: number): void {
    const until = this.clock.now() + Math.max(0, Math.min(ms, this.options.maxPauseMs));
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.pauses += 1;
    if (this.interval > 0) this.tat = Math.max(this.tat, until + this.tolerance);
  }

  /** How much longer the source is paused, in ms; 0 when it is not. */
  pausedFor(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  /** How long a call arriving now would wait, in ms, without taking a token. */
  waitFor(): number {
    const now = this.clock.now();
    return Math.max(0, this.slot(now) - now);
  }

  private slot(now: number): number {
    const start = Math.max(now, this.pausedUntil);
    if (this.interval === 0) return start;
    return Math.max(Math.max(this.tat, start) - this.tolerance, start);
  }

  private reserve(at: number): void {
    if (this.interval > 0) this.tat = Math.max(this.tat, at) + this.interval;
  }
}

export type CircuitStateName = 'closed' | 'open' | 'half-open';

function circuitStateName(state: CircuitState): CircuitStateName {
  if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
  return state === CircuitState.HalfOpen ? 'half-open' : 'closed';
}

/** A snapshot of a source's governors, for tests and diagnostics. */
export interface GovernorState {
  circuit: CircuitStateName;
  /** Until the circuit half-opens, in ms; 0 unless open. */
  circuitOpenForMs: number;
  /** How much longer a 429 or Retry-After holds the source, in ms. */
  pausedForMs: number;
  /** How long a call arriving now would wait for its turn, in ms. */
  waitMs: number;
}

export interface SourceGovernorOptions {
  source: string;
  policy: UpstreamPolicy;
  /**
   * Whether a transient failure is the upstream's own, and so counts against the breaker.
   * The client says no for failures of its `willSendRequest` hook (an IAM token refused):
   * those belong to another upstream.
   */
  isUpstreamFailure: (error: UpstreamError) => boolean;
}

export class SourceGovernor {
  private readonly source: string;
  private readonly gate: SourceGate;
  private readonly breaker: CockatielBreaker | undefined;
  private readonly halfOpenAfterMs: number;
  private readonly clock: GateClock;
  private readonly policy: UpstreamPolicy;
  private readonly maxWaitMs: number;
  private openedAt = 0;
  /** Errors the governor made itself: never retried, never counted by the breaker. */
  private readonly refusals = new WeakSet<object>();

  constructor(options: SourceGovernorOptions) {
    const { policy } = options;
    this.source = options.source;
    this.policy = policy;
    // cockatiel's breaker reads Date.now itself; the governor's clock must be the same one.
    this.clock = realClock;
    // Without a rate limit, a pause is waited out as long as a Retry-After would be.
    this.maxWaitMs = policy.rateLimit?.maxWaitMs ?? policy.retryMaxDelayMs;
    this.gate = new SourceGate({
      ...(policy.rateLimit ? { perSecond: policy.rateLimit.perSecond, burst: policy.rateLimit.burst } : {}),
      maxWaitMs: this.maxWaitMs,
      basePauseMs: policy.retryBaseDelayMs,
      maxPauseMs: policy.retryMaxDelayMs,
      clock: this.clock,
    });
    const breakerPolicy = policy.circuitBreaker;
    this.halfOpenAfterMs = breakerPolicy?.halfOpenAfterMs ?? 0;
    if (breakerPolicy && breakerPolicy.failures > 0) {
      // Consecutive failures rather than a sampled rate: the figure is one an operator can
      // reason about ("five attempts in a row failed"), and a source's fan-out of parallel
      // calls reaches it within one request when the upstream is down.
      this.breaker = circuitBreaker(
        handleWhen(
          (error) =>
            error instanceof UpstreamError &&
            !this.refusals.has(error) &&
            (error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT') &&
            options.isUpstreamFailure(error),
        ),
        { halfOpenAfter: breakerPolicy.halfOpenAfterMs, breaker: new ConsecutiveBreaker(breakerPolicy.failures) },
      );
      this.breaker.onBreak(() => {
        this.openedAt = this.clock.now();
      });
      this.breaker.onStateChange((state) => {
        publishUpstream(() => ({ type: 'circuit', source: this.source, state: circuitStateName(state) }));
      });
    }
  }

  /**
   * Before an attempt: fails at once while the circuit is open, then waits for the call's
   * turn (a token, the end of a pause), or fails at once if that wait is longer than the
   * call may wait. Resolves with how long it waited (ms). Throws only refusals (see `isRefusal`).
   */
  async admit(): Promise<number> {
    const open = this.circuitOpenFor();
    if (open > 0) throw this.circuitOpen(open);
    try {
      return await this.gate.take();
    } catch (error) {
      if (!(error instanceof GateRefusal)) throw error;
      const limit = this.policy.rateLimit;
      const message =
        error.reason === 'paused'
          ? `${this.source} asked us to slow down (HTTP 429 or Retry-After): it is paused for another ${error.waitMs}ms, longer than a call may wait (${this.maxWaitMs}ms)`
          : `${this.source}'s rate limit (${limit?.perSecond ?? '∞'}/s, burst ${limit?.burst ?? '∞'}) would hold this call ${error.waitMs}ms, longer than a call may wait (${this.maxWaitMs}ms)`;
      throw this.refusal('UPSTREAM_RATE_LIMITED', message, error.waitMs);
    }
  }

  /** Runs one attempt under the circuit breaker, which counts its outcome. */
  async run<T>(attempt: () => Promise<T>): Promise<T> {
    if (!this.breaker) return attempt();
    try {
      return await this.breaker.execute(attempt);
    } catch (error) {
      // Opened by another call between `admit` and here, or by the probe this call queued
      // behind while the circuit was half-open.
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw this.circuitOpen(Math.max(this.circuitOpenFor(), 1), error);
      }
      throw error;
    }
  }

  /**
   * What an answer says about the source's load: a 429 (or a vendor's throttling code), or
   * a 503 that names a Retry-After, pauses it for every request; anything else that came
   * from the upstream ends a run of 429s.
   */
  observe(error: UpstreamError | undefined): void {
    if (error === undefined) {
      this.gate.answered();
      return;
    }
    if (this.refusals.has(error) || error.status === undefined) return;
    if (error.code === 'UPSTREAM_RATE_LIMITED') this.gate.rateLimited(error.retryAfterMs);
    else if (error.status === 503 && error.retryAfterMs !== undefined) this.gate.rateLimited(error.retryAfterMs);
    else this.gate.answered();
  }

  /** Whether the governor made this error itself (it stopped the call before the upstream). */
  isRefusal(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.refusals.has(error);
  }

  /** Whether the circuit is open (not half-open): a retry now would only be refused. */
  get circuitIsOpen(): boolean {
    return this.breaker?.state === CircuitState.Open;
  }

  state(): GovernorState {
    return {
      circuit: circuitStateName(this.breaker?.state ?? CircuitState.Closed),
      circuitOpenForMs: this.circuitOpenFor(),
      pausedForMs: this.gate.pausedFor(),
      waitMs: this.gate.waitFor(),
    };
  }

  /** Until the open circuit lets a probe through, in ms; 0 when closed, half-open or due. */
  private circuitOpenFor(): number {
    if (this.breaker?.state !== CircuitState.Open) return 0;
    return Math.max(0, this.openedAt + this.halfOpenAfterMs - this.clock.now());
  }

  private circuitOpen(forMs: number, cause?: unknown): UpstreamError {
    return this.refusal(
      'UPSTREAM_CIRCUIT_OPEN',
      `${this.source} keeps failing, so its circuit breaker is open: no call for another ${Math.ceil(forMs)}ms, then one probe`,
      Math.ceil(forMs),
      cause,
    );
  }

  private refusal(code: 'UPSTREAM_RATE_LIMITED' | 'UPSTREAM_CIRCUIT_OPEN', message: string, retryAfterMs: number, cause?: unknown): UpstreamError {
    const error = new UpstreamError({ code, source: this.source, message, retryAfterMs, ...(cause === undefined ? {} : { cause }) });
    this.refusals.add(error);
    return error;
  }
}
