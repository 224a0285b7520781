import { z } from 'zod';
import { commonSourceFields, cacheTtlSeconds, httpPolicyField } from '../../config/source-config.fields.js';
import { HUAWEI_RATE_LIMIT, huaweiCredentialsSchema } from '../huawei/huawei.config.js';

export const csmsSourceSchema = z
  .object({
    ...commonSourceFields,
    http: httpPolicyField(HUAWEI_RATE_LIMIT),
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

