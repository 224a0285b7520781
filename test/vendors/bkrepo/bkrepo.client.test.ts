import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/config.loader.js';
import type { BkRepoSourceConfig } from '../../../src/vendors/bkrepo/bkrepo.config.js';
import { startBkRepoEmulator, type BkRepoEmulatorHandle } from '../../../src/emulators/bkrepo/bkrepo.emulator.js';
import { BkRepoClient } from '../../../src/vendors/bkrepo/bkrepo.client.js';
import { UpstreamError } from '../../../src/upstream/upstream.errors.js';
import { sendJson, startTestServer, type TestServer } from '../../upstream/test-server.js';
import { CONFIG_SCHEMA } from '../../helpers/config-schema.js';

const NOW = Date.UTC(2025, 0, 15, 4, 0, 0);
const SEED_AT = Date.UTC(2022, 7, 2, 7, 20, 47, 235);

function config(endpoint: string, overrides: Record<string, unknown> = {}, scope: Record<string, unknown> = {}): BkRepoSourceConfig {
  const parsed = parseConfig(
    {
      sources: [
        {
          name: 'bk',
          kind: 'bkrepo',
          endpoint,
          credentials: { type: 'basic', username: 'demo-user', password: 'Demo#Bkrepo1' },
          scope: { projectId: 'test', repositories: ['generic-local'], ...scope },
          http: { retries: 0 },
          cacheTtlSeconds: 0,
          ...overrides,
        },
      ],
    },
    'test', CONFIG_SCHEMA,
  );
  return parsed.sources[0] as BkRepoSourceConfig;
}

const seedQuery = {
  projectId: 'test',
  repoName: 'generic-local',
  resourceKey: '/release/1.0.0/boot-example.jar',
  eventType: 'NODE_DOWNLOADED',
  startTime: SEED_AT,
  endTime: SEED_AT,
};

describe('bk-repo source configuration', () => {
  it('has the documented defaults', () => {
    const source = config('http://127.0.0.1:1');
    const scope = source.scope;
    expect(scope).toMatchObject({ resourceKeyPrefix: '/' });
    expect(source.timeZone).toBe('Asia/Shanghai');
    expect(scope.eventTypes).toHaveLength(12);
    expect(scope.eventTypes).toContain('VERSION_CREATED');
  });

  it('refuses a time zone that is no IANA name, naming the key', () => {
    for (const timeZone of ['Mars/Olympus', '+08:00', 'CST']) {
      let error: unknown;
      try {
        config('http://127.0.0.1:1', { timeZone });
      } catch (caught) {
        error = caught;
      }
      expect(error, timeZone).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toMatch(/sources\[0\]\.timeZone: must be an IANA time zone/);
    }
  });

  it('refuses an empty repository list and a malformed event type', () => {
    expect(() => config('http://127.0.0.1:1', {}, { repositories: [] })).toThrow(/scope\.repositories/);
    expect(() => config('http://127.0.0.1:1', {}, { eventTypes: ['node downloaded'] })).toThrow(/scope\.eventTypes\[0\]/);
  });
});

describe('BkRepoClient against the emulator', () => {
  let emulator: BkRepoEmulatorHandle;
  beforeAll(async () => {
    emulator = await startBkRepoEmulator({ now: NOW, clock: () => NOW });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('reads the seed record with Basic and with Platform credentials', async () => {
    const basic = await new BkRepoClient(config(emulator.url)).listLogs(seedQuery);
    expect(basic.entries.map((e) => e.at)).toEqual([SEED_AT]);
    expect(basic).toMatchObject({ zone: 'Asia/Shanghai', zoneFromHeader: true });
    const platform = new BkRepoClient(
      config(emulator.url, { credentials: { type: 'platform', accessKey: 'bkrepo-demo-ak', secretKey: 'bkrepo-demo-sk-0001', userId: 'demo-user' } }),
    );
    expect((await platform.listLogs(seedQuery)).entries[0]!.record.createdDate).toBe('2022-08-02T15:20:47.235');
  });

  it('maps 401 and 403 to UPSTREAM_AUTH_FAILED with the bk-repo code', async () => {
    const wrong = new BkRepoClient(config(emulator.url, { credentials: { type: 'basic', username: 'demo-user', password: 'nope' } }));
    await expect(wrong.listLogs(seedQuery)).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401, upstreamCode: '250114' });
    const forbidden = new BkRepoClient(config(emulator.url));
    await expect(forbidden.listLogs({ ...seedQuery, projectId: 'bkdevops' })).rejects.toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      status: 403,
      upstreamCode: '250113',
    });
  });

  it('sends start and end always, in the zone of the server, and asks again once when it guessed wrong', async () => {
    emulator.setKnobs({ serverTimeZone: 'UTC' });
    const client = new BkRepoClient(config(emulator.url), { now: () => NOW });
    emulator.resetRequests();
    const first = await client.listLogs(seedQuery);
    expect(first.entries.map((e) => e.at)).toEqual([SEED_AT]);
    expect(first.zone).toBe('UTC');
    expect(emulator.requests().total).toBe(2);
    await client.listLogs(seedQuery);
    expect(emulator.requests().total).toBe(3);
  });

  it('across daylight saving time, is exact only when the configured zone is the server zone', async () => {
    // NOW is January: New York answers -0500, but wrote the August record at -0400.
    emulator.setKnobs({ serverTimeZone: 'America/New_York' });
    const window = { ...seedQuery, startTime: SEED_AT - 3600_000, endTime: SEED_AT + 3600_000 };
    const configured = await new BkRepoClient(config(emulator.url, { timeZone: 'America/New_York' }), { now: () => NOW }).listLogs(window);
    expect(configured).toMatchObject({ zone: 'America/New_York', zoneFromHeader: true });
    expect(configured.entries.map((e) => e.at)).toEqual([SEED_AT]);
    const offsetOnly = await new BkRepoClient(config(emulator.url), { now: () => NOW }).listLogs(window);
    expect(offsetOnly.zone).toBe('UTC-5');
    expect(offsetOnly.entries.map((e) => e.at)).toEqual([SEED_AT + 3600_000]);
  });

  it('without the zone header, reads and writes times in the configured zone', async () => {
    emulator.setKnobs({ timeZoneHeader: false });
    const shanghai = await new BkRepoClient(config(emulator.url)).listLogs(seedQuery);
    expect(shanghai).toMatchObject({ zone: 'Asia/Shanghai', zoneFromHeader: false });
    expect(shanghai.entries.map((e) => e.at)).toEqual([SEED_AT]);
    // A configuration naming the wrong zone cannot be corrected without the header.
    emulator.setKnobs({ serverTimeZone: 'UTC' });
    const wrong = await new BkRepoClient(config(emulator.url)).listLogs({ ...seedQuery, startTime: SEED_AT - 8 * 3600_000, endTime: SEED_AT - 8 * 3600_000 });
    expect(wrong.entries.map((e) => e.at)).toEqual([SEED_AT - 8 * 3600_000]);
  });
});

describe('BkRepoClient envelope errors', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('refuses a 200 whose envelope carries an error code', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { code: 250102, message: 'system error', data: null, traceId: 't' }));
    const error = await new BkRepoClient(config(server.baseUrl)).listLogs(seedQuery).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamCode: '250102', upstreamMessage: 'system error' });
  });

  it('refuses an unreadable createdDate, and sends the body the page documents', async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 200, {
        code: 0,
        message: null,
        data: { pageNumber: 1, pageSize: 20, totalRecords: 1, totalPages: 1, records: [{ createdDate: '02/08/2022', type: 'NODE_DOWNLOADED', projectId: 'test', repoName: 'generic-local', resourceKey: '/x', userId: 'u' }], count: 1, page: 1 },
        traceId: '',
      }),
    );
    const error = await new BkRepoClient(config(server.baseUrl)).listLogs({ ...seedQuery, pipelineId: 'p-1', pageNumber: 2, pageSize: 5, direction: 'ASC' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect((error as Error).message).toMatch(/records\[0\]\.createdDate "02\/08\/2022"/);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/repository/api/log/list');
    expect(sent.headers['authorization']).toBe(`Basic ${Buffer.from('demo-user:Demo#Bkrepo1').toString('base64')}`);
    expect(JSON.parse(sent.body)).toEqual({
      projectId: 'test',
      repoName: 'generic-local',
      resourceKey: '/release/1.0.0/boot-example.jar',
      eventType: 'NODE_DOWNLOADED',
      pipelineId: 'p-1',
      startTime: '2022-08-02T15:20:47.235',
      endTime: '2022-08-02T15:20:47.235',
      pageNumber: 2,
      pageSize: 5,
      direction: 'ASC',
    });
  });
});
