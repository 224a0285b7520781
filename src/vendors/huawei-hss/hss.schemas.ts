import { z } from 'zod';

/**
 * HSS `ListContainerImageLogs` answers (docs/vendors/huawei-hss.md). Strict on what the timeline
 * relies on (the natural id `event_id`, `time` as epoch ms, `total_num` for paging), lenient
 * on the descriptive fields: the page marks none of them mandatory, and a record that lacks
 * one is still an event. Loose objects keep the vendor's extra fields for `raw`.
 */

export const hssImageEventSchema = z.looseObject({
  event_id: z.string().min(1),
  /** Epoch ms. */
  time: z.number().int().nonnegative(),
  resource_name: z.string().nullish(),
  resource_type: z.string().nullish(),
  event_name: z.string().nullish(),
  event_type: z.string().nullish(),
  source_ip: z.string().nullish(),
  user_name: z.string().nullish(),
  content: z.string().nullish(),
});

export const hssImageEventPageSchema = z.looseObject({
  /** Records matching the query, over all pages. */
  total_num: z.number().int().nonnegative(),
  /** Some Huawei services leave an empty list out; that is read as []. */
  data_list: z
    .array(hssImageEventSchema)
    .nullish()
    .transform((list) => list ?? []),
});

export type HssImageEvent = z.infer<typeof hssImageEventSchema>;
export type HssImageEventPage = z.infer<typeof hssImageEventPageSchema>;
