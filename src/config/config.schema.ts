import { z } from 'zod';
import { authSchema, limitsSchema } from './auth-config.schema.js';
import { LOG_LEVELS, metricsSchema, tracingSchema } from './telemetry-config.schema.js';

/**
 * The configuration document: one YAML or JSON file. Secrets come in through `${ENV_VAR}`
 * interpolation (see config.loader.ts), so nothing here needs to be a secret at rest.
 *
 * What a source may say depends on its vendor, and the vendors are not known here: each
 * vendor module brings the schema of its sources (vendors/<vendor>/*.config.ts), and the
 * vendor registry hands them to `configSchemaFor`, which makes them one union on `kind`.
 */

/** What every vendor's source schema has: a name and the `kind` that picks the vendor. */
export type SourceSchema = z.ZodObject<{ name: z.ZodType<string>; kind: z.ZodLiteral<string> } & z.ZodRawShape>;

/** The `server` section; every key has a default. */
/** The live tail (`eventTail`): polling, and what a slow or greedy client may hold. */
const tailSchema = z
  .object({
    /**
     * Between two polls of a stream, with ± 10 % jitter; a source's `tailIntervalMs` wins.
     * One poll costs a stream one call or more (a page of new events).
     */
    intervalMs: z.number().int().min(1_000).max(3_600_000).default(10_000),
    /**
     * How far back each poll reads again over what the last one read, to catch records that
     * land upstream with an older time (ingestion delay). Later than this, a record is missed.
     */
    lookbackMs: z.number().int().min(0).max(86_400_000).default(60_000),
    /** Items a slow client may fall behind before the oldest are dropped (and it is told how many). */
    maxBuffered: z.number().int().min(1).max(100_000).default(1_000),
    /** Subscription connections open at once, WebSocket and SSE together; more are refused. */
    maxConnections: z.number().int().min(1).max(100_000).default(1_000),
  })
  .strict();

const serverSchema = z
  .object({
    /** The PORT environment variable, when set, wins. */
    port: z.number().int().min(0).max(65_535).default(4000),
    /** Without it, loopback (127.0.0.1); any other needs an `auth` section. */
    host: z.string().min(1).optional(),
    /**
     * Key that signs cursors, so a tampered cursor is refused. Replicas behind one
     * load balancer need the same key; without one, a random key per process is used
     * and cursors do not survive a restart.
     */
    cursorSecret: z.string().min(16).optional(),
    /**
     * A first page pins the snapshot time `asOf` to the clock rounded down to this step.
     * First pages asked within one step (dashboards refreshing, several panels) are then
     * the same upstream reads, which the cache answers; the price is a snapshot up to one
     * step behind the clock. 0: the clock to the millisecond.
     */
    snapshotStepSeconds: z.number().min(0).max(3_600).default(5),
    /**
     * Ask each stream for about the share of a page it gave the last time the same query
     * was read, rather than for a whole page from every stream (src/timeline/read-plan.ts).
     * false: every stream is asked for a whole page, every time.
     */
    adaptiveReads: z.boolean().default(true),
    /**
     * How long one request may take. At the deadline the answer carries what was
     * gathered, and UPSTREAM_TIMEOUT for the sources not finished; SIGTERM waits at
     * least this long for requests in flight.
     */
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    /** Requests served at once; more wait in a queue, up to `queueTimeoutMs`, then get 503. */
    maxConcurrentRequests: z.number().int().min(1).max(10_000).default(64),
    queueTimeoutMs: z.number().int().min(0).max(60_000).default(2_000),
    /** Exports (/export.ndjson, /export.csv) streamed at once, apart from requests; more wait up to `queueTimeoutMs`, then get 503. */
    maxConcurrentExports: z.number().int().min(1).max(1_000).default(4),
    /** Browser origins allowed to call the API (CORS); none by default. */
    corsOrigins: z.array(z.url({ protocol: /^https?$/, error: 'must be an origin such as https://grafana.example.com' })).default(() => []),
    /** What the JSON log on stdout carries; the LOG_LEVEL environment variable, when set, wins. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /**
     * Serve the API as an Apollo Federation 2 subgraph (docs/federation.md): the same schema
     * with `@key` entities, `_service` and `_entities`, for a router to compose. Off, the
     * schema has none of them: a client that talks to eventgraph directly needs none.
     */
    federation: z.boolean().default(false),
    tail: tailSchema.default(() => tailSchema.parse({})),
  })
  .strict();

/** The document schema over the given source schemas; `Config<S>` is what it parses to. */
export function configSchemaFor<S extends SourceSchema>(sourceSchemas: readonly S[]) {
  const [first, ...others] = sourceSchemas;
  if (!first) throw new Error('configSchemaFor: no source schema given');
  const sourceSchema = z.discriminatedUnion('kind', [first, ...others]);
  return z
    .object({
      server: serverSchema.default(() => serverSchema.parse({})),
      /** Client authentication and scopes. Without it, the server listens on loopback only. */
      auth: authSchema.optional(),
      limits: limitsSchema.default(() => limitsSchema.parse({})),
      metrics: metricsSchema.default(() => metricsSchema.parse({})),
      tracing: tracingSchema.default(() => tracingSchema.parse({})),
      sources: z.array(sourceSchema).min(1),
    })
    .strict()
    .superRefine((config, ctx) => {
      // Names identify sources in events, cursors and errors, so they must be unique. The
      // message points at the first use: that is the one to compare against.
      const firstIndex = new Map<string, number>();
      config.sources.forEach((source, index) => {
        const name = (source as { name: string }).name;
        const first = firstIndex.get(name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', index, 'name'],
            message: `duplicate source name "${name}" (already used by sources[${first}])`,
          });
        } else {
          firstIndex.set(name, index);
        }
      });
    });
}


export type ConfigSchema<S extends SourceSchema = SourceSchema> = ReturnType<typeof configSchemaFor<S>>;
export type Config<S extends SourceSchema = SourceSchema> = z.infer<ConfigSchema<S>>;
