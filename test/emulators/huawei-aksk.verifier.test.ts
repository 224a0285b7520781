import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import {
  canonicalQuery,
  canonicalUri,
  verifyHuaweiAkskRequest,
  type HuaweiAkskVerifierOptions,
  type SignedRequestOnTheWire,
} from '../../src/emulators/huawei/huawei-aksk.verifier.js';
import { signForTest } from './support/huawei-test.signer.js';

// docs/vendors/huawei-modelarts.md, "Auth and signing" test vector, from the official Node SDK core.
const VECTOR_TIME = Date.UTC(2024, 0, 1, 0, 0, 0);
const VECTOR_SIGNATURE = '622c32950d3b67f40bdd41fc5960e6ae233d83e7744f9285c135c899082b1742';
const keys: Record<string, string> = { AKEXAMPLE: 'SKEXAMPLE' };
const atVectorTime: HuaweiAkskVerifierOptions = { secretFor: (ak) => keys[ak], now: () => VECTOR_TIME };

function vectorRequest(overrides: Partial<SignedRequestOnTheWire> = {}): SignedRequestOnTheWire {
  return {
    method: 'GET',
    rawPath: '/v5/proj123/container/image/events',
    rawQuery: 'limit=10&offset=0&event_name=a%20b%2Fc~',
    headers: {
      host: 'hss.cn-north-4.myhuaweicloud.com',
      'x-sdk-date': '20240101T000000Z',
      'x-project-id': 'proj123',
      authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${VECTOR_SIGNATURE}`,
    },
    ...overrides,
  };
}

function withHeaders(changes: Record<string, string>): SignedRequestOnTheWire {
  const base = vectorRequest();
  return { ...base, headers: { ...base.headers, ...changes } };
}

describe('Huawei SDK-HMAC-SHA256 verifier: the documented signing vector', () => {
  it('accepts the vector', () => {
    expect(verifyHuaweiAkskRequest(vectorRequest(), atVectorTime)).toEqual({
      ok: true,
      accessKey: 'AKEXAMPLE',
      signedHeaders: ['host', 'x-project-id', 'x-sdk-date'],
    });
  });

  it('accepts the same query however it is spelled on the wire (order, + for space, %7E)', () => {
    for (const rawQuery of [
      'event_name=a+b%2Fc%7E&offset=0&limit=10',
      'offset=0&event_name=a%20b%2Fc%7e&limit=10',
    ]) {
      expect(verifyHuaweiAkskRequest(vectorRequest({ rawQuery }), atVectorTime).ok).toBe(true);
    }
  });

  it('builds the canonical pieces as the signing algorithm says', () => {
    expect(canonicalUri('/v5/proj123/container/image/events')).toBe('/v5/proj123/container/image/events/');
    expect(canonicalUri('/v1/p/services/')).toBe('/v1/p/services/');
    // the path is taken as sent: an encoded segment is encoded again, as the official SDK does
    expect(canonicalUri('/a%20b/c')).toBe('/a%2520b/c/');
    expect(canonicalQuery('limit=10&offset=0&event_name=a%20b%2Fc~')).toBe('event_name=a%20b%2Fc~&limit=10&offset=0');
    expect(canonicalQuery('b=2&a&c=%21')).toBe('a=&b=2&c=%21');
  });

  it.each([
    ['a changed path byte', vectorRequest({ rawPath: '/v5/proj124/container/image/events' })],
    ['a changed query byte', vectorRequest({ rawQuery: 'limit=11&offset=0&event_name=a%20b%2Fc~' })],
    ['an added query parameter', vectorRequest({ rawQuery: 'limit=10&offset=0&event_name=a%20b%2Fc~&x=1' })],
    ['a changed signed header', withHeaders({ 'x-project-id': 'proj124' })],
    ['a changed host', withHeaders({ host: 'hss.cn-north-1.myhuaweicloud.com' })],
    ['a changed method', vectorRequest({ method: 'POST' })],
    ['a body', vectorRequest({ body: '{}' })],
    [
      'a changed signature byte',
      withHeaders({
        authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${VECTOR_SIGNATURE.slice(0, -1)}3`,
      }),
    ],
  ])('refuses %s', (_name, request) => {
    expect(verifyHuaweiAkskRequest(request, atVectorTime)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('refuses a wrong SK', () => {
    const result = verifyHuaweiAkskRequest(vectorRequest(), { ...atVectorTime, secretFor: () => 'SKEXAMPLF' });
    expect(result).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('refuses an unknown AK', () => {
    const result = verifyHuaweiAkskRequest(vectorRequest(), { ...atVectorTime, secretFor: () => undefined });
    expect(result).toMatchObject({ ok: false, reason: 'unknown-access-key', accessKey: 'AKEXAMPLE' });
  });

  it('refuses a date 16 minutes off either way, and accepts 14', () => {
    const minutes = (n: number) => n * 60_000;
    for (const skew of [minutes(16), -minutes(16)]) {
      const result = verifyHuaweiAkskRequest(vectorRequest(), { ...atVectorTime, now: () => VECTOR_TIME + skew });
      expect(result).toMatchObject({ ok: false, reason: 'clock-skew' });
    }
    for (const skew of [minutes(14), -minutes(14)]) {
      expect(verifyHuaweiAkskRequest(vectorRequest(), { ...atVectorTime, now: () => VECTOR_TIME + skew }).ok).toBe(true);
    }
  });

  it('refuses a missing or unsigned date, a malformed header and another algorithm', () => {
    const { 'x-sdk-date': _dropped, ...noDate } = vectorRequest().headers;
    expect(verifyHuaweiAkskRequest(vectorRequest({ headers: noDate }), atVectorTime)).toMatchObject({ reason: 'missing-date' });
    expect(verifyHuaweiAkskRequest(withHeaders({ 'x-sdk-date': '2024-01-01T00:00:00Z' }), atVectorTime)).toMatchObject({
      reason: 'malformed-date',
    });
    expect(
      verifyHuaweiAkskRequest(
        withHeaders({ authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id, Signature=${VECTOR_SIGNATURE}` }),
        atVectorTime,
      ),
    ).toMatchObject({ reason: 'date-not-signed' });
    expect(verifyHuaweiAkskRequest(withHeaders({ authorization: 'SDK-HMAC-SHA256 Access=AKEXAMPLE' }), atVectorTime)).toMatchObject({
      reason: 'malformed-authorization',
    });
    expect(verifyHuaweiAkskRequest(withHeaders({ authorization: 'Bearer abc' }), atVectorTime)).toMatchObject({
      reason: 'unsupported-algorithm',
    });
    expect(
      verifyHuaweiAkskRequest(
        withHeaders({
          authorization: `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-missing;x-sdk-date, Signature=${VECTOR_SIGNATURE}`,
        }),
        atVectorTime,
      ),
    ).toMatchObject({ reason: 'missing-signed-header' });
  });
});

describe('Huawei SDK-HMAC-SHA256 verifier against the official signer (@huaweicloud/huaweicloud-sdk-core)', () => {
  const credentials = new BasicCredentials().withAk('AKEXAMPLE').withSk('SKEXAMPLE');

  it('the official signer reproduces the vector', () => {
    const headers = AKSKSigner.sign(
      {
        method: 'GET',
        endpoint: 'https://hss.cn-north-4.myhuaweicloud.com/v5/proj123/container/image/events',
        headers: { 'X-Sdk-Date': '20240101T000000Z', 'X-Project-Id': 'proj123' },
        queryParams: { limit: 10, offset: 0, event_name: 'a b/c~' },
      },
      credentials,
    ) as Record<string, string>;
    expect(headers.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${VECTOR_SIGNATURE}`,
    );
  });

  it('accepts what the official signer produces now, with a JSON body and odd characters', () => {
    const data = { name: 'événement', tags: ["a'b", '(x)*'] };
    const queryParams = { q: "it's (50%) *done*", empty: '', 'key with space': 'v+w' };
    const signed = AKSKSigner.sign(
      {
        method: 'POST',
        endpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v1/proj123/services',
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': 'proj123' },
        queryParams,
        data,
      },
      credentials,
    ) as Record<string, string>;
    // The SDK sends the query with Node's querystring and the body as JSON.stringify.
    const rawQuery = new URLSearchParams(queryParams).toString();
    const headers = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    const result = verifyHuaweiAkskRequest(
      { method: 'POST', rawPath: '/v1/proj123/services', rawQuery, headers, body: Buffer.from(JSON.stringify(data)) },
      { secretFor: (ak) => keys[ak] },
    );
    expect(result).toMatchObject({ ok: true, accessKey: 'AKEXAMPLE' });
  });

  it('agrees with the official signer on a path that carries percent-encoding', () => {
    const signed = AKSKSigner.sign(
      {
        method: 'GET',
        endpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v1/proj123/services/a%20b/events',
        headers: { 'X-Sdk-Date': '20240101T000000Z' },
        queryParams: {},
      },
      credentials,
    ) as Record<string, string>;
    const headers = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    expect(
      verifyHuaweiAkskRequest({ method: 'GET', rawPath: '/v1/proj123/services/a%20b/events', rawQuery: '', headers }, atVectorTime).ok,
    ).toBe(true);
  });
});

describe('AK/SK over real HTTP', () => {
  let emulators: RunningEmulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(() => emulators.close());

  it('the ModelArts emulator accepts a request signed by the official SDK signer', async () => {
    const d = DEMO_CREDENTIALS.huawei;
    const url = new URL(`${emulators.modelarts.url}/v1/${d.projectId}/services`);
    const queryParams = { limit: 3, sort_by: 'service_name', order: 'asc' };
    const signed = AKSKSigner.sign(
      { method: 'GET', endpoint: url.toString(), headers: { 'X-Project-Id': d.projectId }, queryParams },
      new BasicCredentials().withAk(d.accessKey).withSk(d.secretKey),
    ) as Record<string, string>;
    // fetch sets Host itself, to the same host:port the SDK signed
    const { host: _host, ...headers } = signed;
    const response = await fetch(`${url}?${new URLSearchParams(Object.entries(queryParams).map(([k, v]) => [k, String(v)]))}`, {
      headers,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number };
    expect(body.count).toBe(3);
  });

  it('the test signer and the verifier agree over HTTP, and a tampered request is refused', async () => {
    const d = DEMO_CREDENTIALS.huawei;
    const url = `${emulators.modelarts.url}/v1/${d.projectId}/services?service_name=zcj&limit=5`;
    const headers = signForTest({ method: 'GET', url, accessKey: d.accessKey, secretKey: d.secretKey });
    expect((await fetch(url, { headers })).status).toBe(200);
    const tampered = await fetch(url.replace('limit=5', 'limit=6'), { headers });
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({
      error_code: 'APIGW.0301',
      error_msg: expect.stringContaining('Incorrect IAM authentication information: verify aksk signature fail'),
    });
  });
});
