import type { RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';
import { VENDORS, type BuiltInVendor } from '../../src/vendors/vendors.js';
import { modelArtsSource, type Stack } from './stack.js';
import { tencentSource } from './tencent.js';

/*
 * The brute-force side of the timeline's correctness tests: every event of every emulator,
 * read from the emulators' own in-process data and normalised by the documented rules
 * (docs/api.md, "Normalisation"), never by the mappers. And the other side: a whole walk of the
 * `events` connection over HTTP, page by page.
 */

export type Kind = 'DEPLOYMENT' | 'TRIGGER' | 'IMAGE' | 'SECRET_NOTIFICATION' | 'AUDIT';
export type Outcome = 'SUCCESS' | 'FAILURE' | 'UNKNOWN';
export type Order = 'ASC' | 'DESC';

export interface OracleEvent {
  source: string;
  kind: Kind;
  vendor: 'TENCENT_CLOUD' | 'HUAWEI_CLOUD' | 'BLUEKING';
  occurredAt: number;
  outcome: Outcome;
  actor: string | null;
  resource: string | null;
  /** The upstream record as the API sends it (bk-repo: without `createdDate`, which is zone-formatted). */
  raw: Record<string, unknown>;
}

export const SOURCE_NAMES = { modelarts: 'modelarts', ccr: 'ccr', hss: 'hss', csms: 'csms', bkrepo: 'bkrepo' } as const;

export interface Scope {
  /** ModelArts services in scope. */
  services: string[];
  /** Tencent CCR repositories in scope. */
  repositories: string[];
  /** bk-repo repositories of project `test`, every public event type, resource key `*`. */
  bkrepoRepositories: string[];
}

const BKREPO_PUBLIC_TYPES = [
  'PROJECT_CREATED', 'REPO_CREATED', 'REPO_UPDATED', 'NODE_CREATED', 'NODE_DOWNLOADED', 'NODE_RENAMED',
  'NODE_MOVED', 'NODE_COPIED', 'NODE_DELETED', 'METADATA_DELETED', 'METADATA_SAVED', 'VERSION_CREATED',
];

/** One vendor's side of the oracle: its source as configured, and its events read off the emulator. */
interface VendorOracle {
  source(emulators: RunningEmulators, scope: Scope, options: { csmsCacheTtlSeconds?: number }): unknown;
  /** Every event the scope can see, normalised by the documented rules, never by the mappers. */
  events(emulators: RunningEmulators, scope: Scope): OracleEvent[];
  /** Appends one record at `at` inside the scope, recognisable by `tag`. */
  append(emulators: RunningEmulators, scope: Scope, tag: string, at: number): void;
}

const huaweiAksk = () => ({ type: 'aksk', accessKey: DEMO_CREDENTIALS.huawei.accessKey, secretKey: DEMO_CREDENTIALS.huawei.secretKey });

/** `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai (UTC+8 all year since 1991), the documented default zone. */
const shanghai = (text: string) => Date.parse(`${text.replace(' ', 'T')}+08:00`);
/** The same, written: how CCR writes invokeTime. */
const shanghaiText = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** One per built-in vendor, by its configuration kind: the compiler asks for a new vendor's. */
const ORACLES: Record<BuiltInVendor['configKind'], VendorOracle> = {
  'huawei-modelarts': {
    append: (emulators, scope, tag, at) =>
      emulators.modelarts.appendEvents(scope.services[0]!, [{ occur_time: at, event_type: 'abnormal', event_info: `snapshot test ${tag}` }]),
    source: (emulators, scope) =>
      modelArtsSource(emulators, { name: SOURCE_NAMES.modelarts, scope: { projectId: DEMO_CREDENTIALS.huawei.projectId, services: scope.services } }),
    events(emulators, scope) {
      const names = new Map(emulators.modelarts.services().map((s) => [s.service_id, s.service_name]));
      return scope.services.flatMap((serviceId) =>
        emulators.modelarts.events(serviceId).map((event): OracleEvent => ({
          source: SOURCE_NAMES.modelarts,
          kind: 'DEPLOYMENT',
          vendor: 'HUAWEI_CLOUD',
          occurredAt: event.occur_time,
          outcome: event.event_type === 'normal' ? 'SUCCESS' : event.event_type === 'abnormal' ? 'FAILURE' : 'UNKNOWN',
          actor: null,
          resource: names.get(serviceId) ?? null,
          raw: { ...event },
        })),
      );
    },
  },
  'tencent-ccr': {
    append(emulators, scope, tag, at) {
      const repoName = scope.repositories[0]!;
      emulators.tencentCcr.appendLogs(repoName, [
        {
          repoName,
          tagName: tag,
          triggerName: `snapshot-${tag}`,
          invokeSource: 'IMAGE_PUSH',
          invokeAction: 'SERVICE_UPDATE',
          invokeTime: shanghaiText(at),
          invokeCondition: { invokeMethod: 'all', invokeExpr: '' },
          invokePara: { appId: '1254119589', clusterId: 'cls-snapshot', namespace: 'default', serviceName: 'snapshot', containerName: 'app', clusterRegion: 1 },
          invokeResult: { returnCode: 0, returnMsg: 'ok' },
        },
      ]);
    },
    source: (emulators, scope) =>
      tencentSource(emulators, { name: SOURCE_NAMES.ccr, scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: scope.repositories } }),
    events: (emulators, scope) =>
      scope.repositories.flatMap((repo) =>
        emulators.tencentCcr.logs(repo).map((log): OracleEvent => ({
          source: SOURCE_NAMES.ccr,
          kind: 'TRIGGER',
          vendor: 'TENCENT_CLOUD',
          occurredAt: shanghai(log.invokeTime),
          outcome: log.invokeResult.returnCode === 0 ? 'SUCCESS' : 'FAILURE',
          actor: null,
          resource: `${log.repoName}:${log.tagName}`,
          raw: { ...log },
        })),
      ),
  },
  'huawei-hss': {
    append: (emulators, _scope, tag, at) =>
      emulators.hss.appendEvents([
        {
          resource_name: `snapshot/${tag}`,
          resource_type: 'image',
          event_name: 'push',
          event_id: `snapshot-${tag}`,
          event_type: 'operation',
          source_ip: '192.0.2.7',
          user_name: 'snapshot-test',
          time: at,
          content: tag,
        },
      ]),
    source: (emulators) => ({
      name: SOURCE_NAMES.hss,
      kind: 'huawei-hss',
      endpoint: emulators.hss.url,
      credentials: huaweiAksk(),
      scope: { projectId: DEMO_CREDENTIALS.huawei.projectId },
      http: { retries: 0 },
    }),
    events: (emulators) =>
      emulators.hss.events().map((record): OracleEvent => ({
        source: SOURCE_NAMES.hss,
        kind: 'IMAGE',
        vendor: 'HUAWEI_CLOUD',
        occurredAt: record.time,
        outcome: 'UNKNOWN',
        actor: record.user_name === '' ? null : record.user_name,
        resource: record.resource_name === '' ? null : record.resource_name,
        raw: { ...record },
      })),
  },
  'huawei-csms': {
    append: (emulators, _scope, tag, at) =>
      emulators.csms.appendRecords([
        {
          event_name: `snapshot-${tag}`,
          trigger_event_type: 'SECRET_VERSION_CREATED',
          // Whole seconds in seconds, as the API documents; otherwise milliseconds.
          create_time: at % 1000 === 0 ? at / 1000 : at,
          secret_name: `snapshot-${tag}`,
          secret_type: 'COMMON',
          notification_target_name: 'snapshot',
          notification_target_id: 'snapshot',
          notification_content: '{}',
          notification_status: 'SUCCESS',
        },
      ]),
    source: (emulators, _scope, options) => ({
      name: SOURCE_NAMES.csms,
      kind: 'huawei-csms',
      endpoint: emulators.csms.url,
      credentials: huaweiAksk(),
      scope: { projectId: DEMO_CREDENTIALS.huawei.projectId },
      cacheTtlSeconds: options.csmsCacheTtlSeconds ?? 60,
      http: { retries: 0 },
    }),
    events: (emulators) =>
      emulators.csms.served().map((record): OracleEvent => {
        const failed =
          record.notification_status === 'FAIL' || record.notification_status === 'INVALID' || record.trigger_event_type === 'SECRET_ROTATED_FAILED';
        return {
          source: SOURCE_NAMES.csms,
          kind: 'SECRET_NOTIFICATION',
          vendor: 'HUAWEI_CLOUD',
          occurredAt: record.create_time < 1e11 ? record.create_time * 1000 : record.create_time,
          outcome: failed ? 'FAILURE' : 'SUCCESS',
          actor: null,
          resource: record.secret_name,
          raw: { ...record },
        };
      }),
  },
  bkrepo: {
    append: (emulators, scope, tag, at) =>
      emulators.bkrepo.appendRecords([
        {
          at,
          type: 'NODE_DOWNLOADED',
          projectId: 'test',
          repoName: scope.bkrepoRepositories[0]!,
          resourceKey: `/snapshot/${tag}.bin`,
          userId: 'snapshot-test',
          clientAddress: '192.0.2.7',
          description: { tag },
        },
      ]),
    source: (emulators, scope) => ({
      name: SOURCE_NAMES.bkrepo,
      kind: 'bkrepo',
      endpoint: emulators.bkrepo.url,
      credentials: { type: 'basic', username: DEMO_CREDENTIALS.bkrepo.user, password: DEMO_CREDENTIALS.bkrepo.password },
      scope: { projectId: 'test', repositories: scope.bkrepoRepositories, resourceKeyPrefix: '*' },
      http: { retries: 0 },
    }),
    events: (emulators, scope) =>
      emulators.bkrepo
        .records()
        .filter((record) => record.projectId === 'test' && scope.bkrepoRepositories.includes(record.repoName) && BKREPO_PUBLIC_TYPES.includes(record.type))
        .map((record): OracleEvent => {
          const { at, ...wire } = record;
          return {
            source: SOURCE_NAMES.bkrepo,
            kind: 'AUDIT',
            vendor: 'BLUEKING',
            occurredAt: at,
            outcome: 'SUCCESS',
            actor: record.userId,
            resource: record.resourceKey,
            raw: wire,
          };
        }),
  },
};

/** Every vendor as a configuration document, one source each, as demo mode configures them. */
export function fiveSources(emulators: RunningEmulators, scope: Scope, options: { csmsCacheTtlSeconds?: number } = {}): unknown[] {
  return VENDORS.map((module) => ORACLES[module.configKind].source(emulators, scope, options));
}

/** Appends one record of the vendor with this configuration kind, at `at`, recognisable by `tag`. */
export function appendOracleEvent(emulators: RunningEmulators, scope: Scope, configKind: string, tag: string, at: number): void {
  ORACLES[configKind as BuiltInVendor['configKind']].append(emulators, scope, tag, at);
}

/** Every event the configured scope can see, normalised by the documented rules. */
export function oracleEvents(emulators: RunningEmulators, scope: Scope): OracleEvent[] {
  return VENDORS.flatMap((module) => ORACLES[module.configKind].events(emulators, scope));
}

/** The filter as the test writes it: times in epoch ms. */
export interface Filter {
  kinds?: Kind[];
  vendors?: OracleEvent['vendor'][];
  sources?: string[];
  since?: number;
  until?: number;
  outcomes?: Outcome[];
  actor?: string;
  resource?: string;
  search?: string;
}

/** The documented filter rules (docs/api.md); `summary` is what the API said (the docs do not define it). */
export function matches(event: OracleEvent, filter: Filter, summary: string | undefined): boolean {
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.vendors && !filter.vendors.includes(event.vendor)) return false;
  if (filter.sources && !filter.sources.includes(event.source)) return false;
  if (filter.since !== undefined && event.occurredAt < filter.since) return false;
  if (filter.until !== undefined && event.occurredAt > filter.until) return false;
  if (filter.outcomes && !filter.outcomes.includes(event.outcome)) return false;
  if (filter.actor !== undefined && event.actor !== filter.actor) return false;
  if (filter.resource !== undefined && event.resource !== filter.resource) return false;
  if (filter.search !== undefined) {
    const needle = filter.search.toLowerCase();
    if (![summary, event.resource, event.actor].some((text) => text?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export function toGraphQLFilter(filter: Filter): Record<string, unknown> {
  const { since, until, ...rest } = filter;
  return {
    ...rest,
    ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
    ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
  };
}

/** JSON with sorted keys: a comparable text for a record. */
export function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sort(value));
}

export interface WalkedEvent {
  id: string;
  kind: Kind;
  vendor: OracleEvent['vendor'];
  source: { name: string };
  occurredAt: string;
  outcome: Outcome;
  actor: string | null;
  resource: string | null;
  summary: string;
  raw: Record<string, unknown>;
}

/** What identifies an event's content, for either side: bk-repo's `createdDate` is left out (zone-formatted). */
export function contentKey(source: string, occurredAt: number, raw: Record<string, unknown>): string {
  const { createdDate: _createdDate, ...rest } = raw;
  return `${occurredAt}|${source}|${canonical(source === SOURCE_NAMES.bkrepo ? rest : raw)}`;
}

export const walkedKey = (event: WalkedEvent) => contentKey(event.source.name, Date.parse(event.occurredAt), event.raw);
export const oracleKey = (event: OracleEvent) => contentKey(event.source, event.occurredAt, event.raw);

export const WALK_QUERY = /* GraphQL */ `
  query Walk($first: Int, $after: String, $last: Int, $before: String, $filter: EventFilter, $order: SortDirection) {
    events(first: $first, after: $after, last: $last, before: $before, filter: $filter, order: $order) {
      totalCount
      asOf
      edges { cursor node { id kind vendor source { name } occurredAt outcome actor resource summary raw } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      sources { source { name } status localFilters error { code message } }
    }
  }
`;

export interface WalkPage {
  totalCount: number | null;
  asOf: string;
  edges: { cursor: string; node: WalkedEvent }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  sources: { source: { name: string }; status: string; localFilters: string[]; error: { code: string; message: string } | null }[];
}

export interface WalkOptions {
  order: Order;
  pageSize: number;
  /** `forward`: first/after from the start; `backward`: last/before from the end. */
  direction: 'forward' | 'backward';
  filter?: Filter;
  /** Called after each page, before the next request. */
  between?: (page: WalkPage, index: number) => Promise<void> | void;
  /** Guards against a walk that never ends. */
  maxPages?: number;
}

export interface Walk {
  /** The whole connection, in its order (a backward walk is put back in connection order). */
  events: WalkedEvent[];
  pages: WalkPage[];
}

/**
 * Walks the whole connection. Checks what every page must satisfy whatever the data: no
 * error, page sizes, `hasNextPage`/`hasPreviousPage`, null cursors on an empty page, a
 * pinned `asOf` and `totalCount`.
 */
export async function walk(stack: Stack, options: WalkOptions): Promise<Walk> {
  const forward = options.direction === 'forward';
  const filter = options.filter ? toGraphQLFilter(options.filter) : undefined;
  const pages: WalkPage[] = [];
  let cursor: string | undefined;
  for (let index = 0; ; index += 1) {
    if (index > (options.maxPages ?? 2000)) throw new Error('the walk does not end');
    const variables = forward
      ? { first: options.pageSize, after: cursor, filter, order: options.order }
      : { last: options.pageSize, before: cursor, filter, order: options.order };
    const result = await stack.gql<{ events: WalkPage }, typeof variables>(WALK_QUERY, variables);
    if (result.errors) throw new Error(`page ${index}: ${JSON.stringify(result.errors)}`);
    const page = result.data!.events;
    pages.push(page);
    const more = forward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
    const back = forward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    check(back === (index > 0), `page ${index}: ${forward ? 'hasPreviousPage' : 'hasNextPage'} is ${back}`);
    check(!more || page.edges.length === options.pageSize, `page ${index}: ${page.edges.length} edges of ${options.pageSize} with more to come`);
    if (page.edges.length === 0) {
      check(page.pageInfo.startCursor === null && page.pageInfo.endCursor === null, `page ${index}: cursors on an empty page`);
    } else {
      check(page.pageInfo.startCursor === page.edges[0]!.cursor, `page ${index}: startCursor`);
      check(page.pageInfo.endCursor === page.edges.at(-1)!.cursor, `page ${index}: endCursor`);
    }
    check(page.asOf === pages[0]!.asOf, `page ${index}: asOf moved from ${pages[0]!.asOf} to ${page.asOf}`);
    check(page.totalCount === pages[0]!.totalCount, `page ${index}: totalCount moved from ${pages[0]!.totalCount} to ${page.totalCount}`);
    if (!more) break;
    // An empty page with more to come would loop for ever; the page-size check above rules it out.
    cursor = forward ? page.pageInfo.endCursor! : page.pageInfo.startCursor!;
    await options.between?.(page, index);
  }
  const ordered = forward ? pages : [...pages].reverse();
  return { events: ordered.flatMap((page) => page.edges.map((edge) => edge.node)), pages };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Sorts oracle events in the connection's order as far as the oracle can tell: by time. */
export function byTime(order: Order) {
  return (a: { occurredAt: number }, b: { occurredAt: number }) => (order === 'ASC' ? a.occurredAt - b.occurredAt : b.occurredAt - a.occurredAt);
}

/**
 * The connection and the brute-force answer agree: the same times in the same order, and in
 * each millisecond the same events (the order among ties is by stream and id, which the
 * oracle does not model; `sameTieOrder` checks it against another walk).
 */
export function diffAgainstOracle(walked: WalkedEvent[], expected: OracleEvent[], order: Order): string[] {
  const problems: string[] = [];
  const ids = new Set(walked.map((e) => e.id));
  if (ids.size !== walked.length) problems.push(`${walked.length - ids.size} duplicate ids`);
  const sorted = [...expected].sort(byTime(order));
  const walkedTimes = walked.map((e) => Date.parse(e.occurredAt));
  if (walked.length !== sorted.length) problems.push(`walked ${walked.length} events, expected ${sorted.length}`);
  for (let i = 0; i < Math.min(walked.length, sorted.length); i++) {
    if (walkedTimes[i] !== sorted[i]!.occurredAt) {
      problems.push(`position ${i}: walked ${new Date(walkedTimes[i]!).toISOString()} (${walked[i]!.source.name}), expected ${new Date(sorted[i]!.occurredAt).toISOString()} (${sorted[i]!.source})`);
      break;
    }
  }
  const count = (keys: string[]) => {
    const map = new Map<string, number>();
    for (const key of keys) map.set(key, (map.get(key) ?? 0) + 1);
    return map;
  };
  const got = count(walked.map(walkedKey));
  const want = count(sorted.map(oracleKey));
  const missing = [...want].filter(([key, n]) => (got.get(key) ?? 0) < n).map(([key]) => key);
  const extra = [...got].filter(([key, n]) => (want.get(key) ?? 0) < n).map(([key]) => key);
  if (missing.length) problems.push(`missing ${missing.length}: ${missing.slice(0, 3).join(' ; ')}`);
  if (extra.length) problems.push(`unexpected ${extra.length}: ${extra.slice(0, 3).join(' ; ')}`);
  const byKey = new Map(sorted.map((e) => [oracleKey(e), e]));
  for (const event of walked) {
    const o = byKey.get(walkedKey(event));
    if (!o) continue;
    const fields = ['kind', 'vendor', 'outcome', 'actor', 'resource'] as const;
    const wrong = fields.filter((field) => o[field] !== event[field]);
    if (wrong.length) {
      problems.push(`${event.id}: ${wrong.map((f) => `${f} ${String(event[f])}, expected ${String(o[f])}`).join(', ')}`);
      break;
    }
  }
  return problems;
}
