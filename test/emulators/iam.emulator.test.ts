import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { call, issueToken, passwordTokenBody } from './support/emulator-client.js';

const PROJECT = DEMO_CREDENTIALS.huawei.projectId;
const SEED_SERVICE = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';
const EVENTS_PATH = `/v1/${PROJECT}/services/${SEED_SERVICE}/events`;
const IAM_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

let emulators: RunningEmulators;
let clock = Date.UTC(2025, 0, 15, 12, 0, 0);

beforeAll(async () => {
  // The IAM clock is injected so expiry can be tested without waiting a day.
  emulators = await startEmulators({ iam: { now: () => clock } });
});
afterAll(() => emulators.close());

const tokens = (method: string, options: { body?: string; headers?: Record<string, string> } = {}) =>
  call(emulators.iam.url, '/v3/auth/tokens', { method, auth: { kind: 'none' }, ...options });
const useToken = (token: string) => call(emulators.modelarts.url, EVENTS_PATH, { auth: { kind: 'token', token } });

describe('IAM POST /v3/auth/tokens', () => {
  it('answers 201 with the token in X-Subject-Token and its details in the body', async () => {
    const r = await tokens('POST', { body: passwordTokenBody() });
    expect(r.status).toBe(201);
    const token = r.headers.get('x-subject-token');
    expect(token).toMatch(/^MII/);
    const d = DEMO_CREDENTIALS.huawei;
    expect(r.json.token).toMatchObject({
      methods: ['password'],
      expires_at: expect.stringMatching(IAM_TIME),
      issued_at: expect.stringMatching(IAM_TIME),
      project: { name: d.region, id: d.projectId },
      user: { name: d.user, domain: { name: d.domain } },
    });
    expect(Date.parse(r.json.token.issued_at)).toBe(clock);
    expect(Date.parse(r.json.token.expires_at) - Date.parse(r.json.token.issued_at)).toBe(24 * 3600 * 1000);
    expect((await useToken(token!)).status).toBe(200);
  });

  it.each([
    ['a wrong password', { password: 'wrong' }],
    ['an unknown user', { user: 'mallory' }],
    ['a wrong domain', { domain: 'someone-else' }],
    ['a project of another region', { projectName: 'ap-southeast-1' }],
  ])('answers 401 with a Keystone error for %s', async (_name, overrides) => {
    const r = await tokens('POST', { body: passwordTokenBody(overrides) });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: { code: 401, title: 'Unauthorized', message: expect.any(String) } });
    expect(r.headers.get('x-subject-token')).toBeNull();
  });

  it.each([
    ['not JSON', '{"auth":'],
    ['an empty body', ''],
    ['no password', JSON.stringify({ auth: { identity: { methods: ['password'] }, scope: { project: { name: 'cn-north-4' } } } })],
    ['no scope', JSON.stringify({ auth: { identity: JSON.parse(passwordTokenBody()).auth.identity } })],
    ['another method', passwordTokenBody().replace('["password"]', '["token"]')],
  ])('answers 400 for %s', async (_name, body) => {
    const r = await call(emulators.iam.url, '/v3/auth/tokens', {
      method: 'POST',
      auth: { kind: 'none' },
      ...(body === '' ? {} : { body }),
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { code: 400, title: 'Bad Request', message: expect.any(String) } });
  });
});

describe('IAM token lifetime and revocation', () => {
  it('a token expires after its lifetime, and the service says so', async () => {
    const token = await issueToken(emulators.iam.url);
    clock += 24 * 3600 * 1000 - 1;
    expect((await useToken(token)).status).toBe(200);
    clock += 1;
    const expired = await useToken(token);
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ error_code: 'APIGW.0301', error_msg: expect.stringContaining('expired') });
  });

  it('the tokenLifetimeMs knob shortens tokens issued afterwards, in-process or over HTTP', async () => {
    const put = await call(emulators.iam.url, '/__emulator/knobs', {
      method: 'PUT',
      auth: { kind: 'none' },
      body: JSON.stringify({ tokenLifetimeMs: 1000 }),
    });
    expect(put.json.tokenLifetimeMs).toBe(1000);
    const r = await tokens('POST', { body: passwordTokenBody() });
    expect(Date.parse(r.json.token.expires_at) - Date.parse(r.json.token.issued_at)).toBe(1000);
    clock += 1000;
    expect((await useToken(r.headers.get('x-subject-token')!)).status).toBe(401);
    emulators.iam.resetKnobs();
    expect(emulators.iam.knobs().tokenLifetimeMs).toBe(24 * 3600 * 1000);
  });

  it('DELETE with X-Subject-Token revokes a token (204); the service refuses it; a second DELETE is 404', async () => {
    const token = await issueToken(emulators.iam.url);
    expect((await useToken(token)).status).toBe(200);
    const deleted = await tokens('DELETE', { headers: { 'X-Subject-Token': token } });
    expect(deleted.status).toBe(204);
    const refused = await useToken(token);
    expect(refused.status).toBe(401);
    expect(refused.json.error_msg).toContain('revoked');
    expect((await tokens('DELETE', { headers: { 'X-Subject-Token': token } })).status).toBe(404);
    expect((await tokens('DELETE')).status).toBe(400);
  });

  it('GET validates a subject token for a valid caller token', async () => {
    const caller = await issueToken(emulators.iam.url);
    const subject = await issueToken(emulators.iam.url);
    const ok = await tokens('GET', { headers: { 'X-Auth-Token': caller, 'X-Subject-Token': subject } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-subject-token')).toBe(subject);
    expect(ok.json.token.methods).toEqual(['password']);
    await tokens('DELETE', { headers: { 'X-Subject-Token': subject } });
    expect((await tokens('GET', { headers: { 'X-Auth-Token': caller, 'X-Subject-Token': subject } })).status).toBe(404);
    expect((await tokens('GET', { headers: { 'X-Auth-Token': 'MIInope', 'X-Subject-Token': caller } })).status).toBe(401);
  });

  it('tokens from a different IAM do not work', async () => {
    const elsewhere = await startEmulators();
    try {
      const foreign = await issueToken(elsewhere.iam.url);
      expect((await useToken(foreign)).status).toBe(401);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('IAM emulator knobs and request log', () => {
  it('forceStatus answers with a Keystone body, and Retry-After for 503', async () => {
    emulators.iam.setKnobs({ forceStatus: 503 });
    try {
      const r = await tokens('POST', { body: passwordTokenBody() });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.json).toEqual({ error: { code: 503, title: 'Service Unavailable', message: expect.any(String) } });
    } finally {
      emulators.iam.resetKnobs();
    }
  });

  it('counts token requests', async () => {
    emulators.iam.resetRequests();
    await issueToken(emulators.iam.url);
    expect(emulators.iam.requests().byPath).toEqual({ '/v3/auth/tokens': 1 });
  });
});
