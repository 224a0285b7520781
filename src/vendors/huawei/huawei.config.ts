import { z } from 'zod';
import { httpUrl } from '../../config/source-config.fields.js';

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

