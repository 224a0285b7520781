import { z } from 'zod';
import { httpUrl, type RateLimitDefaults } from '../../config/source-config.fields.js';

/**
 * Default rate limit of one Huawei source (HSS, CSMS, ModelArts). Huawei's API gateway
 * throttles per user and answers 429 `APIGW.0308` beyond its quota, but the pages of these
 * three APIs publish no figure. A polite guess: at most 20 calls in any one second (a burst of
 * 10, then 10 a second), which a page of a few dozen streams still reads within a few seconds.
 * Several sources of one account share its quota: lower it for each when they are many.
 */
export const HUAWEI_RATE_LIMIT: RateLimitDefaults = { perSecond: 10, burst: 10 };

/** Huawei Cloud auth (docs/vendors/huawei-modelarts.md, "Auth and signing"): AK/SK request signing, or an IAM token. */
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

