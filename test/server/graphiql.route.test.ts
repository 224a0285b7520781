import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { graphiqlContentSecurityPolicy } from '../../src/server/graphiql/graphiql.page.js';
import {
  DEFAULT_GRAPHIQL_QUERY,
  graphiqlRouter,
  type GraphiqlRouterOptions,
} from '../../src/server/graphiql/graphiql.route.js';

// What Chromium sends when a person opens the URL.
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const IMMUTABLE = 'public, max-age=31536000, immutable';

type Mounting = 'on the endpoint path' | 'at the app root';

async function startServer(mounting: Mounting, options: GraphiqlRouterOptions) {
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  const app = express();
  const router = graphiqlRouter(options);
  if (mounting === 'at the app root') {
    app.use(router);
    app.use(options.endpoint, express.json(), expressMiddleware(apollo));
  } else {
    app.use(options.endpoint, router, express.json(), expressMiddleware(apollo));
  }
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    async close() {
      await apollo.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The page's policy for a request with this Host header (fetch would not send it as given). */
function policyFor(origin: string, host: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${origin}/graphql`, { headers: { host, accept: BROWSER_ACCEPT }, setHost: false }, (response) => {
      response.resume();
      const policy = response.headers['content-security-policy'];
      resolve(typeof policy === 'string' ? policy : null);
    });
    request.on('error', reject);
  });
}

function directive(policy: string | null, name: string): string | undefined {
  return policy?.split('; ').find((each) => each.startsWith(`${name} `));
}

function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

function pageConfig(html: string): { endpoint: string; defaultQuery: string; title: string } {
  const block = /<script type="application\/json" id="graphiql-config">(.*?)<\/script>/s;
  const json = block.exec(html)?.[1];
  if (json === undefined) throw new Error('no config block in the page');
  return JSON.parse(json) as { endpoint: string; defaultQuery: string; title: string };
}

const MOUNTINGS: Mounting[] = ['on the endpoint path', 'at the app root'];

describe.each(MOUNTINGS)('graphiqlRouter mounted %s', (mounting) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer(mounting, { endpoint: '/graphql' });
  });
  afterAll(() => server.close());

  const get = (path: string, accept = BROWSER_ACCEPT) =>
    fetch(`${server.origin}${path}`, { headers: { accept } });

  it('serves the page to a browser, with a self-only policy and no caching', async () => {
    const response = await get('/graphql');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('vary')).toMatch(/Accept/);
    const html = await response.text();
    expect(html).toContain('<title>eventgraph</title>');
    expect(pageConfig(html)).toEqual({
      title: 'eventgraph',
      endpoint: '/graphql',
      defaultQuery: DEFAULT_GRAPHIQL_QUERY,
    });
  });

  it("lets the page open a WebSocket to the Host it was asked for, and to no other", async () => {
    const { host } = new URL(server.origin);
    const policy = (await get('/graphql')).headers.get('content-security-policy');
    expect(directive(policy, 'connect-src')).toBe(`connect-src 'self' ws://${host} wss://${host}`);
    // By another name of the same listener, the policy follows the name the browser used.
    expect(directive(await policyFor(server.origin, 'LocalHost:4000'), 'connect-src')).toBe(
      "connect-src 'self' ws://localhost:4000 wss://localhost:4000",
    );
  });

  it('names no other host, and serves each file it names, cached as immutable', async () => {
    const html = await (await get('/graphql')).text();
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    const urls = assetUrls(html);
    // React, ReactDOM, GraphiQL, the bootstrap; GraphiQL's stylesheet and the page's.
    expect(urls).toHaveLength(6);
    for (const url of urls) {
      expect(url).toMatch(/^\/[^/]/);
      const response = await get(url, '*/*');
      expect(response.status, url).toBe(200);
      expect(response.headers.get('cache-control'), url).toBe(IMMUTABLE);
      expect(response.headers.get('content-type'), url).toMatch(
        url.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/,
      );
      expect((await response.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
    expect(urls.some((url) => url.includes('react.production.min.js'))).toBe(true);
    expect(urls.some((url) => url.includes('react-dom.production.min.js'))).toBe(true);
  });

  it('serves the source map the GraphiQL bundle points to', async () => {
    const html = await (await get('/graphql')).text();
    const bundle = assetUrls(html).find((url) => url.endsWith('/graphiql.min.js'))!;
    const response = await get(`${bundle}.map`, '*/*');
    expect(response.status).toBe(200);
  });

  it('answers 404 for a file it does not serve', async () => {
    const html = await (await get('/graphql')).text();
    const base = assetUrls(html)[0]!.replace(/\/graphiql\/assets\/.*/, '/graphiql/assets');
    expect((await get(`${base}/react@0.0.0/react.production.min.js`, '*/*')).status).toBe(404);
  });

  it('leaves a GraphQL GET with a query parameter to Apollo, even from a browser', async () => {
    // The preflight header gets past Apollo's CSRF guard, which refuses a bare GET.
    const response = await fetch(`${server.origin}/graphql?query=%7Bhello%7D`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it('leaves POSTs to Apollo', async () => {
    const response = await fetch(`${server.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: BROWSER_ACCEPT },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it.each(['application/json', '*/*', 'application/json, text/html;q=0.5'])(
    'leaves a GET that does not prefer HTML (Accept: %s) to Apollo',
    async (accept) => {
      const response = await get('/graphql', accept);
      expect(response.headers.get('content-type')).not.toMatch(/html/);
      expect(response.headers.get('content-security-policy')).toBeNull();
    },
  );
});

describe('graphiqlRouter options', () => {
  it('puts a custom default query in the page, unable to close the script block', async () => {
    const defaultQuery = '{ hello } # </script><script>alert(1)</script>';
    const options = { endpoint: '/graphql', defaultQuery };
    const server = await startServer('on the endpoint path', options);
    try {
      const response = await fetch(`${server.origin}/graphql`, {
        headers: { accept: BROWSER_ACCEPT },
      });
      const html = await response.text();
      expect(html).not.toContain('<script>alert(1)');
      expect(pageConfig(html).defaultQuery).toBe(defaultQuery);
    } finally {
      await server.close();
    }
  });

  it('with credentials, opens the headers editor with the header to fill in, and no value', async () => {
    const server = await startServer('on the endpoint path', { endpoint: '/graphql', credentials: true });
    try {
      const html = await (await fetch(`${server.origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).text();
      const config = pageConfig(html) as { defaultHeaders?: string };
      expect(JSON.parse(config.defaultHeaders!)).toEqual({ Authorization: 'Bearer ' });
    } finally {
      await server.close();
    }
  });

  it('refuses a relative endpoint', () => {
    expect(() => graphiqlRouter({ endpoint: 'graphql' })).toThrow(/absolute path/);
  });
});

describe('graphiqlContentSecurityPolicy', () => {
  const connectSrc = (host: string | undefined) => directive(graphiqlContentSecurityPolicy(host), 'connect-src');

  it.each([
    ['127.0.0.1:4000', "connect-src 'self' ws://127.0.0.1:4000 wss://127.0.0.1:4000"],
    ['EventGraph.Example.com', "connect-src 'self' ws://eventgraph.example.com wss://eventgraph.example.com"],
  ])('names the ws: and wss: origins of Host %s', (host, expected) => {
    expect(connectSrc(host)).toBe(expected);
  });

  // The Host header is the client's to write: what is not a plain host-source must not reach
  // the policy, where a space adds a source, `;` a directive and `,` a policy.
  it.each([
    ['no Host', undefined],
    ['an empty Host', ''],
    ['a source list', 'a.example *'],
    ['a directive', "a.example; script-src 'unsafe-inline'"],
    ['a second policy', 'a.example, script-src *'],
    ['a wildcard', '*'],
    ['a scheme', 'ws://a.example'],
    ['an IPv6 literal (no CSP syntax for it)', '[::1]:4000'],
    ['userinfo', 'user@a.example'],
    ['a path', 'a.example/x'],
  ])("keeps to 'self' for %s", (_what, host) => {
    const policy = graphiqlContentSecurityPolicy(host);
    expect(directive(policy, 'connect-src')).toBe("connect-src 'self'");
    expect(policy.split('; ').map((each) => each.split(' ')[0])).toEqual([
      'default-src', 'script-src', 'style-src', 'font-src', 'img-src', 'connect-src',
      'object-src', 'base-uri', 'form-action', 'frame-ancestors',
    ]);
  });
});
