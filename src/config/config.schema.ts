import { z } from 'zod';

/**
 * The configuration document: one YAML or JSON file. Secrets come in through `${ENV_VAR}`
 * interpolation (see config.loader.ts), so nothing here needs to be a secret at rest.
 */

const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Zone of an upstream's zone-less wall-clock times. Only IANA names (and UTC): an offset
 * such as +08:00 or an abbreviation such as CST cannot follow daylight saving or history.
 */
const ianaZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return zone.includes('/') || zone === 'UTC';
    } catch {
      return false;
    }
  },
  { error: (issue) => `must be an IANA time zone such as Asia/Shanghai, got "${String(issue.input)}"` },
);

/** Resilience policy of one source's upstream calls; every field has a default. */
export const httpPolicySchema = z
  .object({
    /** Per-attempt timeout. */
    timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
    /** Extra attempts for idempotent reads after 429, 5xx or a network error. */
    retries: z.number().int().min(0).max(10).default(2),
    /** First backoff delay; later ones grow exponentially, with jitter. */
    retryBaseDelayMs: z.number().int().min(0).max(60_000).default(200),
    /** Cap on any one wait, including a Retry-After the upstream asks for. */
    retryMaxDelayMs: z.number().int().min(0).max(300_000).default(10_000),
    /**
     * Upstream calls in flight at once for this source; more wait in a queue. The default
     * lets a page read every stream of a large scope (bk-repo: repositories × event types)
     * in one round trip; lower it for an account with a tight rate limit.
     */
    concurrency: z.number().int().min(1).max(256).default(64),
  })
  .strict();

export type HttpPolicy = z.infer<typeof httpPolicySchema>;

/** Huawei Cloud auth (VENDORS.md §6): AK/SK request signing, or an IAM token. */
export const huaweiCredentialsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('aksk'),
      accessKey: z.string().min(1),
      secretKey: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('iam-token'),
      /** e.g. https://iam.cn-north-4.myhuaweicloud.com */
      iamEndpoint: httpUrl,
      /** Account (domain) name. */
      domain: z.string().min(1),
      user: z.string().min(1),
      password: z.string().min(1),
      /** Project scope of the token, e.g. cn-north-4. */
      projectName: z.string().min(1),
    })
    .strict(),
]);

export type HuaweiCredentials = z.infer<typeof huaweiCredentialsSchema>;

/**
 * How long a successful upstream answer serves identical requests, in seconds; 0 switches
 * the cache off. Short by default: a dashboard refreshing several panels, or several
 * viewers of one dashboard, share answers, while new events show within seconds. Errors are
 * never cached. Within one GraphQL request identical calls are shared whatever this says.
 */
const cacheTtlSeconds = (defaultSeconds: number) => z.number().min(0).max(86_400).default(defaultSeconds);

export const DEFAULT_CACHE_TTL_SECONDS = 5;

const commonSourceFields = {
  name: sourceName,
  endpoint: httpUrl,
  http: httpPolicySchema.default(() => httpPolicySchema.parse({})),
  cacheTtlSeconds: cacheTtlSeconds(DEFAULT_CACHE_TTL_SECONDS),
};

export const modelArtsSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('huawei-modelarts'),
    credentials: huaweiCredentialsSchema,
    /**
     * How long the service list, which names the timeline's streams, is reused, in seconds;
     * never less than `cacheTtlSeconds`, and 0 leaves it to that. Services come and go far more rarely than events, and the
     * list would otherwise cost every page a round trip before its event calls can start.
     */
    serviceListTtlSeconds: z.number().min(0).max(86_400).default(60),
    scope: z
      .object({
        projectId: z.string().min(1),
        /** Service ids to read. Without it, every service the service list returns. */
        services: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict(),
  })
  .strict();

export type ModelArtsSourceConfig = z.infer<typeof modelArtsSourceSchema>;

/** Fixed HSS native filters, with the upstream's length limits (VENDORS.md §2). */
const hssFixedFiltersSchema = z
  .object({
    resourceName: z.string().min(1).max(256).optional(),
    resourceType: z.string().min(1).max(64).optional(),
    eventType: z.string().min(1).max(64).optional(),
    eventName: z.string().min(1).max(256).optional(),
    sourceIp: z.string().min(1).max(64).optional(),
    userName: z.string().min(1).max(64).optional(),
  })
  .strict();

export const hssSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('huawei-hss'),
    credentials: huaweiCredentialsSchema,
    scope: z
      .object({
        projectId: z.string().min(1),
        /** Sent with every call of the source's stream, e.g. `{ resourceType: image }`. */
        filters: hssFixedFiltersSchema.optional(),
      })
      .strict(),
  })
  .strict();

export type HssSourceConfig = z.infer<typeof hssSourceSchema>;

export const csmsSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('huawei-csms'),
    credentials: huaweiCredentialsSchema,
    scope: z.object({ projectId: z.string().min(1) }).strict(),
    /**
     * Longer than the other kinds: the API answers everything in one call and takes no
     * filter, so every query of every request is served from one answer, read at most once
     * per this many seconds. Notifications of expiring secrets are not minute-critical.
     */
    cacheTtlSeconds: cacheTtlSeconds(60),
  })
  .strict();

export type CsmsSourceConfig = z.infer<typeof csmsSourceSchema>;

/** bk-repo auth (VENDORS.md §5): Basic with a password or user token, or Platform for a user. */
export const bkRepoCredentialsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('basic'),
      username: z.string().min(1),
      /** The password, or a personal access token: bk-repo accepts either. */
      password: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('platform'),
      accessKey: z.string().min(1),
      secretKey: z.string().min(1),
      /** Sent as X-BKREPO-UID: the user the platform acts for (needs MANAGE on the project). */
      userId: z.string().min(1),
    })
    .strict(),
]);

export type BkRepoCredentials = z.infer<typeof bkRepoCredentialsSchema>;

/** The event types that bk-repo's documentation links as public (seed 004). */
export const BKREPO_PUBLIC_EVENT_TYPES = [
  'PROJECT_CREATED',
  'REPO_CREATED',
  'REPO_UPDATED',
  'NODE_CREATED',
  'NODE_DOWNLOADED',
  'NODE_RENAMED',
  'NODE_MOVED',
  'NODE_COPIED',
  'NODE_DELETED',
  'METADATA_DELETED',
  'METADATA_SAVED',
  'VERSION_CREATED',
] as const;

export const bkRepoSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('bkrepo'),
    credentials: bkRepoCredentialsSchema,
    scope: z
      .object({
        projectId: z.string().min(1),
        /** Repositories to read; each (repository, event type) pair is one stream. */
        repositories: z
          .array(z.string().min(1))
          .min(1)
          .refine((list) => new Set(list).size === list.length, { message: 'must not name a repository twice' }),
        /** bk-repo's resourceKey pattern: a prefix in which `*` matches anything. */
        resourceKeyPrefix: z.string().min(1).default('/'),
        eventTypes: z
          .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an event type such as NODE_DOWNLOADED'))
          .min(1)
          .refine((list) => new Set(list).size === list.length, { message: 'must not name an event type twice' })
          .default(() => [...BKREPO_PUBLIC_EVENT_TYPES]),
      })
      .strict(),
    /** Zone of createdDate when the server does not name one in X-BKREPO-Time-Zone. */
    timeZone: ianaZone.default('Asia/Shanghai'),
  })
  .strict();

export type BkRepoSourceConfig = z.infer<typeof bkRepoSourceSchema>;

/** Tencent Cloud legacy API 2.0 keys (VENDORS.md §1); `token` only for a temporary key. */
export const tencentCredentialsSchema = z
  .object({
    secretId: z.string().min(1),
    secretKey: z.string().min(1),
    token: z.string().min(1).optional(),
  })
  .strict();

export const tencentCcrSourceSchema = z
  .object({
    ...commonSourceFields,
    endpoint: httpUrl.default('https://ccr.api.qcloud.com'),
    kind: z.literal('tencent-ccr'),
    credentials: tencentCredentialsSchema,
    scope: z
      .object({
        /** e.g. ap-guangzhou; the API's `Region` parameter. */
        region: z.string().min(1),
        /** Repositories to read, `namespace/name`; each one is a stream. */
        repositories: z
          .array(z.string().min(1))
          .min(1)
          .refine((repos) => new Set(repos).size === repos.length, 'must not name a repository twice'),
      })
      .strict(),
    /** Zone of the zone-less `invokeTime`; China regions write Beijing time. */
    timeZone: ianaZone.default('Asia/Shanghai'),
    signatureMethod: z.enum(['HmacSHA256', 'HmacSHA1']).default('HmacSHA256'),
    /** The legacy API takes both; POST keeps long parameter lists out of URLs and logs. */
    httpMethod: z.enum(['GET', 'POST']).default('GET'),
  })
  .strict();

export type TencentCcrSourceConfig = z.infer<typeof tencentCcrSourceSchema>;

export const sourceConfigSchema = z.discriminatedUnion('kind', [modelArtsSourceSchema, hssSourceSchema, csmsSourceSchema, bkRepoSourceSchema, tencentCcrSourceSchema]);

export type SourceConfig = z.infer<typeof sourceConfigSchema>;

export const configSchema = z
  .object({
    server: z
      .object({
        /** The PORT environment variable, when set, wins. */
        port: z.number().int().min(0).max(65_535).default(4000),
        /** Without it, every interface. */
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
      })
      .strict()
      .default(() => ({ port: 4000, snapshotStepSeconds: 5, adaptiveReads: true })),
    sources: z.array(sourceConfigSchema).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Names identify sources in events, cursors and errors, so they must be unique. The
    // message points at the first use: that is the one to compare against.
    const firstIndex = new Map<string, number>();
    config.sources.forEach((source, index) => {
      const first = firstIndex.get(source.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'name'],
          message: `duplicate source name "${source.name}" (already used by sources[${first}])`,
        });
      } else {
        firstIndex.set(source.name, index);
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
