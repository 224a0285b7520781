import { z } from 'zod';
import { commonSourceFields, httpPolicyField, httpUrl, ianaZone, type RateLimitDefaults } from '../../config/source-config.fields.js';

/**
 * Default rate limit of one CCR source. Tencent Cloud API's usual default frequency limit is
 * 20 calls a second per action, access region and sub-account; the legacy ListTriggerLog
 * page names none of its own, so we keep under that: a burst of 10, then 10 a second, which
 * never puts more than 20 calls into any one second.
 */
export const TENCENT_CCR_RATE_LIMIT: RateLimitDefaults = { perSecond: 10, burst: 10 };

/** Tencent Cloud legacy API 2.0 keys (docs/vendors/tencent-ccr.md); `token` only for a temporary key. */
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
    http: httpPolicyField(TENCENT_CCR_RATE_LIMIT),
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

