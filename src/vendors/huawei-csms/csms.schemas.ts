import { z } from 'zod';

/**
 * CSMS `ListNotificationRecords` answers (docs/vendors/huawei-csms.md). Strict on what the
 * timeline needs (a creation time, a secret name, an event type), lenient on the rest, which
 * a record may lack without ceasing to be an event. Loose objects keep extra fields for `raw`.
 */

export const csmsRecordSchema = z.looseObject({
  event_name: z.string().nullish(),
  /** SECRET_VERSION_CREATED | SECRET_VERSION_EXPIRED | SECRET_ROTATED | SECRET_DELETED | SECRET_ROTATED_FAILED */
  trigger_event_type: z.string(),
  /** Documented as seconds, given as milliseconds in the example: see `createTimeToMs`. */
  create_time: z.number().nonnegative(),
  secret_name: z.string(),
  /** COMMON | RDS | RDS-FG | GaussDB-FG */
  secret_type: z.string().nullish(),
  notification_target_name: z.string().nullish(),
  notification_target_id: z.string().nullish(),
  /** A JSON document inside a string; never parsed here. */
  notification_content: z.string().nullish(),
  /** SUCCESS | FAIL | INVALID */
  notification_status: z.string().nullish(),
});

export const csmsPageInfoSchema = z.looseObject({
  next_marker: z.string().nullish(),
  previous_marker: z.string().nullish(),
  current_count: z.number().int().nonnegative().nullish(),
});

export const csmsRecordsSchema = z.looseObject({
  records: z
    .array(csmsRecordSchema)
    .nullish()
    .transform((list) => list ?? []),
  page_info: csmsPageInfoSchema.nullish(),
});

export type CsmsRecord = z.infer<typeof csmsRecordSchema>;
export type CsmsRecords = z.infer<typeof csmsRecordsSchema>;
