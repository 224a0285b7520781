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
import { readJson, sendControlError, sendJson, sendOk, splitRawUrl, type VendorError } from '../common/emulator.http.js';
import { DEFAULT_FAULT_KNOBS, faultKnobsShape, KnobController, type FaultKnobs } from '../common/emulator.knobs.js';
import { cloneHssDataset, generateHssDataset, type HssDataset, type HssImageEvent } from './hss.dataset.js';
import { HSS_DEFAULT_LIMIT, HSS_MAX_LIMIT, HSS_MAX_OFFSET, HSS_STRING_LIMITS, HssParamError, HssQueryParams } from './hss.params.js';

/**
 * Emulator of Huawei Cloud HSS `ListContainerImageLogs` (docs/vendors/huawei-hss.md) behind an
 * emulated API gateway (AK/SK or IAM token, docs/vendors/huawei-modelarts.md, "Auth and signing").
 *
 * `GET /v5/{project_id}/container/image/events`:
 * - `resource_name`, `resource_type`, `event_type`, `event_name`, `source_ip`, `user_name`:
 *   exact matches (the page does not say exact or fuzzy; exact is the narrower reading);
 * - `start_time`, `end_time`: epoch ms, both INCLUSIVE, either may be absent; start after
 *   end is a 400;
 * - `limit` 0..200, default 10 (0 answers the count alone); `offset` 0..2,000,000, a record
 *   offset; a page past the end is 200 with an empty `data_list`;
 * - no sort parameter: records come newest first, and among records of one millisecond in
 *   the reverse of their insertion order, so every page boundary is deterministic. The
 *   `order` knob makes the emulator answer in another order, so that tests can see what a
 *   client does with an upstream that does not sort the way it assumed.
 *
 * Errors, flat `{error_code, error_msg}`: 400 HSS.0001 (invalid parameter), 403 HSS.0010 (a
 * project other than the account's, or not the caller's), 500 HSS.0041; the gateway's 401
 * APIGW.0301 (authentication) and 404 APIGW.0101 (no such API).
 */

export const HSS_ERRORS = {
  invalidParameter: 'HSS.0001',
  parseFailure: 'HSS.0002',
  forbidden: 'HSS.0010',
  notFound: 'HSS.0011',
  internal: 'HSS.0041',
} as const;

export function hssError(status: number, code: string, message: string): VendorError {
  return { status, body: { error_code: code, error_msg: message } };
}

/** The body an injected status carries; 401 and 429 are the gateway's. */
export function hssErrorForStatus(status: number): VendorError {
  return huaweiErrorForStatus(status, hssError, {
    400: [HSS_ERRORS.invalidParameter, 'Invalid parameter.'],
    403: [HSS_ERRORS.forbidden, 'Forbidden.'],
    404: [HSS_ERRORS.notFound, 'Not found.'],
    internal: HSS_ERRORS.internal,
  });
}

export const HSS_ORDERS = ['newest-first', 'oldest-first', 'event-id'] as const;

export interface HssKnobs extends FaultKnobs {
  /**
   * The order records are answered in: `newest-first` (the default, what the service does),
   * `oldest-first`, or `event-id` (by event id, which is unrelated to time: an upstream with
   * no order at all).
   */
  order: (typeof HSS_ORDERS)[number];
}

const hssKnobsPatchSchema = z.object({ ...faultKnobsShape, order: z.enum(HSS_ORDERS) }).partial().strict();
const DEFAULT_HSS_KNOBS: Readonly<HssKnobs> = Object.freeze({ ...DEFAULT_FAULT_KNOBS, order: 'newest-first' });

export interface HssEmulatorOptions extends HuaweiServiceEmulatorOptions<HssDataset, HssKnobs> {
  /** Multiplies the number of records (about 4000 at scale 1). */
  scale?: number;
}

export interface HssEmulatorHandle extends EmulatorHandle, EmulatorControls<HssKnobs>, HuaweiServiceHandleFields<HssDataset> {
  readonly name: 'huawei-hss';
  /** Every record, newest first (the emulator's own order), ties as the API answers them. */
  events(): HssImageEvent[];
  /** Appends records at run time; returns the new record count. Throws on a bad record. */
  appendEvents(events: HssImageEvent[]): number;
}

const recordSchema = z
  .object({
    resource_name: z.string(),
    resource_type: z.string(),
    event_name: z.string(),
    event_id: z.string().min(1),
    event_type: z.string(),
    source_ip: z.string(),
    user_name: z.string(),
    time: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    content: z.string(),
  })
  .strict();
const appendSchema = z.array(recordSchema).max(100_000);

type StringFilters = Partial<Record<keyof typeof HSS_STRING_LIMITS, string>>;

export async function startHssEmulator(options: HssEmulatorOptions = {}): Promise<HssEmulatorHandle> {
  const account = options.account ?? huaweiAccount();
  const seed = options.seed ?? 1;
  const now = options.dataset?.now ?? options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const original = options.dataset ?? generateHssDataset({ seed, now, scale: options.scale ?? 1, projectId: account.projectId });
  const pristine = cloneHssDataset(original);
  let index = new HssEventIndex(pristine.events);

  const appendEvents = (events: unknown): number => {
    for (const event of appendSchema.parse(events)) index.add(event);
    return index.size;
  };

  const { app, knobs, listen } = createEmulatorApp<HssKnobs>({
    knobs: new KnobController<HssKnobs>(DEFAULT_HSS_KNOBS, (input) => hssKnobsPatchSchema.parse(input)),
    faultSeed: (seed ^ 0x4855) >>> 0,
    errorFor: hssErrorForStatus,
    notFound: apigwNotFound,
    resetData: () => {
      index = new HssEventIndex(cloneHssDataset(pristine).events);
    },
    extendControl: (router) => {
      router.get('/dataset', (_req, res) =>
        sendJson(res, 200, { projectId: account.projectId, now, notable: original.notable, total: index.size }),
      );
      router.post('/events', (req, res) => {
        try {
          const body = readJson(req);
          sendJson(res, 201, { appended: Array.isArray(body) ? body.length : 0, total_num: appendEvents(body) });
        } catch (error) {
          sendControlError(res, error);
        }
      });
    },
  });
  if (options.knobs) knobs.set(options.knobs);
  const auth = huaweiServiceAuth(account, options);

  app.get('/v5/:project_id/container/image/events', auth, (req, res) => {
    if (!huaweiProjectAllowed(req, res, account, (reason) => hssError(403, HSS_ERRORS.forbidden, reason))) return;
    let query: HssQuery;
    try {
      const q = new HssQueryParams(splitRawUrl(req.originalUrl).rawQuery);
      const filters: StringFilters = {};
      for (const name of Object.keys(HSS_STRING_LIMITS) as (keyof typeof HSS_STRING_LIMITS)[]) {
        const value = q.string(name);
        if (value !== undefined) filters[name] = value;
      }
      const startTime = q.integer('start_time');
      const endTime = q.integer('end_time');
      if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
        throw new HssParamError(`start_time ${startTime} is after end_time ${endTime}`);
      }
      query = {
        filters,
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        limit: q.integer('limit', { min: 0, max: HSS_MAX_LIMIT }) ?? HSS_DEFAULT_LIMIT,
        offset: q.integer('offset', { min: 0, max: HSS_MAX_OFFSET }) ?? 0,
        order: knobs.get().order,
      };
    } catch (error) {
      if (!(error instanceof HssParamError)) throw error;
      const e = hssError(400, HSS_ERRORS.invalidParameter, `Invalid parameter: ${error.message}`);
      sendJson(res, e.status, e.body);
      return;
    }
    const { total, events } = index.query(query);
    sendOk(res, knobs.get(), { total_num: total, data_list: events }, () => ({
      total_num: String(total),
      data_list: Object.fromEntries(events.map((e) => [e.event_id, e.time])),
    }));
  });

  return {
    name: 'huawei-hss',
    ...(await listen(options)),
    account,
    projectId: account.projectId,
    now,
    notable: original.notable,
    events: () => index.query({ filters: {}, limit: Number.MAX_SAFE_INTEGER, offset: 0, order: 'newest-first' }).events,
    appendEvents: (events) => appendEvents(events),
  };
}

interface HssQuery {
  filters: StringFilters;
  startTime?: number;
  endTime?: number;
  limit: number;
  offset: number;
  order: HssKnobs['order'];
}

/**
 * The records, sorted once by time and kept sorted (ties in insertion order). A query is a
 * binary search for the time range, a scan of it for the string filters, and a slice.
 */
class HssEventIndex {
  private readonly all: HssImageEvent[];

  constructor(events: readonly HssImageEvent[]) {
    // Array.prototype.sort is stable, which keeps insertion order among ties.
    this.all = events.map((e) => ({ ...e })).sort((a, b) => a.time - b.time);
  }

  get size(): number {
    return this.all.length;
  }

  add(event: HssImageEvent): void {
    this.all.splice(firstAfter(this.all, event.time), 0, { ...event });
  }

  query(q: HssQuery): { total: number; events: HssImageEvent[] } {
    const lo = q.startTime === undefined ? 0 : firstAtOrAfter(this.all, q.startTime);
    const hi = q.endTime === undefined ? this.all.length : firstAfter(this.all, q.endTime);
    const entries = Object.entries(q.filters) as [keyof HssImageEvent, string][];
    const matches: HssImageEvent[] = [];
    for (let i = lo; i < hi; i++) {
      const event = this.all[i]!;
      if (entries.every(([field, value]) => event[field] === value)) matches.push(event);
    }
    if (q.order === 'newest-first') matches.reverse();
    else if (q.order === 'event-id') matches.sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : a.time - b.time));
    return { total: matches.length, events: matches.slice(q.offset, q.offset + q.limit).map((e) => ({ ...e })) };
  }
}

function firstAtOrAfter(events: readonly HssImageEvent[], time: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstAfter(events: readonly HssImageEvent[], time: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.time <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
