import { z } from 'zod';

/**
 * The configuration document: one YAML or JSON file. Secrets come in through `${ENV_VAR}`
 * interpolation (see config.loader.ts), so nothing here needs to be a secret at rest.
 */

const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

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
    /** Upstream calls in flight at once for this source; more wait in a queue. */
    concurrency: z.number().int().min(1).max(256).default(8),
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

const commonSourceFields = {
  name: sourceName,
  endpoint: httpUrl,
  http: httpPolicySchema.default(() => httpPolicySchema.parse({})),
};

export const modelArtsSourceSchema = z
  .object({
    ...commonSourceFields,
    kind: z.literal('huawei-modelarts'),
    credentials: huaweiCredentialsSchema,
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

export const sourceConfigSchema = z.discriminatedUnion('kind', [modelArtsSourceSchema]);

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
      })
      .strict()
      .default(() => ({ port: 4000 })),
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
