import { IANAZone, type Zone } from 'luxon';
import type { BkRepoCredentials, BkRepoSourceConfig } from './bkrepo.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamClient, type PreparedRequest, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import { UpstreamError, codeForStatus, type UpstreamErrorCode } from '../../upstream/upstream.errors.js';
import { logListResponseSchema, type LogPage, type LogRecord } from './bkrepo.schemas.js';
import { answerZone, formatLocalDateTime, parseLocalDateTime, readsBack, wallClockWindow } from './bkrepo.time.js';

/**
 * BlueKing bk-repo's operation log, `POST /repository/api/log/list` (docs/vendors/bkrepo.md). Parameters are the upstream's own; times go in and come out as epoch ms, and this
 * client does the zone work described in bkrepo.time.ts.
 */

export const LOG_LIST_PATH = '/repository/api/log/list';
export const TIME_ZONE_HEADER = 'x-bkrepo-time-zone';

export interface ListLogsParams {
  projectId: string;
  repoName: string;
  /** bk-repo's pattern: a prefix in which `*` matches anything. Sent as given. */
  resourceKey: string;
  eventType: string;
  sha256?: string;
  pipelineId?: string;
  buildId?: string;
  userId?: string;
  /**
   * Inclusive bounds, epoch ms. Always sent: without them the server reads only the last
   * 3 months and says nothing about the rest. Default: the epoch, and now.
   */
  startTime?: number;
  endTime?: number;
  /** From 1. */
  pageNumber?: number;
  pageSize?: number;
  direction?: 'ASC' | 'DESC';
}

export interface LogEntry {
  record: LogRecord;
  /** `createdDate` read in `zone`, epoch ms. */
  at: number;
}

export interface LogListAnswer {
  page: LogPage;
  entries: LogEntry[];
  /** The zone the times were read in: the configured IANA zone, or a fixed offset such as UTC+9. */
  zone: string;
  /** Whether the answer named its zone (X-BKREPO-Time-Zone), rather than the configuration. */
  zoneFromHeader: boolean;
  /**
   * Whether the request's window, as written, is exactly [startTime, endTime] for records read
   * in `zone`: it was written in that zone, and both bounds read back as themselves in it
   * (`readsBack`). Only then is `totalRecords` the number of records whose instant lies in the
   * window (see `wallClockWindow`).
   */
  windowExact: boolean;
}

export interface BkRepoClientOptions {
  onCall?: UpstreamCallListener;
  /** Clock, epoch ms; injectable for tests. */
  now?: () => number;
}

export class BkRepoClient extends UpstreamClient {
  readonly configuredZone: IANAZone;
  private readonly credentials: BkRepoCredentials;
  private readonly now: () => number;
  /** The server's zone as its last answer named it; request times are written in it. */
  private serverZone: Zone | undefined;
  private readonly entries = new WeakMap<LogRecord[], { zone: string; entries: LogEntry[] }>();

  constructor(config: BkRepoSourceConfig, options: BkRepoClientOptions = {}) {
    super({
      sourceName: config.name,
      baseUrl: config.endpoint,
      policy: config.http,
      cacheTtlSeconds: config.cacheTtlSeconds,
      ...(options.onCall ? { onCall: options.onCall } : {}),
      // The pair too: the Authorization header is its base64, which an upstream may echo.
      secrets:
        config.credentials.type === 'basic'
          ? [config.credentials.password, `${config.credentials.username}:${config.credentials.password}`]
          : [config.credentials.accessKey, config.credentials.secretKey, `${config.credentials.accessKey}:${config.credentials.secretKey}`],
    });
    this.configuredZone = IANAZone.create(config.timeZone);
    this.credentials = config.credentials;
    this.now = options.now ?? Date.now;
  }

  /**
   * The window to ask for so that `totalRecords` counts the records whose instant lies in
   * [start, end], in the zone the next request will be written in (the server's, as last
   * learnt, or the configured one), and that zone's name; null when there is none. See
   * `wallClockWindow`. The answer must then name the same zone, with `windowExact`.
   */
  exactWindow(start: number, end: number): { start: number; end: number; zone: string } | null {
    const zone = this.serverZone ?? this.configuredZone;
    const window = wallClockWindow(start, end, zone);
    return window && { ...window, zone: zone.name };
  }

  /**
   * One page of the log. The request times must be in the server's zone, which only an
   * answer tells; the client writes them in the zone it last learnt (at first the configured
   * one) and, when the answer names another, asks once more in that zone, so that a wrong
   * configuration costs one extra call instead of a window shifted by hours. `calls`: the
   * tally of the reader asking (see `UpstreamClient.request`).
   */
  async listLogs(params: ListLogsParams, calls?: UpstreamCallCounts): Promise<LogListAnswer> {
    const start = params.startTime ?? 0;
    const end = params.endTime ?? this.now();
    let zone = this.serverZone ?? this.configuredZone;
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.requestWithResponse(
        {
          api: 'log/list',
          method: 'POST',
          path: LOG_LIST_PATH,
          body: JSON.stringify({
            projectId: params.projectId,
            repoName: params.repoName,
            resourceKey: params.resourceKey,
            eventType: params.eventType,
            sha256: params.sha256,
            pipelineId: params.pipelineId,
            buildId: params.buildId,
            userId: params.userId,
            startTime: formatLocalDateTime(start, zone),
            endTime: formatLocalDateTime(end, zone),
            pageNumber: params.pageNumber,
            pageSize: params.pageSize,
            direction: params.direction,
          }),
          // A read, though a POST: safe to repeat after a timeout or a 5xx.
          idempotent: true,
        },
        logListResponseSchema,
        calls,
      );
      const answered = answerZone(response.headers.get(TIME_ZONE_HEADER), this.configuredZone, this.now());
      if (answered.fromHeader) this.serverZone = answered.zone;
      else this.serverZone = undefined;
      if (attempt === 0 && !answered.zone.equals(zone)) {
        zone = answered.zone;
        continue;
      }
      return {
        page: response.data.data,
        entries: this.entriesOf(response.data.data.records, answered.zone),
        zone: answered.zone.name,
        zoneFromHeader: answered.fromHeader,
        windowExact: answered.zone.equals(zone) && readsBack(start, zone) && readsBack(end, zone),
      };
    }
  }

  /** Per answer and zone, once: a cached answer is read again on every warm page. */
  private entriesOf(records: LogRecord[], zone: Zone): LogEntry[] {
    const known = this.entries.get(records);
    if (known?.zone === zone.name) return known.entries;
    const entries = records.map((record, index) => ({ record, at: this.instantOf(record, index, zone) }));
    this.entries.set(records, { zone: zone.name, entries });
    return entries;
  }

  private instantOf(record: LogRecord, index: number, zone: Zone): number {
    const at = parseLocalDateTime(record.createdDate, zone);
    if (at === null) {
      throw this.error(
        'UPSTREAM_BAD_RESPONSE',
        `POST ${LOG_LIST_PATH} answered with an unexpected shape: data.records[${index}].createdDate "${record.createdDate}" is not a local date-time`,
      );
    }
    return at;
  }

  protected override willSendRequest(request: PreparedRequest): void {
    if (this.credentials.type === 'basic') {
      request.headers['authorization'] = `Basic ${base64(`${this.credentials.username}:${this.credentials.password}`)}`;
    } else {
      request.headers['authorization'] = `Platform ${base64(`${this.credentials.accessKey}:${this.credentials.secretKey}`)}`;
      request.headers['x-bkrepo-uid'] = this.credentials.userId;
    }
  }

  /**
   * Every answer is the `{code, message, data, traceId}` envelope; `code != 0` is an error
   * whatever the status, so a 200 carrying one is refused too. The HTTP status decides the
   * error code when it is an error status; for a 200 the bk-repo code does.
   */
  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    const envelope = readEnvelope(body);
    const ok = status >= 200 && status < 300;
    if (!envelope) return undefined;
    if (ok && (envelope.code === '0' || envelope.code === undefined)) return undefined;
    const code: UpstreamErrorCode = ok ? codeForBkRepoCode(envelope.code!) : codeForStatus(status);
    return new UpstreamError({
      code,
      source: this.sourceName,
      status,
      ...(envelope.code === undefined ? {} : { upstreamCode: envelope.code }),
      ...(envelope.message === undefined ? {} : { upstreamMessage: envelope.message }),
      message: `HTTP ${status}: ${[envelope.code, envelope.message].filter((part) => part !== undefined).join(': ')}`,
    });
  }
}

/** 25·10000 + module·100 + number; the codes docs/vendors/bkrepo.md lists. */
function codeForBkRepoCode(code: string): UpstreamErrorCode {
  if (code === '250114' || code === '250113') return 'UPSTREAM_AUTH_FAILED';
  if (code === '250102') return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_BAD_RESPONSE';
}

function readEnvelope(body: unknown): { code?: string; message?: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const code = typeof record['code'] === 'number' || typeof record['code'] === 'string' ? String(record['code']) : undefined;
  const message = typeof record['message'] === 'string' ? record['message'] : undefined;
  if (code === undefined && message === undefined) return undefined;
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
