import { z } from 'zod';
import { commonSourceFields, httpUrl, ianaZone } from '../../config/source-config.fields.js';

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

