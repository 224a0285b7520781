import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config/telemetry-config.schema.js';
import { currentRequestScope } from '../upstream/upstream.scope.js';
import type { UpstreamEvent } from '../upstream/upstream.telemetry.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines instead of JSON; by default when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream they read. */
  destination?: DestinationStream;
}

/**
 * Paths a log line must never show, whatever logs them: request headers that carry
 * credentials, and any field named like a secret. Upstream credentials never reach a line
 * at all (the upstream core redacts its errors), so this is the second line of defence.
 */
const REDACTED_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.password',
  '*.secretKey',
  '*.token',
  'password',
  'secretKey',
  'token',
];

/**
 * The process's logger: pino, JSON lines on stdout, one line per request (server/
 * request-telemetry.ts) and one per upstream failure. A terminal gets pino-pretty's
 * readable lines instead, in the same process (no worker thread, so it works the same from
 * a compiled build).
 */
export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination = options.destination ?? (usePretty ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined);
  const settings = {
    level: options.level,
    base: { service: 'eventgraph' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // ISO time reads at a glance and sorts; epoch ms is what pino writes otherwise.
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/**
 * What of the upstream events a log shows: every failed call at `warn`, with its source, API
 * and code, and the id of the request it served; and every change of a circuit breaker.
 */
export function upstreamEventLogger(logger: Logger): (event: UpstreamEvent) => void {
  return (event) => {
    if (event.type === 'call' && event.code !== undefined) {
      logger.warn(
        {
          reqId: currentRequestScope()?.id,
          source: event.source,
          api: event.api,
          code: event.code,
          status: event.status,
          attempts: event.attempts,
          durationMs: Math.round(event.durationMs),
        },
        'upstream call failed',
      );
    } else if (event.type === 'circuit') {
      logger.warn({ source: event.source, circuit: event.state }, `circuit breaker ${event.state}`);
    }
  };
}
