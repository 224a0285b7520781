import { z } from 'zod';
import { commonSourceFields, httpPolicyField } from '../../config/source-config.fields.js';
import { HUAWEI_RATE_LIMIT, huaweiCredentialsSchema } from '../huawei/huawei.config.js';

export const modelArtsSourceSchema = z
  .object({
    ...commonSourceFields,
    http: httpPolicyField(HUAWEI_RATE_LIMIT),
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

