import { DateTime, type Zone } from 'luxon';
import type { BkRepoLogRecord } from './bkrepo.dataset.js';
import { parseLocal } from './bkrepo.time.js';

/**
 * The body of `POST /repository/api/log/list` and its semantics, as docs/vendors/bkrepo.md states
 * them. Where the page is silent, the emulator chooses:
 * - a field of the wrong JSON type, an unreadable time or direction is 400 `250106`;
 * - a required field that is absent or null is 400 `250103`; an empty string is a value;
 * - an empty `sha256`/`pipelineId`/`buildId`/`userId` means no filter;
 * - `pageSize <= 0` is read as the default 20 (there is no maximum);
 * - in `resourceKey`, only `*` is special; every other character matches itself.
 */

export const ERROR_PARAMETER_MISSING = 250103;
export const ERROR_INVALID_REQUEST = 250106;

export class LogListRequestError extends Error {
  constructor(
    readonly code: typeof ERROR_PARAMETER_MISSING | typeof ERROR_INVALID_REQUEST,
    message: string,
  ) {
    super(message);
  }
}

export interface LogListQuery {
  projectId: string;
  repoName: string;
  resourceKey: string;
  eventType: string;
  sha256?: string;
  pipelineId?: string;
  buildId?: string;
  userId?: string;
  /** Inclusive, epoch ms. */
  start: number;
  /** Inclusive, epoch ms. */
  end: number;
  direction: 'ASC' | 'DESC';
  pageNumber: number;
  pageSize: number;
}

const REQUIRED = ['projectId', 'repoName', 'resourceKey', 'eventType'] as const;
const FILTERS = ['sha256', 'pipelineId', 'buildId', 'userId'] as const;

/** `serverZone` reads start and end; `now` gives their defaults (3 months ago, and now). */
export function parseLogListBody(body: unknown, serverZone: Zone, now: number): LogListQuery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LogListRequestError(ERROR_INVALID_REQUEST, 'request body must be a JSON object');
  }
  const input = body as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: ${name} must be a string`);
    return value;
  };
  const required: Partial<Record<(typeof REQUIRED)[number], string>> = {};
  for (const name of REQUIRED) {
    const value = text(name);
    if (value === undefined) throw new LogListRequestError(ERROR_PARAMETER_MISSING, `missing parameter [${name}]`);
    required[name] = value;
  }
  const filters: Partial<Record<(typeof FILTERS)[number], string>> = {};
  for (const name of FILTERS) {
    const value = text(name);
    if (value !== undefined && value.trim() !== '') filters[name] = value;
  }
  const startText = text('startTime');
  const endText = text('endTime');
  const start = startText === undefined ? DateTime.fromMillis(now, { zone: serverZone }).minus({ months: 3 }).toMillis() : parseLocal(startText, serverZone, 'up');
  const end = endText === undefined ? now : parseLocal(endText, serverZone, 'down');
  if (start === null) throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: startTime "${startText}"`);
  if (end === null) throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: endTime "${endText}"`);
  const direction = text('direction') ?? 'DESC';
  if (direction !== 'ASC' && direction !== 'DESC') {
    throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: direction must be ASC or DESC, got "${direction}"`);
  }
  const pageNumber = integer(input, 'pageNumber') ?? 1;
  const pageSize = integer(input, 'pageSize') ?? 20;
  return {
    projectId: required.projectId!,
    repoName: required.repoName!,
    resourceKey: required.resourceKey!,
    eventType: required.eventType!,
    ...filters,
    start,
    end,
    direction,
    pageNumber: pageNumber <= 0 ? 1 : pageNumber,
    pageSize: pageSize <= 0 ? 20 : pageSize,
  };
}

/** Jackson reads an int from a number or from a string of digits; anything else is refused. */
function integer(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || Math.abs(number) > 2_147_483_647) {
    throw new LogListRequestError(ERROR_INVALID_REQUEST, `invalid request content: ${name} must be an integer`);
  }
  return number;
}

/** A prefix pattern: `*` is any run of characters (across `/` too), and nothing anchors the end. */
export function resourceKeyMatcher(pattern: string): (resourceKey: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}`, 's');
  return (resourceKey) => regex.test(resourceKey);
}

/**
 * The records of the whole server, grouped by (project, repository, type) and sorted by
 * time, ties in insertion order; DESC is the exact reverse, so paging is deterministic.
 */
export class LogStore {
  private readonly groups = new Map<string, BkRepoLogRecord[]>();
  private count = 0;

  constructor(records: readonly BkRepoLogRecord[]) {
    const sorted = records.map(copy).sort((a, b) => a.at - b.at);
    for (const record of sorted) this.group(record).push(record);
    this.count = sorted.length;
  }

  get size(): number {
    return this.count;
  }

  add(record: BkRepoLogRecord): void {
    const group = this.group(record);
    const at = firstAfter(group, record.at);
    group.splice(at, 0, copy(record));
    this.count += 1;
  }

  /** Every record, ascending by time. */
  list(): BkRepoLogRecord[] {
    return [...this.groups.values()].flat().map(copy).sort((a, b) => a.at - b.at);
  }

  query(q: LogListQuery): { total: number; records: BkRepoLogRecord[] } {
    const group = this.groups.get(groupKey(q.projectId, q.repoName, q.eventType)) ?? [];
    const matches = resourceKeyMatcher(q.resourceKey);
    const wanted = group.slice(firstAtOrAfter(group, q.start), firstAfter(group, q.end)).filter(
      (r) =>
        matches(r.resourceKey) &&
        (q.userId === undefined || r.userId === q.userId) &&
        (q.sha256 === undefined || r.description['sha256'] === q.sha256) &&
        (q.pipelineId === undefined || r.description['pipelineId'] === q.pipelineId) &&
        (q.buildId === undefined || r.description['buildId'] === q.buildId),
    );
    if (q.direction === 'DESC') wanted.reverse();
    const skip = (q.pageNumber - 1) * q.pageSize;
    return { total: wanted.length, records: wanted.slice(skip, skip + q.pageSize).map(copy) };
  }

  private group(record: BkRepoLogRecord): BkRepoLogRecord[] {
    const key = groupKey(record.projectId, record.repoName, record.type);
    let group = this.groups.get(key);
    if (!group) {
      group = [];
      this.groups.set(key, group);
    }
    return group;
  }
}

function groupKey(projectId: string, repoName: string, type: string): string {
  return `${projectId}\u0000${repoName}\u0000${type}`;
}

function copy(record: BkRepoLogRecord): BkRepoLogRecord {
  return { ...record, description: structuredClone(record.description) };
}

function firstAtOrAfter(records: readonly BkRepoLogRecord[], time: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.at < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstAfter(records: readonly BkRepoLogRecord[], time: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.at <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
