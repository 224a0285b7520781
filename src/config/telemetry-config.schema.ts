import { z } from 'zod';

/** Log levels, most to least severe; `silent` logs nothing. LOG_LEVEL, when set, wins. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * `metrics`: Prometheus metrics at /metrics (docs/operations.md lists them). They name
 * sources and operations, never events; still, an exposed server protects them: on the main
 * port /metrics needs `token` whenever clients must authenticate, and `port` serves them on a
 * listener of their own instead (loopback unless `host` says otherwise).
 */
export const metricsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** A listener for /metrics alone, which the main port then does not serve. */
    port: z.number().int().min(0).max(65_535).optional(),
    /** The address of that listener; loopback by default. */
    host: z.string().min(1).optional(),
    /** A bearer token the scraper sends (`Authorization: Bearer <token>`); put it in through `${ENV_VAR}`. */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .strict()
  .refine((metrics) => metrics.host === undefined || metrics.port !== undefined, {
    path: ['host'],
    message: 'only applies with metrics.port (a listener of its own)',
  });

/** `tracing`: OpenTelemetry spans exported over OTLP/HTTP; off unless enabled. */
export const tracingSchema = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * The collector's OTLP/HTTP base URL (`/v1/traces` is appended), e.g.
     * http://otel-collector:4318. Without it, OTEL_EXPORTER_OTLP_ENDPOINT or the OTLP default.
     */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://otel-collector:4318' }).optional(),
    serviceName: z.string().min(1).default('eventgraph'),
    /** The share of operations traced, 0 to 1; an upstream caller's sampling decision is kept. */
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict();

export type MetricsConfig = z.output<typeof metricsSchema>;
export type TracingConfig = z.output<typeof tracingSchema>;
