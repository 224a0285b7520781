import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeySchema } from '../../src/config/auth-config.schema.js';
import { ANONYMOUS } from '../../src/graphql/principal.js';
import { apiKeyProblem, generateApiKey, hashApiKey, verifyApiKey } from '../../src/server/auth/api-key.js';
import { ApiKeyVerifier } from '../../src/server/auth/api-key-verifier.js';
import type { ApiKeyOptions, AuthOptions, JwtOptions } from '../../src/server/auth/auth-options.js';
import { AuthConfigError } from '../../src/server/auth/auth-options.js';
import { createAuthenticator, type AuthOutcome } from '../../src/server/auth/authenticate.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';

/*
 * Client authentication (docs/auth.md): API keys kept as scrypt hashes, JWTs checked with
 * jose against a PEM key or a JWKS, and what the edge answers when neither is right. The
 * unit tests call `authenticate()` and read the Principal it returns; the HTTP tests run the
 * real server over the ModelArts emulator.
 */

// The weakest parameters the configuration accepts: the same code path, a quarter of the time.
const FAST = { N: 2 ** 14, r: 8, p: 1 };

const GRAFANA_KEY = generateApiKey();
const ONCALL_KEY = generateApiKey();
const SOURCES_QUERY = '{ sources { name } }';

async function keys(): Promise<ApiKeyOptions[]> {
  return [
    { name: 'grafana', hash: await hashApiKey(GRAFANA_KEY, FAST), sources: ['prod-*', 'modelarts'], kinds: ['DEPLOYMENT'], maxCost: 50 },
    { name: 'oncall', hash: await hashApiKey(ONCALL_KEY, FAST), sources: ['*'] },
  ];
}

function expectRefused(outcome: AuthOutcome, status: 401 | 503, message?: RegExp): void {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  expect(outcome.status).toBe(status);
  if (message) expect(outcome.message).toMatch(message);
}

describe('API key hashes', () => {
  it('verify the key they were made from, and no other', async () => {
    const hash = await hashApiKey('a-key-of-twenty-characters', FAST);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{32,}$/);
    expect(await verifyApiKey('a-key-of-twenty-characters', hash)).toBe(true);
    expect(await verifyApiKey('a-key-of-twenty-characterz', hash)).toBe(false);
    // A fresh salt every time: the same key never shows as the same hash.
    expect(await hashApiKey('a-key-of-twenty-characters', FAST)).not.toBe(hash);
  });

  it('refuse parameters outside the bounds, rather than run them', async () => {
    const hash = await hashApiKey('a-key-of-twenty-characters', FAST);
    expect(await verifyApiKey('a-key-of-twenty-characters', hash.replace('$16384$', '$1024$'))).toBe(false);
    expect(() => new ApiKeyVerifier([{ name: 'weak', hash: hash.replace('$16384$', '$1024$'), sources: ['*'] }])).toThrow(AuthConfigError);
  });

  it('are checked by the configuration schema for their parameters, without showing the hash', async () => {
    const hash = await hashApiKey('a-key-of-twenty-characters', FAST);
    expect(apiKeySchema.safeParse({ name: 'ok', hash }).success).toBe(true);
    for (const [weak, reason] of [
      [hash.replace('$16384$', '$1024$'), /N must be a power of two/],
      [hash.replace('$16384$8$', '$16384$64$'), /r must be 1 to 32/],
      [hash.replace('$16384$8$', '$1048576$8$'), /256 MiB/],
    ] as const) {
      const result = apiKeySchema.safeParse({ name: 'weak', hash: weak });
      expect(result.success).toBe(false);
      const messages = result.error!.issues.map((issue) => issue.message).join('; ');
      expect(messages).toMatch(reason);
      expect(messages).not.toContain(weak.split('$')[4]);
    }
  });

  it('generated keys are long, random and header-safe', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^egk_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
    expect(apiKeyProblem(key)).toBeUndefined();
    expect(apiKeyProblem('short')).toMatch(/at least 20/);
    expect(apiKeyProblem('a key with spaces in it, long enough')).toMatch(/visible ASCII/);
  });
});

describe('ApiKeyVerifier', () => {
  it('runs scrypt once per key: repeats, and concurrent first requests, are answered from memory', async () => {
    const verifier = new ApiKeyVerifier(await keys());
    const first = await Promise.all(Array.from({ length: 8 }, () => verifier.verify(ONCALL_KEY)));
    expect(first.every((verdict) => verdict.kind === 'accepted')).toBe(true);
    // oncall is the second configured key: one check against each hash, once.
    expect(verifier.scryptChecks).toBe(2);
    for (let i = 0; i < 50; i += 1) expect((await verifier.verify(ONCALL_KEY)).kind).toBe('accepted');
    expect(verifier.scryptChecks).toBe(2);
  });

  it('remembers a wrong key too, so retrying it costs no scrypt', async () => {
    const verifier = new ApiKeyVerifier(await keys());
    const wrong = generateApiKey();
    expect((await verifier.verify(wrong)).kind).toBe('rejected');
    const after = verifier.scryptChecks;
    expect(after).toBe(2);
    expect((await verifier.verify(wrong)).kind).toBe('rejected');
    expect(verifier.scryptChecks).toBe(after);
  });

  it('answers busy, without queueing, past its bound on slow checks', async () => {
    const verifier = new ApiKeyVerifier(await keys(), { maxConcurrentChecks: 1, maxWaitingChecks: 1 });
    const verdicts = await Promise.all([generateApiKey(), generateApiKey(), generateApiKey(), generateApiKey()].map((key) => verifier.verify(key)));
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['rejected', 'rejected', 'busy', 'busy']);
  });
});

describe('authenticate() with API keys', () => {
  let auth: Awaited<ReturnType<typeof createAuthenticator>>;
  beforeAll(async () => {
    auth = await createAuthenticator({ mode: 'required', apiKeys: await keys() });
  });

  it('takes a key as a bearer credential or in X-API-Key, and gives the key its principal', async () => {
    const expected = { name: 'grafana', sources: ['prod-*', 'modelarts'], kinds: ['DEPLOYMENT'], maxCost: 50 };
    expect(await auth.authenticate({ authorization: `Bearer ${GRAFANA_KEY}` })).toEqual({ ok: true, principal: expected });
    expect(await auth.authenticate({ 'x-api-key': GRAFANA_KEY })).toEqual({ ok: true, principal: expected });
    expect(await auth.authenticate({ authorization: `bearer  ${GRAFANA_KEY} ` })).toEqual({ ok: true, principal: expected });
    expect(await auth.authenticate({ 'x-api-key': ONCALL_KEY })).toEqual({ ok: true, principal: { name: 'oncall', sources: ['*'] } });
    // The same key in both headers is one credential.
    expect((await auth.authenticate({ authorization: `Bearer ${ONCALL_KEY}`, 'x-api-key': ONCALL_KEY })).ok).toBe(true);
  });

  it('refuses no key, a wrong key, another scheme and two different keys with 401, never echoing the key', async () => {
    const wrong = generateApiKey();
    const outcomes = [
      await auth.authenticate({}),
      await auth.authenticate({ authorization: 'Bearer ' }),
      await auth.authenticate({ authorization: `Bearer ${wrong}` }),
      await auth.authenticate({ 'x-api-key': wrong }),
      await auth.authenticate({ authorization: `Basic ${Buffer.from(`u:${wrong}`).toString('base64')}` }),
      await auth.authenticate({ authorization: `Bearer ${GRAFANA_KEY}`, 'x-api-key': ONCALL_KEY }),
      await auth.authenticate({ authorization: `Bearer ${wrong} ${wrong}` }),
    ];
    for (const outcome of outcomes) {
      expectRefused(outcome, 401);
      if (!outcome.ok) {
        expect(outcome.message).not.toContain(wrong);
        expect(outcome.message).not.toContain(GRAFANA_KEY);
        expect(outcome.message).not.toContain(ONCALL_KEY);
      }
    }
    expectRefused(outcomes[0]!, 401, /no credentials.*Authorization: Bearer.*X-API-Key/);
    expectRefused(outcomes[2]!, 401, /API key is not valid/);
    expectRefused(outcomes[4]!, 401, /Bearer scheme/);
    expectRefused(outcomes[5]!, 401, /two different credentials/);
  });

  it('refuses a token when only API keys are configured', async () => {
    expectRefused(await auth.authenticate({ authorization: 'Bearer aaa.bbb.ccc' }), 401, /API keys only/);
  });

  it('is anonymous with auth off: no section, or mode none', async () => {
    for (const options of [undefined, { mode: 'none' } as const]) {
      const open = await createAuthenticator(options);
      expect(open.required).toBe(false);
      expect(await open.authenticate({})).toEqual({ ok: true, principal: ANONYMOUS });
      expect(await open.authenticate({ authorization: 'Bearer whatever' })).toEqual({ ok: true, principal: ANONYMOUS });
    }
  });
});

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'eventgraph';

function jwtOptions(overrides: Partial<JwtOptions>): JwtOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256'],
    clockToleranceSeconds: 30,
    claims: { name: 'sub', sources: 'eventgraph_sources', kinds: 'eventgraph_kinds' },
    ...overrides,
  };
}

interface Signer {
  privateKey: CryptoKey;
  alg: string;
  kid?: string;
}

function token(signer: Signer, claims: Record<string, unknown> = {}, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt): Promise<string> {
  const jwt = new SignJWT({ eventgraph_sources: ['modelarts'], ...claims })
    .setProtectedHeader({ alg: signer.alg, ...(signer.kid ? { kid: signer.kid } : {}) })
    .setSubject('alice@example.com')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m');
  return edit(jwt).sign(signer.privateKey);
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

describe('authenticate() with JWTs signed for a PEM key', () => {
  let rsa: Signer;
  let otherRsa: Signer;
  let ec: Signer;
  let auth: Awaited<ReturnType<typeof createAuthenticator>>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    rsa = { privateKey: pair.privateKey, alg: 'RS256' };
    otherRsa = { privateKey: (await generateKeyPair('RS256')).privateKey, alg: 'RS256' };
    ec = { privateKey: (await generateKeyPair('ES256')).privateKey, alg: 'ES256' };
    const publicKey = await exportSPKI(pair.publicKey);
    auth = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ publicKey, defaultSources: ['public-*'] }) });
  });

  it('maps the claims to a principal: name, sources (array or space-separated), kinds', async () => {
    expect(await auth.authenticate(bearer(await token(rsa)))).toEqual({ ok: true, principal: { name: 'alice@example.com', sources: ['modelarts'] } });
    expect(
      await auth.authenticate(bearer(await token(rsa, { eventgraph_sources: 'prod-* modelarts', eventgraph_kinds: ['AUDIT', 'DEPLOYMENT'] }))),
    ).toEqual({ ok: true, principal: { name: 'alice@example.com', sources: ['prod-*', 'modelarts'], kinds: ['AUDIT', 'DEPLOYMENT'] } });
  });

  it('gives a token that names no sources the default sources', async () => {
    const outcome = await auth.authenticate(bearer(await token(rsa, { eventgraph_sources: undefined })));
    expect(outcome).toEqual({ ok: true, principal: { name: 'alice@example.com', sources: ['public-*'] } });
  });

  it('gives a token that names no sources nothing when there are no default sources', async () => {
    const pair = await generateKeyPair('RS256');
    const strict = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ publicKey: await exportSPKI(pair.publicKey) }) });
    const outcome = await strict.authenticate(bearer(await token({ privateKey: pair.privateKey, alg: 'RS256' }, { eventgraph_sources: undefined })));
    expect(outcome).toEqual({ ok: true, principal: { name: 'alice@example.com', sources: [] } });
  });

  it('refuses the wrong issuer, audience, algorithm, signer, an expired token and broken claims with 401', async () => {
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['issuer', token(rsa, {}, (jwt) => jwt.setIssuer('https://evil.example.com/')), /issuer/],
      ['audience', token(rsa, {}, (jwt) => jwt.setAudience('someone-else')), /audience/],
      ['expired', token(rsa, {}, (jwt) => jwt.setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600)), /expired/],
      ['not yet valid', token(rsa, {}, (jwt) => jwt.setNotBefore(Math.floor(Date.now() / 1000) + 3600)), /not valid yet/],
      ['algorithm', token(ec), /algorithm is not allowed/],
      ['signer', token(otherRsa), /signature/],
      ['name claim', token(rsa, {}, (jwt) => jwt.setSubject('')), /"sub" claim/],
      ['sources claim', token(rsa, { eventgraph_sources: 42 }), /"eventgraph_sources" claim must be/],
    ];
    for (const [what, pending, message] of cases) {
      const jwt = await pending;
      const outcome = await auth.authenticate(bearer(jwt));
      expect(outcome.ok, what).toBe(false);
      if (!outcome.ok) {
        expect(outcome.status, what).toBe(401);
        expect(outcome.message, what).toMatch(message);
        expect(outcome.message, what).not.toContain(jwt);
      }
    }
    expectRefused(await auth.authenticate(bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')), 401, /algorithm is not allowed|malformed/);
    expectRefused(await auth.authenticate(bearer('not.a.token')), 401, /malformed/);
  });

  it('accepts a token within the clock tolerance after it expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const outcome = await auth.authenticate(bearer(await token(rsa, {}, (jwt) => jwt.setIssuedAt(now - 600).setExpirationTime(now - 10))));
    expect(outcome.ok).toBe(true);
  });

  it('refuses at set-up a PEM key that fits none of the algorithms', async () => {
    const pair = await generateKeyPair('ES256');
    const options: AuthOptions = { mode: 'required', jwt: jwtOptions({ publicKey: await exportSPKI(pair.publicKey), algorithms: ['RS256'] }) };
    await expect(createAuthenticator(options)).rejects.toThrow(/auth\.jwt\.publicKey fits none of auth\.jwt\.algorithms/);
  });
});

/** A tiny identity provider: serves whatever JWKS the test sets, and counts the fetches. */
async function startJwks(): Promise<{ url: string; set(keys: JWK[]): void; fetches(): number; close(): Promise<void> }> {
  let keys: JWK[] = [];
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    set: (next) => (keys = next),
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function signerWithJwk(kid: string): Promise<{ signer: Signer; jwk: JWK }> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { signer: { privateKey: pair.privateKey, alg: 'RS256', kid }, jwk };
}

describe('authenticate() with JWTs and a JWKS URL', () => {
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  beforeAll(async () => {
    jwks = await startJwks();
  });
  afterAll(() => jwks.close());

  it('fetches the key set once, and again when a token names a new key id (rotation)', async () => {
    const first = await signerWithJwk('key-1');
    const second = await signerWithJwk('key-2');
    jwks.set([first.jwk]);
    const before = jwks.fetches();
    const auth = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ jwksUrl: jwks.url }) }, { jwksCooldownMs: 0 });
    expect((await auth.authenticate(bearer(await token(first.signer)))).ok).toBe(true);
    expect((await auth.authenticate(bearer(await token(first.signer)))).ok).toBe(true);
    expect(jwks.fetches() - before).toBe(1);

    // The provider rotates: key-2 appears. The first token that names it makes the server
    // fetch the set again, and is accepted.
    jwks.set([first.jwk, second.jwk]);
    expect(await auth.authenticate(bearer(await token(second.signer, { eventgraph_kinds: 'AUDIT' })))).toEqual({
      ok: true,
      principal: { name: 'alice@example.com', sources: ['modelarts'], kinds: ['AUDIT'] },
    });
    expect(jwks.fetches() - before).toBe(2);

    // key-1 is retired: its tokens are refused once the set no longer has it.
    jwks.set([second.jwk]);
    await (await createAuthenticator({ mode: 'required', jwt: jwtOptions({ jwksUrl: jwks.url }) })).authenticate(bearer(await token(second.signer)));
    const fresh = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ jwksUrl: jwks.url }) });
    expectRefused(await fresh.authenticate(bearer(await token(first.signer))), 401, /no key the server trusts/);
  });

  it('does not refetch for made-up key ids within the cooldown', async () => {
    const known = await signerWithJwk('known');
    const unknown = await signerWithJwk('made-up');
    jwks.set([known.jwk]);
    const auth = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ jwksUrl: jwks.url }) }, { jwksCooldownMs: 60_000 });
    expect((await auth.authenticate(bearer(await token(known.signer)))).ok).toBe(true);
    const before = jwks.fetches();
    for (let i = 0; i < 5; i += 1) expectRefused(await auth.authenticate(bearer(await token(unknown.signer))), 401, /no key the server trusts/);
    expect(jwks.fetches()).toBe(before);
  });

  it('answers 503, not 401, when the key set cannot be fetched', async () => {
    const provider = await startJwks();
    const url = provider.url;
    await provider.close();
    const auth = await createAuthenticator({ mode: 'required', jwt: jwtOptions({ jwksUrl: url }) }, { jwksTimeoutMs: 2_000 });
    const { signer } = await signerWithJwk('k');
    expectRefused(await auth.authenticate(bearer(await token(signer))), 503, /key set .* could not be read/);
  });
});

describe('the server with auth on', () => {
  let stack: Stack;
  let rsa: Signer;
  let jwks: Awaited<ReturnType<typeof startJwks>>;

  beforeAll(async () => {
    jwks = await startJwks();
    const { signer, jwk } = await signerWithJwk('http-key');
    rsa = signer;
    jwks.set([jwk]);
    stack = await startStack({
      server: { auth: { mode: 'required', apiKeys: await keys(), jwt: jwtOptions({ jwksUrl: jwks.url }) } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await jwks?.close();
  });

  const post = (headers: Record<string, string>) =>
    fetch(stack.server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: SOURCES_QUERY }) });

  it('answers 200 to a valid key, in either header, and to a valid token', async () => {
    for (const headers of [{ 'x-api-key': ONCALL_KEY }, bearer(ONCALL_KEY), bearer(await token(rsa))]) {
      const result = await postGraphQL<{ sources: Array<{ name: string }> }>(stack.server.url, SOURCES_QUERY, undefined, headers);
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      expect(result.data!.sources.map((source) => source.name)).toContain('modelarts');
    }
  });

  it('answers 401 UNAUTHENTICATED as a GraphQL error body, with WWW-Authenticate, to no or bad credentials', async () => {
    const wrong = generateApiKey();
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': wrong }, bearer(wrong), bearer(await token(rsa, {}, (jwt) => jwt.setAudience('other')))];
    for (const headers of attempts) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await response.text();
      expect(text).not.toContain(wrong);
      const body = JSON.parse(text) as { errors: Array<{ message: string; extensions: { code: string } }>; data?: unknown };
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      expect(body.errors[0]!.message).toMatch(/\S/);
    }
  });

  it('refuses a GraphQL GET without credentials too', async () => {
    const response = await fetch(`${stack.server.url}?query=${encodeURIComponent(SOURCES_QUERY)}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(response.status).toBe(401);
  });

  it('keeps /healthz, /readyz and the GraphiQL page open, the page with the headers editor set up', async () => {
    const base = new URL(stack.server.url);
    expect((await fetch(new URL('/healthz', base))).status).toBe(200);
    expect((await fetch(new URL('/readyz', base))).status).toBe(200);
    const page = await fetch(stack.server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const config = JSON.parse(/id="graphiql-config">(.*?)<\/script>/s.exec(html)![1]!) as { defaultHeaders?: string };
    expect(JSON.parse(config.defaultHeaders!)).toEqual({ Authorization: 'Bearer ' });
  });
});
