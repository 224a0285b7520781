import type { RequestHandler } from 'express';
import { EdgeErrorCode, sendJsonError } from './http-errors.js';

/** Gives a held slot back; calling it again does nothing. */
export type Release = () => void;

/** A place in the queue: `granted` settles with a release, or with undefined when the wait ends without one. */
export interface Ticket {
  readonly granted: Promise<Release | undefined>;
  /** Leaves the queue (the client went away); `granted` then settles with undefined. */
  cancel(): void;
}

interface Waiter {
  grant(release: Release | undefined): void;
}

/**
 * At most `max` holders at once; the rest wait first come, first served, each for at most
 * its own timeout. FIFO rather than a free-for-all, so that under load the oldest request
 * goes next and none waits past its timeout while newer ones overtake it.
 */
export class FifoLimiter {
  private active = 0;
  // A Map keeps insertion order and deletes in O(1): a waiter that times out or is
  // cancelled leaves from the middle, the next one to serve is the first key.
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;

  constructor(
    readonly max: number,
    /** Waiters beyond this are refused at once rather than queued (memory stays bounded). */
    readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`FifoLimiter: max must be a positive integer, got ${max}`);
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** A slot now if one is free, else a place in the queue for up to `timeoutMs`. */
  acquire(timeoutMs: number): Ticket {
    if (this.active < this.max && this.waiting.size === 0) {
      this.active += 1;
      return { granted: Promise.resolve(this.releaser()), cancel: () => undefined };
    }
    if (timeoutMs <= 0 || this.waiting.size >= this.maxWaiting) return { granted: Promise.resolve(undefined), cancel: () => undefined };
    const id = this.nextId++;
    let settle!: (release: Release | undefined) => void;
    const granted = new Promise<Release | undefined>((resolve) => (settle = resolve));
    const timer = setTimeout(() => leave(), timeoutMs);
    const leave = () => {
      if (!this.waiting.delete(id)) return;
      clearTimeout(timer);
      settle(undefined);
    };
    this.waiting.set(id, {
      grant: (release) => {
        clearTimeout(timer);
        settle(release);
      },
    });
    return { granted, cancel: leave };
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.handOn();
    };
  }

  private handOn(): void {
    while (this.active < this.max) {
      const first = this.waiting.entries().next();
      if (first.done) return;
      const [id, waiter] = first.value;
      this.waiting.delete(id);
      this.active += 1;
      waiter.grant(this.releaser());
    }
  }
}

export interface ConcurrencyLimitOptions {
  /** `server.maxConcurrentRequests`. */
  maxConcurrentRequests: number;
  /** `server.queueTimeoutMs`: how long a request may wait for a slot before 503. */
  queueTimeoutMs: number;
}

/**
 * Holds GraphQL requests to `maxConcurrentRequests` at once, so that a burst queues at the
 * edge instead of fanning out into every upstream at the same time; a request that cannot
 * start within `queueTimeoutMs` gets 503 SERVICE_UNAVAILABLE with `Retry-After`, which load
 * balancers and well-behaved clients understand. The slot is held until the answer is sent
 * (or the client goes away), so it counts the whole request, serialising included.
 *
 * Mounted on the GraphQL route only: /healthz and /readyz must answer however busy the
 * server is, or an orchestrator would restart a server that is merely loaded.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): RequestHandler & { limiter: FifoLimiter } {
  const limiter = new FifoLimiter(options.maxConcurrentRequests);
  const retryAfterSeconds = String(Math.max(1, Math.ceil(options.queueTimeoutMs / 1000)));
  const handler: RequestHandler = (_req, res, next) => {
    const ticket = limiter.acquire(options.queueTimeoutMs);
    let closed = false;
    const gone = () => {
      closed = true;
      ticket.cancel();
    };
    res.once('close', gone);
    void ticket.granted.then((release) => {
      res.off('close', gone);
      if (!release) {
        // Cancelled: the client is gone and there is nobody to answer.
        if (closed) return;
        sendJsonError(
          res,
          503,
          EdgeErrorCode.SERVICE_UNAVAILABLE,
          `eventgraph is serving its limit of ${options.maxConcurrentRequests} requests at once and none finished within ${options.queueTimeoutMs} ms; retry later`,
          { 'Retry-After': retryAfterSeconds },
        );
        return;
      }
      if (closed) {
        release();
        return;
      }
      res.once('finish', release);
      res.once('close', release);
      next();
    });
  };
  return Object.assign(handler, { limiter });
}
