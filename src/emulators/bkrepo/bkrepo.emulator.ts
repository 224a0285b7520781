import { IANAZone } from 'luxon';
import { z } from 'zod';
import { createEmulatorApp, type EmulatorControls } from '../common/emulator.app.js';
import type { EmulatorHandle } from '../common/emulator.handle.js';
import { BadJsonError, bodyBytes, readJson, sendControlError, sendJson, sendOk, type VendorError } from '../common/emulator.http.js';
import { DEFAULT_FAULT_KNOBS, KnobController, faultKnobsShape } from '../common/emulator.knobs.js';
import { DEMO_BKREPO_ACCOUNTS, authenticate, canManage, type BkRepoAccounts } from './bkrepo.accounts.js';
import { generateBkRepoDataset, type BkRepoDataset, type BkRepoLogRecord } from './bkrepo.dataset.js';
import {
  ERROR_INVALID_REQUEST,
  LogListRequestError,
  LogStore,
  parseLogListBody,
} from './bkrepo.query.js';
import { formatLocal, offsetHeader, parseZoneHeader } from './bkrepo.time.js';

/**
 * BlueKing bk-repo's operation log, `POST /repository/api/log/list` (docs/vendors/bkrepo.md): auth, body validation, prefix/wildcard matching, paging, sorting and time zones, and
 * the `{code, message, data, traceId}` envelope, for errors too.
 */

export const LOG_LIST_PATH = '/repository/api/log/list';
export const TIME_ZONE_HEADER = 'X-BKREPO-Time-Zone';

export const ERROR_SYSTEM = 250102;
export const ERROR_UNAUTHORIZED = 250114;
export const ERROR_FORBIDDEN = 250113;

export const bkRepoKnobsSchema = z
  .object({
    ...faultKnobsShape,
    /** The server's own zone: stored times are written in it, and request times read in it. */
    serverTimeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), { message: 'must be an IANA time zone' }),
    /** Whether answers name their zone in `X-BKREPO-Time-Zone` (older servers do not). */
    timeZoneHeader: z.boolean(),
  })
  .strict();
export type BkRepoKnobs = z.infer<typeof bkRepoKnobsSchema>;

export const DEFAULT_SERVER_TIME_ZONE = 'Asia/Shanghai';

export interface BkRepoEmulatorOptions {
  host?: string;
  port?: number;
  accounts?: BkRepoAccounts;
  seed?: number;
  /** Anchor of the generated data, epoch ms. */
  now?: number;
  scale?: number;
  dataset?: BkRepoDataset;
  /** The server's clock, for the 3-month default window and the zone's current offset. */
  clock?: () => number;
  knobs?: Partial<BkRepoKnobs>;
}

export interface BkRepoEmulatorHandle extends EmulatorHandle, EmulatorControls<BkRepoKnobs> {
  readonly name: 'bkrepo';
  readonly accounts: BkRepoAccounts;
  readonly now: number;
  readonly projects: Record<string, string[]>;
  /** Every stored record, ascending by time, ties in insertion order. */
  records(): BkRepoLogRecord[];
  appendRecords(records: BkRepoLogRecord[]): number;
}

const recordSchema = z
  .object({
    at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    type: z.string().min(1),
    projectId: z.string().min(1),
    repoName: z.string(),
    resourceKey: z.string(),
    userId: z.string().min(1),
    clientAddress: z.string(),
    description: z.record(z.string(), z.unknown()),
  })
  .strict();

export function bkRepoError(status: number, code: number, message: string): VendorError {
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Basic realm="bk-repo"' } : {};
  return { status, body: { code, message, data: null, traceId: '' }, headers };
}

export function bkRepoErrorForStatus(status: number): VendorError {
  if (status === 400) return bkRepoError(400, ERROR_INVALID_REQUEST, 'invalid request content');
  if (status === 401) return bkRepoError(401, ERROR_UNAUTHORIZED, 'authentication failed');
  if (status === 403) return bkRepoError(403, ERROR_FORBIDDEN, 'permission denied');
  return bkRepoError(status, ERROR_SYSTEM, 'system error');
}

export async function startBkRepoEmulator(options: BkRepoEmulatorOptions = {}): Promise<BkRepoEmulatorHandle> {
  const accounts = options.accounts ?? DEMO_BKREPO_ACCOUNTS;
  const seed = options.seed ?? 1;
  const clock = options.clock ?? Date.now;
  const now = options.dataset?.now ?? options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const dataset = options.dataset ?? generateBkRepoDataset({ seed, now, scale: options.scale ?? 1 });
  let store = new LogStore(dataset.records);

  const appendRecords = (records: unknown): number => {
    for (const record of z.array(recordSchema).max(100_000).parse(records)) store.add(record);
    return store.size;
  };

  const { app, knobs, listen } = createEmulatorApp<BkRepoKnobs>({
    knobs: new KnobController<BkRepoKnobs>(
      { ...DEFAULT_FAULT_KNOBS, serverTimeZone: DEFAULT_SERVER_TIME_ZONE, timeZoneHeader: true },
      (input) => bkRepoKnobsSchema.partial().strict().parse(input),
    ),
    faultSeed: (seed ^ 0xb4e0) >>> 0,
    errorFor: bkRepoErrorForStatus,
    notFound: () => bkRepoError(404, 250104, 'resource not found'),
    resetData: () => {
      store = new LogStore(dataset.records);
    },
    extendControl: (router) => {
      router.get('/records', (_req, res) => sendJson(res, 200, store.list()));
      router.post('/records', (req, res) => {
        try {
          sendJson(res, 201, { total: appendRecords(readJson(req)) });
        } catch (error) {
          sendControlError(res, error);
        }
      });
    },
  });
  if (options.knobs) knobs.set(options.knobs);

  app.post(LOG_LIST_PATH, (req, res) => {
    const send = (error: VendorError) => sendJson(res, error.status, error.body, error.headers);
    const auth = authenticate(accounts, req.get('authorization'), req.get('x-bkrepo-uid'));
    if (!auth.ok) return send(bkRepoError(401, ERROR_UNAUTHORIZED, `authentication failed: ${auth.reason}`));

    const current = knobs.get();
    const serverZone = IANAZone.create(current.serverTimeZone);
    let query;
    try {
      if (bodyBytes(req).length === 0) throw new LogListRequestError(ERROR_INVALID_REQUEST, 'invalid request content: the body is empty');
      let body: unknown;
      try {
        body = readJson(req);
      } catch (error) {
        if (error instanceof BadJsonError) throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: ${error.message}`);
        throw error;
      }
      query = parseLogListBody(body, serverZone, clock());
    } catch (error) {
      if (error instanceof LogListRequestError) return send(bkRepoError(400, error.code, error.message));
      throw error;
    }
    if (!canManage(accounts, auth.userId, query.projectId)) {
      return send(bkRepoError(403, ERROR_FORBIDDEN, `user [${auth.userId}] does not have [MANAGE] permission in project [${query.projectId}]`));
    }

    const answerZone = parseZoneHeader(req.get(TIME_ZONE_HEADER)) ?? serverZone;
    const { total, records } = store.query(query);
    const wire = records.map((r) => ({
      createdDate: formatLocal(r.at, answerZone),
      type: r.type,
      projectId: r.projectId,
      repoName: r.repoName,
      resourceKey: r.resourceKey,
      userId: r.userId,
      clientAddress: r.clientAddress,
      description: r.description,
    }));
    const body = {
      code: 0,
      message: null,
      data: {
        pageNumber: query.pageNumber,
        pageSize: query.pageSize,
        totalRecords: total,
        totalPages: Math.ceil(total / query.pageSize),
        records: wire,
        // Deprecated aliases that bk-repo's Page still serialises: the totals, not this page.
        count: total,
        page: query.pageNumber,
      },
      traceId: '',
    };
    if (current.timeZoneHeader) res.set(TIME_ZONE_HEADER, offsetHeader(answerZone, clock()));
    sendOk(res, current, body, () => ({
      code: '0',
      message: null,
      data: { pageNumber: String(query.pageNumber), totalRecords: null, records: Object.fromEntries(wire.map((r, i) => [String(i), r])) },
      traceId: 0,
    }));
  });

  return {
    name: 'bkrepo',
    ...(await listen(options)),
    accounts,
    now,
    projects: structuredClone(dataset.projects),
    records: () => store.list(),
    appendRecords: (records) => appendRecords(records),
  };
}
