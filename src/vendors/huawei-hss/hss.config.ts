import { z } from 'zod';
import { commonSourceFields, httpPolicyField } from '../../config/source-config.fields.js';
import { HUAWEI_RATE_LIMIT, huaweiCredentialsSchema } from '../huawei/huawei.config.js';

/** Fixed HSS native filters, with the upstream's length limits (docs/vendors/huawei-hss.md). */
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
    http: httpPolicyField(HUAWEI_RATE_LIMIT),
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

