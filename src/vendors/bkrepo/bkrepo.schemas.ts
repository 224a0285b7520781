import { z } from 'zod';

/**
 * bk-repo answers (docs/vendors/bkrepo.md). Strict on what the timeline relies on (the
 * time, type, names and keys, the paging totals), lenient elsewhere: loose objects keep the
 * vendor's extra fields for `raw`, and `clientAddress` and `description` may be missing.
 */

/** One record of `data.records`. */
export const logRecordSchema = z.looseObject({
  /** Local time with no zone and a fraction of 0 to 3 digits, e.g. `2022-08-02T15:20:47.235`. */
  createdDate: z.string().min(1),
  type: z.string(),
  projectId: z.string(),
  /** Empty for project-level events. */
  repoName: z.string(),
  resourceKey: z.string(),
  userId: z.string(),
  clientAddress: z.string().nullish(),
  /** A free map: md5 and sha256 for nodes, pipelineId and buildId for pipeline uploads, ... */
  description: z.record(z.string(), z.unknown()).nullish(),
});

/** bk-repo's `Page`: `count` and `page` are deprecated aliases of totalRecords and pageNumber. */
export const logPageSchema = z.looseObject({
  pageNumber: z.number().int(),
  pageSize: z.number().int(),
  totalRecords: z.number().int().nonnegative(),
  totalPages: z.number().int().nonnegative(),
  records: z.array(logRecordSchema),
  count: z.number().int().nullish(),
  page: z.number().int().nullish(),
});

/** The envelope of every answer; errors have `code != 0` and `data: null`. */
export const logListResponseSchema = z.looseObject({
  code: z.literal(0).or(z.literal('0')),
  message: z.string().nullish(),
  data: logPageSchema,
  traceId: z.string().nullish(),
});

export type LogRecord = z.infer<typeof logRecordSchema>;
export type LogPage = z.infer<typeof logPageSchema>;
