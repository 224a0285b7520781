import { z } from 'zod';

/**
 * ModelArts answers (docs/vendors/huawei-modelarts.md). Strict on what the timeline relies on (ids,
 * names, `occur_time` as epoch ms, the event's type and text, `total_count` for paging),
 * lenient on the rest: loose objects keep the vendor's extra fields, which end up in `raw`,
 * and descriptive fields may be absent or null. A new field upstream should never fail a
 * query; a missing id or a string where a time should be must, since an event we cannot
 * order or identify is worse than an error.
 */

/** One entry of `events`. */
export const serviceEventSchema = z.looseObject({
  /** Epoch ms. */
  occur_time: z.number(),
  /** normal | abnormal; kept as a string so that a new type is read, not refused. */
  event_type: z.string(),
  event_info: z.string(),
});

/** `GET /v1/{project_id}/services/{service_id}/events`. */
export const serviceEventsSchema = z.looseObject({
  service_id: z.string().min(1),
  service_name: z.string(),
  events: z.array(serviceEventSchema),
  /** Matching events without paging: how paging knows it is done. */
  total_count: z.number().int().nonnegative(),
  /** Events on this page; `events.length` is what we trust. */
  count: z.number().int().nullish(),
});

/** One entry of `services`. */
export const deploymentServiceSchema = z.looseObject({
  service_id: z.string().min(1),
  service_name: z.string(),
  description: z.string().nullish(),
  owner: z.string().nullish(),
  /** Epoch ms. */
  publish_at: z.number().nullish(),
  /** real-time | batch | edge */
  infer_type: z.string().nullish(),
  /** running, deploying, concerning, failed, stopped, finished, ... */
  status: z.string().nullish(),
  invocation_times: z.number().nullish(),
  failed_times: z.number().nullish(),
});

/** `GET /v1/{project_id}/services`. */
export const serviceListSchema = z.looseObject({
  total_count: z.number().int().nonnegative(),
  count: z.number().int().nullish(),
  services: z.array(deploymentServiceSchema),
});

export type ServiceEvent = z.infer<typeof serviceEventSchema>;
export type ServiceEvents = z.infer<typeof serviceEventsSchema>;
export type DeploymentService = z.infer<typeof deploymentServiceSchema>;
export type ServiceList = z.infer<typeof serviceListSchema>;
