import { z } from 'zod';
import { huaweiAccount } from '../huawei/huawei-account.js';
import { apigwNotFound } from '../huawei/huawei-gateway.auth.js';
import {
  huaweiErrorForStatus,
  huaweiProjectAllowed,
  huaweiServiceAuth,
  type HuaweiServiceEmulatorOptions,
  type HuaweiServiceHandleFields,
} from '../huawei/huawei-service.emulator.js';
import { createEmulatorApp, type EmulatorControls } from '../common/emulator.app.js';
import type { EmulatorHandle } from '../common/emulator.handle.js';
import { readJson, sendControlError, sendJson, sendOk, type VendorError } from '../common/emulator.http.js';
import { DEFAULT_FAULT_KNOBS, faultKnobsShape, KnobController, type FaultKnobs } from '../common/emulator.knobs.js';
import { cloneCsmsDataset, generateCsmsDataset, type CsmsDataset, type CsmsNotificationRecord } from './csms.dataset.js';

/**
 * Emulator of Huawei Cloud CSMS `ListNotificationRecords` (docs/vendors/huawei-csms.md) behind
 * an emulated API gateway (AK/SK or IAM token, docs/vendors/huawei-modelarts.md, "Auth and signing").
 *
 * `GET /v1/{project_id}/csms/notification-records` takes no query parameter: the official
 * SDKs send none, and the service ignores any it is given, so the emulator does too. One call
 * answers everything it holds, newest first, at most 1000 records, with a `page_info` whose
 * markers name the first and last secret of the answer (the page calls them the previous
 * page's end and the next page's start; no input takes them back).
 *
 * The service keeps three months of records. The `retention` knob models that (records
 * older than three calendar months before the data's anchor time are dropped); it is off by
 * default so that the page's example, from 2020, is served.
 *
 * Records keep `create_time` exactly as stored: generated ones are in milliseconds, as the
 * page's example is; records appended by tests may be in seconds, as the field is documented.
 *
 * Errors have CSMS's nested body `{error: {error_code, error_msg}}`: 403 CSMS.0403 (a project
 * other than the account's, or not the caller's), 500 CSMS.0500; the gateway's own 401
 * APIGW.0301 and 404 APIGW.0101 are flat, as the gateway answers for every service.
 */

export const CSMS_MAX_RECORDS = 1000;

export const CSMS_ERRORS = {
  badRequest: 'CSMS.0400',
  forbidden: 'CSMS.0403',
  notFound: 'CSMS.0404',
  internal: 'CSMS.0500',
} as const;

export function csmsError(status: number, code: string, message: string): VendorError {
  return { status, body: { error: { error_code: code, error_msg: message } } };
}

export function csmsErrorForStatus(status: number): VendorError {
  return huaweiErrorForStatus(status, csmsError, {
    400: [CSMS_ERRORS.badRequest, 'Invalid request.'],
    403: [CSMS_ERRORS.forbidden, 'Forbidden.'],
    404: [CSMS_ERRORS.notFound, 'Resource not found.'],
    internal: CSMS_ERRORS.internal,
  });
}

export interface CsmsKnobs extends FaultKnobs {
  /** Serve only the last three months of records, as the service does. Default false. */
  retention: boolean;
}

const csmsKnobsPatchSchema = z.object({ ...faultKnobsShape, retention: z.boolean() }).partial().strict();
const DEFAULT_CSMS_KNOBS: Readonly<CsmsKnobs> = Object.freeze({ ...DEFAULT_FAULT_KNOBS, retention: false });

export interface CsmsEmulatorOptions extends HuaweiServiceEmulatorOptions<CsmsDataset, CsmsKnobs> {
  /** Anchor time of the generated data, and the clock of the retention knob. */
  now?: number;
  /** Multiplies the number of records (about 600 at scale 1). */
  scale?: number;
}

export interface CsmsEmulatorHandle
  extends EmulatorHandle,
    EmulatorControls<CsmsKnobs>,
    HuaweiServiceHandleFields<CsmsDataset> {
  readonly name: 'huawei-csms';
  /** What a call answers now (retention and the 1000 cap applied), in its order. */
  served(): CsmsNotificationRecord[];
  /** Every stored record, in insertion order. */
  records(): CsmsNotificationRecord[];
  /** Appends records; returns the stored count. Throws on a bad record. */
  appendRecords(records: CsmsNotificationRecord[]): number;
}

const recordSchema = z
  .object({
    event_name: z.string(),
    trigger_event_type: z.string(),
    create_time: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    secret_name: z.string(),
    secret_type: z.string(),
    notification_target_name: z.string(),
    notification_target_id: z.string(),
    notification_content: z.string(),
    notification_status: z.string(),
  })
  .strict();
const appendSchema = z.array(recordSchema).max(100_000);

export async function startCsmsEmulator(options: CsmsEmulatorOptions = {}): Promise<CsmsEmulatorHandle> {
  const account = options.account ?? huaweiAccount();
  const seed = options.seed ?? 1;
  const now = options.dataset?.now ?? options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const original = options.dataset ?? generateCsmsDataset({ seed, now, scale: options.scale ?? 1, projectId: account.projectId });
  const pristine = cloneCsmsDataset(original);
  let records = cloneCsmsDataset(pristine).records;

  const appendRecords = (input: unknown): number => {
    records.push(...appendSchema.parse(input).map((r) => ({ ...r })));
    return records.length;
  };

  const { app, knobs, listen } = createEmulatorApp<CsmsKnobs>({
    knobs: new KnobController<CsmsKnobs>(DEFAULT_CSMS_KNOBS, (input) => csmsKnobsPatchSchema.parse(input)),
    faultSeed: (seed ^ 0xc535) >>> 0,
    errorFor: csmsErrorForStatus,
    notFound: apigwNotFound,
    resetData: () => {
      records = cloneCsmsDataset(pristine).records;
    },
    extendControl: (router) => {
      router.get('/dataset', (_req, res) =>
        sendJson(res, 200, { projectId: account.projectId, now, notable: original.notable, stored: records.length }),
      );
      router.post('/records', (req, res) => {
        try {
          const body = readJson(req);
          sendJson(res, 201, { appended: Array.isArray(body) ? body.length : 0, stored: appendRecords(body) });
        } catch (error) {
          sendControlError(res, error);
        }
      });
    },
  });
  if (options.knobs) knobs.set(options.knobs);

  /** Newest first by creation time (either unit), ties in insertion order; capped at 1000. */
  const served = (): CsmsNotificationRecord[] => {
    const retainedFrom = knobs.get().retention ? threeMonthsBefore(now) : Number.NEGATIVE_INFINITY;
    return records
      .map((record, i) => ({ record, at: asMs(record.create_time), i }))
      .filter(({ at }) => at >= retainedFrom)
      .sort((a, b) => b.at - a.at || a.i - b.i)
      .slice(0, CSMS_MAX_RECORDS)
      .map(({ record }) => ({ ...record }));
  };

  const auth = huaweiServiceAuth(account, options);

  app.get('/v1/:project_id/csms/notification-records', auth, (req, res) => {
    if (!huaweiProjectAllowed(req, res, account, (reason) => csmsError(403, CSMS_ERRORS.forbidden, reason))) return;
    const answer = served();
    const body = {
      records: answer,
      page_info: {
        next_marker: answer.at(-1)?.secret_name ?? null,
        previous_marker: answer[0]?.secret_name ?? null,
        current_count: answer.length,
      },
    };
    sendOk(res, knobs.get(), body, () => ({
      records: Object.fromEntries(answer.map((r, i) => [String(i), r.create_time])),
      page_info: 'none',
    }));
  });

  return {
    name: 'huawei-csms',
    ...(await listen(options)),
    account,
    projectId: account.projectId,
    now,
    notable: original.notable,
    served,
    records: () => records.map((r) => ({ ...r })),
    appendRecords: (input) => appendRecords(input),
  };
}

/** Values below 10^11 are seconds (docs/vendors/huawei-csms.md): 10^11 s is the year 5138. */
function asMs(createTime: number): number {
  return createTime < 1e11 ? createTime * 1000 : createTime;
}

function threeMonthsBefore(epochMs: number): number {
  const d = new Date(epochMs);
  d.setUTCMonth(d.getUTCMonth() - 3);
  return d.getTime();
}
