import type { Request } from 'express';
import { z } from 'zod';
import { createEmulatorApp, type EmulatorControls } from '../common/emulator.app.js';
import type { EmulatorHandle } from '../common/emulator.handle.js';
import { bodyBytes, readJson, sendControlError, sendJson, sendOk, splitRawUrl, type VendorError } from '../common/emulator.http.js';
import { DEFAULT_FAULT_KNOBS, faultKnobsSchema, KnobController, type FaultKnobs } from '../common/emulator.knobs.js';
import {
  cloneDataset,
  cloneLog,
  generateTencentCcrDataset,
  parseInvokeTime,
  type StoredLog,
  type TencentCcrDataset,
  type TriggerLog,
} from './tencent-ccr.dataset.js';
import {
  legacySignature,
  legacyStringToSign,
  NonceStore,
  signaturesMatch,
  type TencentSignatureMethod,
} from './tencent-ccr.verifier.js';

/**
 * Emulator of Tencent Cloud CCR's legacy `ListTriggerLog` (API 2.0; docs/vendors/tencent-ccr.md)
 * at `/v2/index.php`, by GET (query string) or POST (form-encoded body).
 *
 * Every answer to the API is HTTP 200; errors are `{code, message, codeDesc}` with
 * `code != 0`, in the order the checks run:
 * - 4000: a missing or malformed common parameter (Action, Region, Timestamp, Nonce,
 *   SecretId, Signature, SignatureMethod), a repeated parameter, an unknown Action or Region,
 *   or a bad action parameter;
 * - 4104: an unknown SecretId;
 * - 4500: a Timestamp more than 2 hours off the emulator's clock;
 * - 4100: a wrong signature, or a temporary key without its Token;
 * - 4500: a Nonce already used with that SecretId within the 2 hours (checked only once the
 *   signature is good, so that a forged request cannot burn someone's nonce).
 * Only the fault knobs answer other HTTP statuses (with a Tencent-style body).
 *
 * Action parameters, where the page is silent the emulator chooses:
 * - `reponame` required; an unknown repository is an empty list (totalCount 0), not an error;
 * - `offset` >= 0, default 0; `limit` 1..1000, default 20 (no maximum is documented; 1000
 *   is the emulator's);
 * - `order` asc | desc, default desc; `orderby` invoke_time (default) | trigger_name |
 *   repo_name. Ties on the key are broken by invoke_time, then by arrival, ascending; desc
 *   is the exact reverse of asc, so paging through ties is deterministic.
 */

export const TENCENT_CODES = {
  badParameter: 4000,
  authFailure: 4100,
  unknownSecretId: 4104,
  replay: 4500,
  rateLimited: 4400,
  internal: 6000,
} as const;

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 20;
export const REPLAY_WINDOW_MS = 2 * 3600 * 1000;

/** Regions of the legacy CCR API. */
export const TENCENT_REGIONS = [
  'ap-guangzhou',
  'ap-shanghai',
  'ap-shanghai-fsi',
  'ap-beijing',
  'ap-hongkong',
  'ap-singapore',
  'ap-chengdu',
] as const;

export interface TencentKeyPair {
  secretId: string;
  secretKey: string;
  /** A temporary key: requests must carry this `Token`. */
  token?: string;
}

export const DEMO_TENCENT_KEYS: readonly TencentKeyPair[] = Object.freeze([
  { secretId: 'AKIDEVGDEMO0TENCENT0CCR0000000000001', secretKey: 'evgDemoSecretKey0TencentCcr000001' },
  {
    secretId: 'AKIDEVGDEMO0TENCENT0CCR0TEMPORARY002',
    secretKey: 'evgDemoSecretKey0TencentCcrTemp02',
    token: 'evg-demo-session-token-0001',
  },
]);

export type TencentCcrKnobs = FaultKnobs;

export interface TencentCcrEmulatorOptions {
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Added to the demo keys. */
  keys?: TencentKeyPair[];
  seed?: number;
  /** Anchor of the generated data, epoch ms. Default: start time floored to the minute. */
  now?: number;
  scale?: number;
  dataset?: TencentCcrDataset;
  /** Server clock for the Timestamp check. Default Date.now. */
  clock?: () => number;
  maxClockSkewMs?: number;
  knobs?: Partial<TencentCcrKnobs>;
}

export interface TencentCcrEmulatorHandle extends EmulatorHandle, EmulatorControls<TencentCcrKnobs> {
  readonly name: 'tencent-ccr';
  readonly now: number;
  readonly keys: readonly TencentKeyPair[];
  repositories(): string[];
  /** A repository's records, ascending by invoke time, ties in arrival order. */
  logs(repoName: string): TriggerLog[];
  /** Adds records (each `repoName` must be this one); returns the repository's new count. */
  appendLogs(repoName: string, logs: TriggerLog[]): number;
  /** Knobs, request log, nonces and data back to their seeded state. */
  reset(): void;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly codeDesc: string,
  ) {
    super(message);
  }
}

const bad = (message: string, codeDesc = 'InvalidParameter') => new ApiError(TENCENT_CODES.badParameter, message, codeDesc);

export function tencentError(code: number, message: string, codeDesc: string): { code: number; message: string; codeDesc: string } {
  return { code, message, codeDesc };
}

/** The body an injected HTTP status carries: the gateway's envelope with a matching code. */
export function tencentErrorForStatus(status: number): VendorError {
  if (status === 429) return { status, body: tencentError(TENCENT_CODES.rateLimited, 'request limit exceeded', 'RequestLimitExceeded') };
  if (status === 401 || status === 403) return { status, body: tencentError(TENCENT_CODES.authFailure, 'authentication failed', 'AuthFailure') };
  if (status < 500) return { status, body: tencentError(TENCENT_CODES.badParameter, 'bad request', 'InvalidParameter') };
  return { status, body: tencentError(TENCENT_CODES.internal, 'internal error', 'InternalError') };
}

const logSchema = z
  .object({
    repoName: z.string().min(1),
    tagName: z.string(),
    triggerName: z.string(),
    invokeSource: z.string(),
    invokeAction: z.string(),
    invokeTime: z.string().refine((text) => !Number.isNaN(parseInvokeTime(text)), 'must be YYYY-MM-DD HH:MM:SS'),
    invokeCondition: z.object({ invokeMethod: z.enum(['all', 'taglist', 'regex']), invokeExpr: z.string() }).strict(),
    invokePara: z
      .object({
        appId: z.string(),
        clusterId: z.string(),
        namespace: z.string(),
        serviceName: z.string(),
        containerName: z.string(),
        clusterRegion: z.number().int(),
      })
      .strict(),
    invokeResult: z.object({ returnCode: z.number().int(), returnMsg: z.string() }).strict(),
  })
  .strict();
const appendSchema = z.object({ repoName: z.string().min(1), logs: z.array(logSchema).max(100_000) }).strict();

const ORDER_BY = ['invoke_time', 'trigger_name', 'repo_name'] as const;
type OrderBy = (typeof ORDER_BY)[number];

export async function startTencentCcrEmulator(options: TencentCcrEmulatorOptions = {}): Promise<TencentCcrEmulatorHandle> {
  const seed = options.seed ?? 1;
  const now = options.dataset?.now ?? options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const pristine = cloneDataset(options.dataset ?? generateTencentCcrDataset({ seed, now, scale: options.scale ?? 1 }));
  let data = cloneDataset(pristine);
  const keys: TencentKeyPair[] = [...DEMO_TENCENT_KEYS, ...(options.keys ?? [])];
  const clock = options.clock ?? Date.now;
  const maxSkewMs = options.maxClockSkewMs ?? REPLAY_WINDOW_MS;
  const nonces = new NonceStore(Math.max(maxSkewMs, REPLAY_WINDOW_MS) * 2);

  const appendLogs = (repoName: string, logs: unknown): number => {
    const parsed = appendSchema.parse({ repoName, logs });
    const stored = data.repositories.get(repoName) ?? [];
    for (const log of parsed.logs) {
      if (log.repoName !== repoName) throw new Error(`record of ${log.repoName} appended to ${repoName}`);
      const entry: StoredLog = { at: parseInvokeTime(log.invokeTime), log: cloneLog(log) };
      // After every record of the same or an earlier second: arrival order among ties.
      let at = stored.length;
      while (at > 0 && stored[at - 1]!.at > entry.at) at -= 1;
      stored.splice(at, 0, entry);
    }
    data.repositories.set(repoName, stored);
    return stored.length;
  };

  const { app, knobs, listen } = createEmulatorApp<TencentCcrKnobs>({
    knobs: new KnobController<TencentCcrKnobs>(DEFAULT_FAULT_KNOBS, (input) => faultKnobsSchema.partial().strict().parse(input)),
    faultSeed: (seed ^ 0x7ecc) >>> 0,
    errorFor: tencentErrorForStatus,
    notFound: () => ({ status: 404, body: tencentError(TENCENT_CODES.badParameter, 'no such API; try /v2/index.php', 'InvalidAction') }),
    resetData: () => {
      data = cloneDataset(pristine);
      nonces.clear();
    },
    extendControl: (router) => {
      router.get('/dataset', (_req, res) =>
        sendJson(res, 200, {
          now,
          repositories: [...data.repositories].map(([name, logs]) => ({ repoName: name, count: logs.length })),
        }),
      );
      // Repository names hold a `/`, so the name travels in the body.
      router.post('/logs', (req, res) => {
        try {
          const body = readJson(req) as { repoName?: unknown; logs?: unknown };
          const total = appendLogs(String(body.repoName ?? ''), body.logs);
          sendJson(res, 201, { repoName: body.repoName, totalCount: total });
        } catch (error) {
          sendControlError(res, error);
        }
      });
    },
  });
  if (options.knobs) knobs.set(options.knobs);

  app.all('/v2/index.php', (req, res) => {
    try {
      const body = listTriggerLog(req);
      sendOk(res, knobs.get(), body, () => ({
        code: 0,
        message: '',
        codeDesc: 'Success',
        data: { logInfo: { first: body.data.logInfo[0] ?? null }, totalCount: String(body.data.totalCount) },
      }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      sendJson(res, 200, tencentError(error.code, error.message, error.codeDesc));
    }
  });
  return {
    name: 'tencent-ccr',
    ...(await listen(options)),
    now,
    keys,
    repositories: () => [...data.repositories.keys()],
    logs: (repoName) => (data.repositories.get(repoName) ?? []).map(({ log }) => cloneLog(log)),
    appendLogs: (repoName, logs) => appendLogs(repoName, logs),
  };

  function listTriggerLog(req: Request) {
    const params = readParams(req);
    authenticate(req, params);
    if (params.get('Action') !== 'ListTriggerLog') throw bad(`unknown Action "${params.get('Action')}"`, 'InvalidAction');
    const region = params.get('Region')!;
    if (!(TENCENT_REGIONS as readonly string[]).includes(region)) throw bad(`unknown Region "${region}"`, 'InvalidRegion');
    const repoName = params.get('reponame');
    if (repoName === undefined || repoName === '') throw bad('reponame is required', 'MissingParameter');
    const offset = integerParam(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = integerParam(params, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
    const order = oneOf(params, 'order', ['asc', 'desc'] as const) ?? 'desc';
    const orderBy = oneOf(params, 'orderby', ORDER_BY) ?? 'invoke_time';
    const stored = data.repositories.get(repoName) ?? [];
    const page = slice(stored, orderBy, order, offset, limit);
    // Key order as in the page's example response.
    return {
      code: 0,
      message: '',
      codeDesc: 'Success',
      data: { logInfo: page.map((log) => cloneLog(log)), totalCount: stored.length },
    };
  }

  function authenticate(req: Request, params: Map<string, string>): void {
    for (const name of ['Action', 'Region', 'Timestamp', 'Nonce', 'SecretId', 'Signature']) {
      if (!params.get(name)) throw bad(`the common parameter ${name} is missing`, 'MissingParameter');
    }
    const timestamp = params.get('Timestamp')!;
    const nonce = params.get('Nonce')!;
    if (!/^\d{1,12}$/.test(timestamp)) throw bad(`Timestamp must be Unix seconds, got "${timestamp}"`);
    if (!/^\d{1,19}$/.test(nonce) || /^0+$/.test(nonce)) throw bad(`Nonce must be a positive integer, got "${nonce}"`);
    const method = params.get('SignatureMethod') ?? 'HmacSHA1';
    if (method !== 'HmacSHA1' && method !== 'HmacSHA256') throw bad(`SignatureMethod must be HmacSHA1 or HmacSHA256, got "${method}"`);
    const secretId = params.get('SecretId')!;
    const key = keys.find((candidate) => candidate.secretId === secretId);
    if (!key) throw new ApiError(TENCENT_CODES.unknownSecretId, `SecretId ${secretId} does not exist`, 'AuthFailure.SecretIdNotFound');
    const skew = Math.abs(Number(timestamp) * 1000 - clock());
    if (skew > maxSkewMs) {
      throw new ApiError(TENCENT_CODES.replay, `Timestamp ${timestamp} is ${Math.round(skew / 1000)}s off the server time`, 'AuthFailure.InvalidTimestamp');
    }
    const toSign = legacyStringToSign(req.method, req.headers.host ?? '', splitRawUrl(req.originalUrl).rawPath, params);
    if (!signaturesMatch(legacySignature(toSign, key.secretKey, method as TencentSignatureMethod), params.get('Signature')!)) {
      throw new ApiError(TENCENT_CODES.authFailure, 'signature verification failed', 'AuthFailure.SignatureFailure');
    }
    if (key.token !== undefined && params.get('Token') !== key.token) {
      throw new ApiError(TENCENT_CODES.authFailure, 'a temporary key needs its Token', 'AuthFailure.TokenFailure');
    }
    if (!nonces.accept(secretId, nonce, clock())) {
      throw new ApiError(TENCENT_CODES.replay, `Nonce ${nonce} was already used`, 'AuthFailure.ReplayAttack');
    }
  }
}

/** GET reads the query string, POST the form body, as the legacy gateway does. */
function readParams(req: Request): Map<string, string> {
  let text: string;
  if (req.method === 'GET') {
    text = splitRawUrl(req.originalUrl).rawQuery;
  } else if (req.method === 'POST') {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw bad(`a POST must be application/x-www-form-urlencoded, got "${type}"`);
    }
    text = bodyBytes(req).toString('utf8');
  } else {
    throw bad(`method ${req.method} is not allowed; use GET or POST`);
  }
  const params = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [rawName, rawValue] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw bad(`parameter "${rawName}" is not correctly percent-encoded`);
    }
    if (params.has(name)) throw bad(`parameter ${name} is given more than once`);
    params.set(name, value);
  }
  return params;
}

function integerParam(params: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min || Number(raw) > max) {
    throw bad(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function oneOf<T extends string>(params: Map<string, string>, name: string, allowed: readonly T[]): T | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw bad(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** The records of [offset, offset + limit) in the asked order; O(limit) for invoke_time. */
function slice(stored: readonly StoredLog[], orderBy: OrderBy, order: 'asc' | 'desc', offset: number, limit: number): TriggerLog[] {
  let ascending: readonly StoredLog[] = stored;
  if (orderBy === 'trigger_name') {
    // Stored order is already (invoke_time, arrival), and the sort is stable.
    ascending = [...stored].sort((a, b) => (a.log.triggerName < b.log.triggerName ? -1 : a.log.triggerName > b.log.triggerName ? 1 : 0));
  }
  // repo_name: every record of one query has the same repository, so it is invoke_time order.
  const out: TriggerLog[] = [];
  for (let i = offset; i < Math.min(stored.length, offset + limit); i++) {
    out.push((order === 'asc' ? ascending[i] : ascending[stored.length - 1 - i])!.log);
  }
  return out;
}
