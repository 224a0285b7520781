import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_BKREPO_ACCOUNTS } from '../../src/emulators/bkrepo/bkrepo.accounts.js';
import { HISTORY_MS, PUBLIC_EVENT_TYPES, type BkRepoLogRecord } from '../../src/emulators/bkrepo/bkrepo.dataset.js';
import { LOG_LIST_PATH, startBkRepoEmulator, type BkRepoEmulatorHandle } from '../../src/emulators/bkrepo/bkrepo.emulator.js';
import { formatLocal } from '../../src/emulators/bkrepo/bkrepo.time.js';
import { IANAZone } from 'luxon';

const NOW = Date.UTC(2025, 0, 15, 4, 0, 0);
const SHANGHAI = IANAZone.create('Asia/Shanghai');
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const DEMO = basic('demo-user', 'Demo#Bkrepo1');

/** The example response of the vendor API page, character for character. */
const SEED_RECORD = {
  createdDate: '2022-08-02T15:20:47.235',
  type: 'NODE_DOWNLOADED',
  projectId: 'test',
  repoName: 'generic-local',
  resourceKey: '/release/1.0.0/boot-example.jar',
  userId: 'admin',
  clientAddress: '127.0.0.1',
  description: {
    md5: '036208b4a1ab4a235d75c181e685e5a3',
    sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1',
  },
};

let emulator: BkRepoEmulatorHandle;

beforeAll(async () => {
  emulator = await startBkRepoEmulator({ now: NOW, seed: 1, clock: () => NOW });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

interface Answer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

async function post(body: unknown, options: { authorization?: string | null; headers?: Record<string, string>; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const authorization = options.authorization === undefined ? DEMO : options.authorization;
  if (authorization !== null) headers['authorization'] = authorization;
  const response = await fetch(`${emulator.url}${LOG_LIST_PATH}`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

const base = { projectId: 'test', repoName: 'generic-local', resourceKey: '/', eventType: 'NODE_DOWNLOADED', startTime: '2000-01-01T00:00:00' };

/** Brute force over the stored data. */
function stored(filter: (r: BkRepoLogRecord) => boolean): BkRepoLogRecord[] {
  return emulator.records().filter(filter);
}

describe('bk-repo POST /repository/api/log/list: auth', () => {
  it('accepts Basic with a password and with a user token', async () => {
    expect((await post(base)).status).toBe(200);
    const token = await post(base, { authorization: basic('demo-user', 'bkrepo-demo-token-0001') });
    expect(token.status).toBe(200);
    expect(token.json.code).toBe(0);
  });

  it('accepts Platform credentials acting for the user in X-BKREPO-UID', async () => {
    const platform = `Platform ${Buffer.from('bkrepo-demo-ak:bkrepo-demo-sk-0001').toString('base64')}`;
    expect((await post(base, { authorization: platform, headers: { 'X-BKREPO-UID': 'demo-user' } })).status).toBe(200);
    const noUid = await post(base, { authorization: platform });
    expect(noUid.status).toBe(401);
    const wrongSecret = await post(base, {
      authorization: `Platform ${Buffer.from('bkrepo-demo-ak:nope').toString('base64')}`,
      headers: { 'X-BKREPO-UID': 'demo-user' },
    });
    expect(wrongSecret.status).toBe(401);
    // a platform may act for anyone, but that user still needs MANAGE
    const guest = await post(base, { authorization: platform, headers: { 'X-BKREPO-UID': 'guest' } });
    expect(guest.status).toBe(403);
  });

  it('answers 401 250114 with WWW-Authenticate for a wrong password, no credentials or another scheme', async () => {
    for (const authorization of [basic('demo-user', 'wrong'), basic('nobody', 'x'), null, 'Bearer abc', 'Basic !!!']) {
      const r = await post(base, { authorization });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(r.json).toMatchObject({ code: 250114, data: null, traceId: '' });
      expect(typeof r.json.message).toBe('string');
    }
  });

  it('answers 403 250113 to a user without MANAGE on the project, and lets admin read any project', async () => {
    const other = await post({ ...base, projectId: 'bkdevops' });
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ code: 250113, data: null });
    expect((await post(base, { authorization: basic('guest', 'Guest#Bkrepo1') })).status).toBe(403);
    expect((await post({ ...base, projectId: 'bkdevops' }, { authorization: basic('admin', 'Admin#Bkrepo1') })).status).toBe(200);
  });
});

describe('bk-repo log list: request validation', () => {
  for (const field of ['projectId', 'repoName', 'resourceKey', 'eventType'] as const) {
    it(`refuses a request without ${field}: 400 250103`, async () => {
      const { [field]: _omitted, ...rest } = base;
      const r = await post(rest);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 250103, data: null });
      expect(r.json.message).toContain(field);
      const nulled = await post({ ...base, [field]: null });
      expect(nulled.json.code).toBe(250103);
    });
  }

  it('refuses malformed JSON, an empty body and values of the wrong type: 400 250106', async () => {
    for (const raw of ['{"projectId": "test",', '', '[1,2]']) {
      const r = await post(undefined, { raw });
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 250106, data: null });
    }
    for (const bad of [{ projectId: 5 }, { pageNumber: 'x' }, { direction: 'UP' }, { startTime: '2022/08/01' }, { endTime: 'yesterday' }, { pageSize: 1.5 }]) {
      const r = await post({ ...base, ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.code).toBe(250106);
    }
  });
});

describe('bk-repo log list: semantics', () => {
  it('serves the API page example verbatim, in the documented envelope', async () => {
    const r = await post({ ...base, resourceKey: '/release/1.0.0/boot-example.jar', startTime: '2022-08-01T15:00:00.000', endTime: '2022-08-03T15:00:00.000' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      code: 0,
      message: null,
      data: { pageNumber: 1, pageSize: 20, totalRecords: 1, totalPages: 1, records: [SEED_RECORD], count: 1, page: 1 },
      traceId: '',
    });
    expect(r.headers.get('x-bkrepo-time-zone')).toBe('+0800');
  });

  it('matches resourceKey as a prefix where * spans anything and nothing anchors the end', async () => {
    const keys = async (resourceKey: string) => {
      const r = await post({ ...base, eventType: 'NODE_CREATED', resourceKey, pageSize: 1000 });
      return (r.json.data.records as { resourceKey: string }[]).map((x) => x.resourceKey);
    };
    const jar = await keys('/a/*.jar');
    expect(jar).toContain('/a/x.jarx');
    expect(jar).toContain('/a/x.jar');
    expect(jar).toContain('/a/b/y.jar');
    expect(new Set(jar)).toEqual(new Set(['/a/x.jarx', '/a/x.jar', '/a/b/y.jar']));
    const prefix = await keys('/release/1.0.0/');
    expect(prefix.length).toBeGreaterThan(0);
    expect(prefix.every((k) => k.startsWith('/release/1.0.0/'))).toBe(true);
    // the dot is itself, not any character
    expect(await keys('/a/x.jar')).toEqual(expect.arrayContaining(['/a/x.jar', '/a/x.jarx']));
    expect(await keys('/a/x?jar')).toEqual([]);
    const all = await keys('*');
    expect(all).toHaveLength(stored((r) => r.projectId === 'test' && r.repoName === 'generic-local' && r.type === 'NODE_CREATED').length);
  });

  it('gives an empty page for an event type it does not know', async () => {
    const r = await post({ ...base, eventType: 'NO_SUCH_EVENT' });
    expect(r.status).toBe(200);
    expect(r.json.data).toMatchObject({ totalRecords: 0, totalPages: 0, records: [], count: 0 });
  });

  it('reads pageNumber <= 0 as 1, pages by pageNumber/pageSize, and sorts by direction', async () => {
    const all = stored((r) => r.projectId === 'test' && r.repoName === 'generic-local' && r.type === 'NODE_DOWNLOADED');
    const first = await post({ ...base, pageSize: 7 });
    for (const pageNumber of [0, -3]) {
      const r = await post({ ...base, pageSize: 7, pageNumber });
      expect(r.json.data.pageNumber).toBe(1);
      expect(r.json.data.records).toEqual(first.json.data.records);
    }
    expect(first.json.data).toMatchObject({ totalRecords: all.length, totalPages: Math.ceil(all.length / 7), count: all.length });
    const desc: string[] = [];
    const asc: string[] = [];
    for (let page = 1; page <= first.json.data.totalPages; page++) {
      desc.push(...(await post({ ...base, pageSize: 7, pageNumber: page })).json.data.records.map((r: { createdDate: string }) => r.createdDate));
      asc.push(...(await post({ ...base, pageSize: 7, pageNumber: page, direction: 'ASC' })).json.data.records.map((r: { createdDate: string }) => r.createdDate));
    }
    expect(desc).toEqual(all.map((r) => formatLocal(r.at, SHANGHAI)).reverse());
    expect(asc).toEqual(all.map((r) => formatLocal(r.at, SHANGHAI)));
    const beyond = await post({ ...base, pageSize: 7, pageNumber: 1000 });
    expect(beyond.json.data.records).toEqual([]);
  });

  it('defaults to the last 3 months (inclusive), reading start and end in the server zone', async () => {
    const inDefault = stored(
      (r) => r.projectId === 'test' && r.repoName === 'generic-local' && r.type === 'NODE_DOWNLOADED' && r.at >= Date.UTC(2024, 9, 15, 4) && r.at <= NOW,
    );
    const { startTime: _s, ...noTimes } = base;
    const r = await post({ ...noTimes, pageSize: 1000 });
    expect(r.json.data.totalRecords).toBe(inDefault.length);
    expect(inDefault.length).toBeLessThan(stored((x) => x.projectId === 'test' && x.repoName === 'generic-local' && x.type === 'NODE_DOWNLOADED').length);
    // The seed record at 2022-08-02T15:20:47.235 (Shanghai), bounded exactly on both sides.
    const exact = await post({ ...base, startTime: '2022-08-02T15:20:47.235', endTime: '2022-08-02T15:20:47.235' });
    expect(exact.json.data.records).toEqual([SEED_RECORD]);
    const after = await post({ ...base, startTime: '2022-08-02T15:20:47.236', endTime: '2022-08-02T15:20:48' });
    expect(after.json.data.totalRecords).toBe(0);
    // 15:20:47.235 Shanghai is 07:20:47.235 UTC; read in Shanghai, a UTC-minded window misses it
    const utcMinded = await post({ ...base, startTime: '2022-08-02T07:20:47', endTime: '2022-08-02T07:20:48' });
    expect(utcMinded.json.data.totalRecords).toBe(0);
  });

  it('filters on sha256, pipelineId, buildId and userId, and ignores the misspelt pipelinId', async () => {
    const sha = await post({ ...base, sha256: SEED_RECORD.description.sha256 });
    expect(sha.json.data.records).toEqual([SEED_RECORD]);
    const pipeline = await post({ ...base, eventType: 'NODE_CREATED', pipelineId: 'p-123456' });
    expect(pipeline.json.data.totalRecords).toBe(1);
    expect(pipeline.json.data.records[0].description).toMatchObject({ pipelineId: 'p-123456', buildId: 'b-123456' });
    expect((await post({ ...base, eventType: 'NODE_CREATED', pipelineId: 'p-123456', buildId: 'b-other' })).json.data.totalRecords).toBe(0);
    expect((await post({ ...base, eventType: 'NODE_CREATED', buildId: 'b-123456' })).json.data.totalRecords).toBe(1);
    const all = (await post({ ...base, eventType: 'NODE_CREATED' })).json.data.totalRecords;
    expect((await post({ ...base, eventType: 'NODE_CREATED', pipelinId: 'p-no-such' })).json.data.totalRecords).toBe(all);
    const admin = await post({ ...base, userId: 'admin', pageSize: 1000 });
    expect(admin.json.data.records.length).toBeGreaterThan(0);
    expect(admin.json.data.records.every((r: { userId: string }) => r.userId === 'admin')).toBe(true);
  });

  it('writes createdDate in the zone a request names, and names the zone of every answer', async () => {
    const q = { ...base, startTime: '2022-08-02T15:20:47.235', endTime: '2022-08-02T15:20:47.235' };
    for (const [zone, createdDate, header] of [
      ['UTC', '2022-08-02T07:20:47.235', '+0000'],
      ['+09:00', '2022-08-02T16:20:47.235', '+0900'],
      ['-5.5', '2022-08-02T01:50:47.235', '-0530'],
      ['America/New_York', '2022-08-02T03:20:47.235', '-0500'],
      ['not a zone', '2022-08-02T15:20:47.235', '+0800'],
    ] as const) {
      const r = await post(q, { headers: { 'X-BKREPO-Time-Zone': zone } });
      expect(r.json.data.records[0].createdDate, zone).toBe(createdDate);
      expect(r.headers.get('x-bkrepo-time-zone'), zone).toBe(header);
    }
  });

  it('has knobs for the server zone and for leaving the zone header out', async () => {
    emulator.setKnobs({ serverTimeZone: 'UTC' });
    const utc = await post({ ...base, startTime: '2022-08-02T07:20:47.235', endTime: '2022-08-02T07:20:47.235' });
    expect(utc.json.data.records[0].createdDate).toBe('2022-08-02T07:20:47.235');
    expect(utc.headers.get('x-bkrepo-time-zone')).toBe('+0000');
    emulator.setKnobs({ timeZoneHeader: false });
    const bare = await post({ ...base, startTime: '2022-08-02T07:20:47.235', endTime: '2022-08-02T07:20:47.235' });
    expect(bare.headers.get('x-bkrepo-time-zone')).toBeNull();
    expect(bare.json.data.records).toHaveLength(1);
    const refused = await fetch(`${emulator.url}/__emulator/knobs`, { method: 'PUT', body: JSON.stringify({ serverTimeZone: 'Mars/Olympus' }) });
    expect(refused.status).toBe(400);
    emulator.setKnobs({ forceStatus: 503 });
    const forced = await post(base);
    expect(forced.status).toBe(503);
    expect(forced.json).toMatchObject({ code: 250102, data: null });
  });
});

describe('bk-repo emulator data', () => {
  it('is deterministic, modest, and covers projects, repositories, the 12 types, depths and fractions', async () => {
    const again = await startBkRepoEmulator({ now: NOW, seed: 1 });
    const other = await startBkRepoEmulator({ now: NOW, seed: 2 });
    try {
      const records = emulator.records();
      expect(JSON.stringify(again.records())).toBe(JSON.stringify(records));
      expect(JSON.stringify(other.records())).not.toBe(JSON.stringify(records));
      expect(records.length).toBeGreaterThan(500);
      expect(records.length).toBeLessThan(3000);
      expect(new Set(records.map((r) => r.projectId)).size).toBeGreaterThanOrEqual(3);
      expect(new Set(records.map((r) => `${r.projectId}/${r.repoName}`)).size).toBeGreaterThanOrEqual(6);
      expect(new Set(records.map((r) => r.type))).toEqual(new Set(PUBLIC_EVENT_TYPES));
      expect(new Set(records.map((r) => r.userId)).size).toBeGreaterThanOrEqual(4);
      expect(new Set(records.map((r) => r.clientAddress)).size).toBeGreaterThanOrEqual(4);
      const depths = new Set(records.filter((r) => r.resourceKey.startsWith('/')).map((r) => r.resourceKey.split('/').length - 1));
      expect(depths.size).toBeGreaterThanOrEqual(3);
      const fractions = new Set(records.map((r) => formatLocal(r.at, SHANGHAI).split('.')[1]?.length ?? 0));
      expect(fractions).toEqual(new Set([0, 1, 2, 3]));
      expect(records.some((r) => typeof r.description['pipelineId'] === 'string' && typeof r.description['buildId'] === 'string')).toBe(true);
      const generated = records.filter((r) => r.at > NOW - HISTORY_MS - 86_400_000);
      expect(generated.every((r) => r.at <= NOW)).toBe(true);
      expect(DEMO_BKREPO_ACCOUNTS.users.map((u) => u.userId)).toEqual(['admin', 'demo-user', 'guest']);
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('takes appended records through the control API', async () => {
    const record = { ...SEED_RECORD, at: NOW - 1000, resourceKey: '/appended.bin' } as Record<string, unknown>;
    delete record['createdDate'];
    const r = await fetch(`${emulator.url}/__emulator/records`, { method: 'POST', body: JSON.stringify([record]) });
    expect(r.status).toBe(201);
    const found = await post({ ...base, resourceKey: '/appended.bin' });
    expect(found.json.data.records).toHaveLength(1);
    expect(found.json.data.records[0].createdDate).toBe(formatLocal(NOW - 1000, SHANGHAI));
  });
});
