import type { Request, Response } from 'express';
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
import { DEFAULT_FAULT_KNOBS, faultKnobsSchema, KnobController, type FaultKnobs } from '../common/emulator.knobs.js';
import { ServiceEventIndex } from './modelarts-event.index.js';
import {
  cloneDataset,
  DEFAULT_WORKSPACE_ID,
  EVENT_TYPES,
  generateModelArtsDataset,
  INFER_TYPES,
  SERVICE_STATUSES,
  type ModelArtsDataset,
  type ModelArtsEvent,
  type ModelArtsService,
  type ModelRef,
} from './modelarts.dataset.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, ParamError, QueryParams } from './modelarts.params.js';

/**
 * Emulator of Huawei Cloud ModelArts' service list and service event log (docs/vendors/huawei-modelarts.md), behind an emulated API gateway (AK/SK or IAM token, docs/vendors/huawei-modelarts.md, "Auth and signing").
 *
 * `GET /v1/{project_id}/services` — filters service_id (exact), service_name (substring,
 * case-sensitive; the docs do not say exact or fuzzy), model_id (any model of the service),
 * workspace_id (exact; absent means the default workspace "0", as the English API page
 * says: "If this parameter is not set, only the default workspace is queried"), infer_type,
 * status; offset = page index from 0; limit 1..1000, default 1000; sort_by publish_at
 * (default) | service_name | transition_at; order desc (default) | asc. Ties on the sort
 * key are broken by service_id, and desc is the exact reverse of asc.
 *
 * `GET /v1/{project_id}/services/{service_id}/events` — event_type normal|abnormal;
 * start_time and end_time in epoch ms, BOTH INCLUSIVE, either may be absent, start > end is
 * 400; offset = page index from 0 (page N = matches [N*limit, (N+1)*limit)); limit 1..1000,
 * default 1000; sort_by occur_time only (default); order desc (default) | asc. Ties on
 * occur_time keep insertion order ascending and the reverse descending. A page past the
 * end is 200 with no events. The API page example lists its nine events oldest first
 * although it sends no order; the emulator follows the documented default (desc) and
 * returns that example verbatim for `order=asc`.
 *
 * Errors: 400 ModelArts.0104 (bad parameter), 403 ModelArts.0103 (a project other than the
 * account's, or not the caller's), 404 ModelArts.3502 (unknown service), 401 APIGW.0301
 * (authentication), 404 APIGW.0101 (no such API).
 */

export const MODELARTS_ERRORS = {
  badParameter: 'ModelArts.0104',
  forbiddenProject: 'ModelArts.0103',
  serviceNotFound: 'ModelArts.3502',
  internal: 'ModelArts.0001',
} as const;

export interface ModelArtsErrorBody {
  error_code: string;
  error_msg: string;
}

export function modelArtsError(status: number, code: string, message: string): VendorError {
  return { status, body: { error_code: code, error_msg: message } satisfies ModelArtsErrorBody };
}

/**
 * The body an injected status carries. 401 and 429 come from the gateway in front of the
 * service, so they use its APIGW codes; the rest are the service's own.
 */
export function modelArtsErrorForStatus(status: number): VendorError {
  return huaweiErrorForStatus(status, modelArtsError, {
    400: [MODELARTS_ERRORS.badParameter, 'Parameter error.'],
    403: [MODELARTS_ERRORS.forbiddenProject, 'Forbidden.'],
    404: [MODELARTS_ERRORS.serviceNotFound, 'Service not found.'],
    internal: MODELARTS_ERRORS.internal,
  });
}

export type ModelArtsKnobs = FaultKnobs;

export interface ModelArtsEmulatorOptions extends HuaweiServiceEmulatorOptions<ModelArtsDataset, ModelArtsKnobs> {
  /** Multiplies the number of services (8 at scale 1). Default 1. */
  scale?: number;
}

export interface ModelArtsServiceSummary {
  service_id: string;
  service_name: string;
  workspace_id: string;
  status: string;
  infer_type: string;
  models: ModelRef[];
  event_count: number;
}

export interface ModelArtsEmulatorHandle
  extends EmulatorHandle,
    EmulatorControls<ModelArtsKnobs>,
    HuaweiServiceHandleFields<ModelArtsDataset> {
  readonly name: 'huawei-modelarts';
  /** Service records as the list returns them, in dataset order. */
  services(): ModelArtsService[];
  summaries(): ModelArtsServiceSummary[];
  /** A service's events, ascending by occur_time, ties in insertion order. */
  events(serviceId: string): ModelArtsEvent[];
  /** Appends at run time; returns the service's new event count. Throws on unknown service or bad events. */
  appendEvents(serviceId: string, events: ModelArtsEvent[]): number;
}

const appendSchema = z
  .array(
    z
      .object({
        occur_time: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        event_type: z.enum(EVENT_TYPES),
        event_info: z.string(),
      })
      .strict(),
  )
  .max(100_000);

const SERVICE_SORT_KEYS = ['publish_at', 'service_name', 'transition_at'] as const;
const ORDERS = ['asc', 'desc'] as const;

interface ServiceState {
  service: ModelArtsService;
  models: ModelRef[];
  index: ServiceEventIndex;
}

export class UnknownServiceError extends Error {}

export async function startModelArtsEmulator(options: ModelArtsEmulatorOptions = {}): Promise<ModelArtsEmulatorHandle> {
  const account = options.account ?? huaweiAccount();
  const seed = options.seed ?? 1;
  const now = options.dataset?.now ?? options.now ?? Math.floor(Date.now() / 60_000) * 60_000;
  const firstUser = account.users[0];
  const original =
    options.dataset ??
    generateModelArtsDataset({
      seed,
      now,
      scale: options.scale ?? 1,
      projectId: account.projectId,
      domainId: account.domainId,
      ownerUserId: firstUser?.id ?? account.domainId,
    });
  const pristine = cloneDataset(original);
  let services = load(pristine);

  const appendEvents = (serviceId: string, events: unknown): number => {
    const state = services.get(serviceId);
    if (!state) throw new UnknownServiceError(`service ${serviceId} does not exist`);
    for (const event of appendSchema.parse(events)) state.index.add(event);
    return state.index.size;
  };

  const { app, knobs, listen } = createEmulatorApp<ModelArtsKnobs>({
    knobs: new KnobController<ModelArtsKnobs>(DEFAULT_FAULT_KNOBS, (input) => faultKnobsSchema.partial().strict().parse(input)),
    faultSeed: (seed ^ 0x5eed) >>> 0,
    errorFor: modelArtsErrorForStatus,
    notFound: apigwNotFound,
    resetData: () => {
      services = load(cloneDataset(pristine));
    },
    extendControl: (router) => {
      router.get('/dataset', (_req, res) =>
        sendJson(res, 200, { projectId: account.projectId, now, notable: original.notable, services: summaries() }),
      );
      router.post('/services/:service_id/events', (req, res) => {
        const serviceId = String(req.params.service_id);
        try {
          const body = readJson(req);
          const total = appendEvents(serviceId, body);
          sendJson(res, 201, { service_id: serviceId, appended: Array.isArray(body) ? body.length : 0, total_count: total });
        } catch (error) {
          if (error instanceof UnknownServiceError) sendJson(res, 404, { error: error.message });
          else sendControlError(res, error);
        }
      });
    },
  });
  if (options.knobs) knobs.set(options.knobs);
  const auth = huaweiServiceAuth(account, options);

  app.get('/v1/:project_id/services', auth, (req, res) => {
    if (!projectAllowed(req, res)) return;
    let page: number;
    let limit: number;
    let matches: ServiceState[];
    try {
      const q = new QueryParams(splitRawUrl(req.originalUrl).rawQuery);
      const serviceId = q.string('service_id');
      const serviceName = q.string('service_name');
      const modelId = q.string('model_id');
      const workspaceId = q.string('workspace_id') ?? DEFAULT_WORKSPACE_ID;
      const inferType = q.oneOf('infer_type', INFER_TYPES);
      const status = q.oneOf('status', SERVICE_STATUSES);
      page = q.integer('offset') ?? 0;
      limit = q.integer('limit', { min: 1, max: MAX_PAGE_LIMIT }) ?? DEFAULT_PAGE_LIMIT;
      const sortBy = q.oneOf('sort_by', SERVICE_SORT_KEYS) ?? 'publish_at';
      const order = q.oneOf('order', ORDERS) ?? 'desc';
      matches = [...services.values()].filter(
        ({ service, models }) =>
          (serviceId === undefined || service.service_id === serviceId) &&
          (serviceName === undefined || service.service_name.includes(serviceName)) &&
          (modelId === undefined || models.some((m) => m.model_id === modelId)) &&
          service.workspace_id === workspaceId &&
          (inferType === undefined || service.infer_type === inferType) &&
          (status === undefined || service.status === status),
      );
      matches.sort((a, b) => compareServices(a.service, b.service, sortBy));
      if (order === 'desc') matches.reverse();
    } catch (error) {
      if (sendParamError(res, error)) return;
      throw error;
    }
    const pageItems = page * limit >= matches.length ? [] : matches.slice(page * limit, page * limit + limit);
    const body = {
      total_count: matches.length,
      count: pageItems.length,
      services: pageItems.map(({ service }) => ({ ...service })),
    };
    sendOk(res, knobs.get(), body, () => ({
      total_count: String(matches.length),
      count: null,
      services: Object.fromEntries(pageItems.map(({ service }) => [service.service_id, service.service_name])),
    }));
  });

  app.get('/v1/:project_id/services/:service_id/events', auth, (req, res) => {
    if (!projectAllowed(req, res)) return;
    let query: Parameters<ServiceEventIndex['query']>[0];
    try {
      const q = new QueryParams(splitRawUrl(req.originalUrl).rawQuery);
      const eventType = q.oneOf('event_type', EVENT_TYPES);
      const startTime = q.integer('start_time');
      const endTime = q.integer('end_time');
      if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
        throw new ParamError(`start_time ${startTime} is after end_time ${endTime}`);
      }
      q.oneOf('sort_by', ['occur_time'] as const);
      query = {
        ...(eventType ? { eventType } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        order: q.oneOf('order', ORDERS) ?? 'desc',
        page: q.integer('offset') ?? 0,
        limit: q.integer('limit', { min: 1, max: MAX_PAGE_LIMIT }) ?? DEFAULT_PAGE_LIMIT,
      };
    } catch (error) {
      if (sendParamError(res, error)) return;
      throw error;
    }
    const serviceId = String(req.params.service_id);
    const state = services.get(serviceId);
    if (!state) {
      const e = modelArtsError(404, MODELARTS_ERRORS.serviceNotFound, `Service ${serviceId} does not exist.`);
      sendJson(res, e.status, e.body);
      return;
    }
    const { total, events } = state.index.query(query);
    // Key order as in the page's example response.
    const body = {
      service_id: state.service.service_id,
      service_name: state.service.service_name,
      count: events.length,
      total_count: total,
      events,
    };
    sendOk(res, knobs.get(), body, () => ({
      service_id: state.service.service_id,
      service_name: null,
      count: String(events.length),
      total_count: String(total),
      events: Object.fromEntries(events.map((e, i) => [String(i), e])),
    }));
  });

  return {
    name: 'huawei-modelarts',
    ...(await listen(options)),
    account,
    projectId: account.projectId,
    now,
    notable: original.notable,
    services: () => [...services.values()].map(({ service }) => ({ ...service })),
    summaries,
    events: (serviceId) => {
      const state = services.get(serviceId);
      if (!state) throw new UnknownServiceError(`service ${serviceId} does not exist`);
      return state.index.list();
    },
    appendEvents: (serviceId, events) => appendEvents(serviceId, events),
  };

  function summaries(): ModelArtsServiceSummary[] {
    return [...services.values()].map(({ service, models, index }) => ({
      service_id: service.service_id,
      service_name: service.service_name,
      workspace_id: service.workspace_id,
      status: service.status,
      infer_type: service.infer_type,
      models: models.map((m) => ({ ...m })),
      event_count: index.size,
    }));
  }

  /** 403 for any project but the account's, or one the caller is not scoped to. */
  function projectAllowed(req: Request, res: Response): boolean {
    return huaweiProjectAllowed(req, res, account, (reason) => modelArtsError(403, MODELARTS_ERRORS.forbiddenProject, reason));
  }
}

function sendParamError(res: Response, error: unknown): boolean {
  if (!(error instanceof ParamError)) return false;
  const e = modelArtsError(400, MODELARTS_ERRORS.badParameter, `Parameter error: ${error.message}`);
  sendJson(res, e.status, e.body);
  return true;
}

function compareServices(a: ModelArtsService, b: ModelArtsService, key: (typeof SERVICE_SORT_KEYS)[number]): number {
  const primary =
    key === 'service_name'
      ? a.service_name < b.service_name
        ? -1
        : a.service_name > b.service_name
          ? 1
          : 0
      : a[key] - b[key];
  if (primary !== 0) return primary;
  return a.service_id < b.service_id ? -1 : a.service_id > b.service_id ? 1 : 0;
}

function load(dataset: ModelArtsDataset): Map<string, ServiceState> {
  const map = new Map<string, ServiceState>();
  for (const { service, models, events } of dataset.services) {
    map.set(service.service_id, { service, models, index: new ServiceEventIndex(events) });
  }
  return map;
}
