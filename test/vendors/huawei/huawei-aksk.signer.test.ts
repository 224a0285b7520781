import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import { describe, expect, it } from 'vitest';
import { HuaweiAkSkSigner, formatSdkDate } from '../../../src/vendors/huawei/huawei-aksk.signer.js';
import { buildQueryString } from '../../../src/upstream/upstream.url.js';

const AK = 'AKEXAMPLE';
const SK = 'SKEXAMPLE';

/** The official SDK's signer reads only these two methods of a credential. */
const sdkCredential = { getAk: () => AK, getSk: () => SK } as unknown as ICredential;

interface Case {
  name: string;
  method: 'GET' | 'POST';
  origin: string;
  /** Raw, unencoded path, as the SDK substitutes path parameters into it. */
  path: string;
  query: Record<string, string | number>;
  /** Header names as the SDK expects them (it reads `X-Sdk-Date` case-sensitively). */
  headers: Record<string, string>;
  data?: unknown;
}

/** Our signer on the request as the upstream core would prepare it. */
function signOurs(c: Case): string {
  const qs = buildQueryString(c.query);
  const url = new URL(`${c.origin}${c.path}${qs ? `?${qs}` : ''}`);
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const body = c.data === undefined ? '' : JSON.stringify(c.data);
  const signer = new HuaweiAkSkSigner({ accessKey: AK, secretKey: SK });
  const request = { method: c.method, url, headers, body };
  signer.sign(request);
  return request.headers['authorization'] ?? '';
}

/** The official SDK's signer on the same inputs, as its HcClient would hand them over. */
function signOfficial(c: Case): string {
  const result = AKSKSigner.sign(
    {
      endpoint: `${c.origin}${c.path}`,
      method: c.method,
      queryParams: c.query,
      headers: { ...c.headers },
      // The SDK hashes JSON.stringify(data); we hash the JSON string we send.
      ...(c.data === undefined ? {} : { data: c.data }),
    },
    sdkCredential,
  ) as Record<string, string>;
  return result['Authorization'] ?? '';
}

const vectorCase: Case = {
  name: 'the documented signing vector',
  method: 'GET',
  origin: 'https://hss.cn-north-4.myhuaweicloud.com',
  path: '/v5/proj123/container/image/events',
  query: { limit: 10, offset: 0, event_name: 'a b/c~' },
  headers: { 'X-Sdk-Date': '20240101T000000Z', 'X-Project-Id': 'proj123' },
};

describe('HuaweiAkSkSigner', () => {
  it('reproduces the documented vector', () => {
    expect(signOurs(vectorCase)).toBe(
      'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, ' +
        'Signature=622c32950d3b67f40bdd41fc5960e6ae233d83e7744f9285c135c899082b1742',
    );
  });

  it('exposes the canonical request it signed', () => {
    const qs = buildQueryString(vectorCase.query);
    const request = {
      method: 'GET',
      url: new URL(`${vectorCase.origin}${vectorCase.path}?${qs}`),
      headers: { 'x-sdk-date': '20240101T000000Z', 'x-project-id': 'proj123' } as Record<string, string>,
      body: '',
    };
    const signed = new HuaweiAkSkSigner({ accessKey: AK, secretKey: SK }).sign(request);
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/v5/proj123/container/image/events/',
        'event_name=a%20b%2Fc~&limit=10&offset=0',
        'host:hss.cn-north-4.myhuaweicloud.com\nx-project-id:proj123\nx-sdk-date:20240101T000000Z\n',
        'host;x-project-id;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signed.signature).toBe('622c32950d3b67f40bdd41fc5960e6ae233d83e7744f9285c135c899082b1742');
  });

  it('adds X-Sdk-Date from its clock when the request has none', () => {
    const signer = new HuaweiAkSkSigner({ accessKey: AK, secretKey: SK, now: () => new Date('2024-01-01T00:00:00.789Z') });
    const headers: Record<string, string> = { 'x-project-id': 'proj123' };
    const qs = buildQueryString(vectorCase.query);
    signer.sign({ method: 'GET', url: new URL(`${vectorCase.origin}${vectorCase.path}?${qs}`), headers, body: '' });
    expect(headers['x-sdk-date']).toBe('20240101T000000Z');
    expect(headers['authorization']).toBe(signOurs(vectorCase));
  });

  it('formats X-Sdk-Date in UTC', () => {
    expect(formatSdkDate(new Date('2024-12-31T23:59:58.999Z'))).toBe('20241231T235958Z');
  });

  const sdkCases: Case[] = [
    vectorCase,
    {
      name: 'a POST with a JSON body and a content type',
      method: 'POST',
      origin: 'https://modelarts.cn-north-4.myhuaweicloud.com',
      path: '/v1/proj123/services/abc/events',
      query: {},
      headers: { 'X-Sdk-Date': '20240315T081500Z', 'X-Project-Id': 'proj123', 'content-type': 'application/json' },
      data: { name: 'svc 1', limit: 10, tags: ['a', 'b/c'], note: '中文' },
    },
    {
      name: 'a path and query needing encoding, on a non-default port',
      method: 'POST',
      origin: 'http://127.0.0.1:8443',
      // Not a space or `'`: the SDK's url.parse escapes those before it encodes, so it signs
      // them double-encoded (see the next test).
      path: '/v1/proj123/services/服务:x(y)@z!*$,;=/events',
      query: { service_name: "名字 (test)*!'", b: '+plus', a: '~tilde' },
      headers: { 'X-Sdk-Date': '20240101T000000Z', 'X-Project-Id': 'proj123', 'content-type': 'application/json;charset=UTF-8' },
      data: { q: 'x' },
    },
    {
      name: 'a GET without X-Project-Id but with an Accept header',
      method: 'GET',
      origin: 'https://kms.cn-north-4.myhuaweicloud.com',
      path: '/v1/proj123/csms/notification-records',
      query: {},
      headers: { 'X-Sdk-Date': '20240101T000000Z', accept: 'application/json' },
    },
  ];

  it.each(sdkCases)('matches the official SDK signer: $name', (c) => {
    const official = signOfficial(c);
    expect(official).toMatch(/^SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/);
    expect(signOurs(c)).toBe(official);
  });

  it('canonicalises a path segment once, where the official Node SDK double-encodes', () => {
    // The SDK signs `a b'` as `a%2520b%2527` (url.parse escapes, then it encodes again); the
    // Go and Python signers, and the gateway, canonicalise the decoded segment.
    const request = {
      method: 'GET',
      url: new URL("https://modelarts.example/v1/p/services/a b'/events"),
      headers: { 'x-sdk-date': '20240101T000000Z' } as Record<string, string>,
      body: '',
    };
    const signed = new HuaweiAkSkSigner({ accessKey: AK, secretKey: SK }).sign(request);
    expect(signed.canonicalRequest.split('\n')[1]).toBe('/v1/p/services/a%20b%27/events/');
  });
});
