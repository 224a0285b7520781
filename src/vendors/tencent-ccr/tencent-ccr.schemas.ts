import { FixedOffsetZone } from 'luxon';
import { parseWallClock, wallClockToEpochMs } from '../common/wall-clock.js';
import { z } from 'zod';

/**
 * `ListTriggerLog` answers (docs/vendors/tencent-ccr.md). Strict on what the timeline needs
 * (the repository, trigger, tag, a readable `invokeTime`, the return code), lenient on the
 * rest: loose objects keep new fields for `raw`, and descriptive fields may be missing.
 */

/** `code` is a number on the page's example and a string ("5100") on one legacy page. */
const numeric = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]);
/** Ids the page types as String that a JSON encoder may well write as a number. */
const text = z.union([z.string(), z.number().transform(String)]);

export const INVOKE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export const triggerLogSchema = z.looseObject({
  repoName: z.string().min(1),
  tagName: z.string(),
  triggerName: z.string(),
  invokeSource: z.string().nullish(),
  invokeAction: z.string().nullish(),
  /** `YYYY-MM-DD HH:MM:SS`, local time with no zone. */
  invokeTime: z
    .string()
    .regex(INVOKE_TIME, 'must be YYYY-MM-DD HH:MM:SS')
    .refine((value) => {
      const time = parseWallClock(value);
      return time !== null && wallClockToEpochMs(time, FixedOffsetZone.utcInstance) !== null;
    }, 'is not a date and time of the calendar'),
  invokeCondition: z
    .looseObject({ invokeMethod: z.string().nullish(), invokeExpr: z.string().nullish() })
    .nullish(),
  invokePara: z
    .looseObject({
      appId: text.nullish(),
      serviceName: z.string().nullish(),
      clusterId: z.string().nullish(),
      namespace: z.string().nullish(),
      containerName: z.string().nullish(),
      clusterRegion: numeric.nullish(),
    })
    .nullish(),
  invokeResult: z.looseObject({ returnCode: numeric, returnMsg: z.string().nullish() }),
});

const page = z.looseObject({
  totalCount: numeric.pipe(z.number().int().nonnegative()),
  logInfo: z.array(z.unknown()).nullish(),
});

/**
 * The envelope. The page's table puts `totalCount` and `logInfo` at the top level while
 * its example nests them in `data`: both are read. Records are validated one by one after
 * this (see `parseLogs`) so that `raw` keeps each record exactly as it came.
 */
export const listTriggerLogSchema = z
  .looseObject({
    code: numeric,
    message: z.string().nullish(),
    codeDesc: z.string().nullish(),
    data: page.nullish(),
    totalCount: numeric.nullish(),
    logInfo: z.array(z.unknown()).nullish(),
  })
  .transform((body, ctx) => {
    const source = body.data ?? (body.totalCount != null ? { totalCount: body.totalCount, logInfo: body.logInfo } : undefined);
    if (!source) {
      ctx.addIssue({ code: 'custom', message: 'neither data.totalCount nor totalCount is present', path: ['data'] });
      return z.NEVER;
    }
    const rawLogs = source.logInfo ?? [];
    const logs: TriggerLog[] = [];
    rawLogs.forEach((raw, index) => {
      const parsed = triggerLogSchema.safeParse(raw);
      if (parsed.success) logs.push({ record: parsed.data, raw });
      else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['logInfo', index, ...issue.path] } as never);
    });
    return { totalCount: source.totalCount, logs };
  });

export type TriggerLogFields = z.infer<typeof triggerLogSchema>;
/** A validated record (codes read as numbers), and the record exactly as the upstream sent it. */
export interface TriggerLog {
  record: TriggerLogFields;
  raw: unknown;
}
export interface TriggerLogPage {
  totalCount: number;
  logs: TriggerLog[];
}

/** Just the envelope's code, to recognise an error answer before its shape is checked. */
export const envelopeSchema = z.looseObject({
  code: numeric,
  message: z.string().nullish(),
  codeDesc: z.string().nullish(),
});
