import type { GraphiqlPageAssets } from './graphiql.assets.js';

export interface GraphiqlPageOptions {
  readonly title: string;
  /** Where the page's fetcher sends operations (the GraphQL endpoint). */
  readonly endpoint: string;
  readonly defaultQuery: string;
  /**
   * The endpoint needs credentials: the page opens GraphiQL's headers editor with a
   * template of the header to fill in. The value is never in the page; the visitor types it.
   */
  readonly credentials?: boolean;
  /** URL prefix under which the assets' `urlPath`s are served. */
  readonly assetsBase: string;
  readonly assets: GraphiqlPageAssets;
}

/**
 * The policy is what keeps the page offline: anything GraphiQL, a plugin or a future edit
 * tries to load from another host is refused by the browser and reported in its console,
 * instead of quietly working on a developer's laptop and hanging on an air-gapped host.
 *
 * - No inline script: the bootstrap is a separate same-origin file (graphiql.boot.ts).
 * - `data:` fonts and images: graphiql.min.css embeds Roboto, Fira Code and a few PNGs as
 *   data URIs. They are part of a same-origin stylesheet and cause no network request.
 * - `'unsafe-inline'` styles: GraphiQL's dialogs (Settings, Short Keys) use
 *   react-remove-scroll, which injects a `<style>` element whose nonce the UMD bundle gives
 *   no way to set. Inline CSS still cannot reach another host: `@import` is held to
 *   style-src's 'self', `url()` to font-src and img-src.
 * - `connect-src`: operations and introspection go to this server only, and so do
 *   subscriptions, over a WebSocket on the same host, port and path (see connectSources).
 *
 * `host` is the request's Host header: the host and port the browser asked for, which is
 * what the page's WebSocket URL is derived from (graphiql.boot.ts) and what the server's
 * WebSocket origin check compares the handshake's Origin with.
 */
export function graphiqlContentSecurityPolicy(host: string | undefined): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src ${connectSources(host).join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

// A Host that is a CSP3 host-source as it stands: DNS labels or an IPv4 address, and a port.
// Nothing that could end the source list or the directive (space, `;`, `,`) gets through.
// IPv6 literals are left out: host-source has no syntax for them ('[::1]' is not a host-char).
const CSP_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?$/i;

/**
 * Why not `'self'` alone: CSP3 says 'self' also matches ws: and wss: on the page's host and
 * port, and Chromium (since 70) and Firefox do that, but WebKit did not until 2022 (bug
 * 235873): the Safari of that time refuses the socket. Why not a scheme-less `host:port`:
 * CSP3 gives it the page's scheme, and its scheme-part match lets http: reach https: but
 * not ws:, so it would not cover the socket either. Why both ws: and wss:: a TLS-terminating
 * proxy makes the page https while the server sees http, and the older browsers that need
 * the explicit source do not upgrade ws: to wss: either. Both name this one host only, so
 * they allow nothing 'self' does not already mean in a CSP3 browser. A Host that cannot be
 * written as a source leaves 'self' alone, which is enough for every current browser.
 */
function connectSources(host: string | undefined): string[] {
  if (host === undefined || !CSP_HOST.test(host)) return ["'self'"];
  const lower = host.toLowerCase();
  return ["'self'", `ws://${lower}`, `wss://${lower}`];
}

/**
 * The headers editor's first content when the endpoint needs credentials: the header to
 * send, with the place for the key. Sent as is, it is refused with a 401 that says how.
 */
export const CREDENTIALS_HEADER_TEMPLATE = `{
  "Authorization": "Bearer "
}`;

export function renderGraphiqlPage(options: GraphiqlPageOptions): string {
  const config = {
    title: options.title,
    endpoint: options.endpoint,
    defaultQuery: options.defaultQuery,
    ...(options.credentials ? { defaultHeaders: CREDENTIALS_HEADER_TEMPLATE } : {}),
  };
  const href = (urlPath: string): string => escapeHtml(`${options.assetsBase}${urlPath}`);
  const stylesheets = options.assets.stylesheets
    .map((urlPath) => `<link rel="stylesheet" href="${href(urlPath)}">`)
    .join('\n    ');
  // `defer` keeps document order (React, ReactDOM, GraphiQL, boot) without blocking parsing.
  const scripts = options.assets.scripts
    .map((urlPath) => `<script defer src="${href(urlPath)}"></script>`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>${escapeHtml(options.title)}</title>
    ${stylesheets}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <script type="application/json" id="graphiql-config">${jsonForScriptBlock(config)}</script>
    ${scripts}
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A script element's content ends at the first `</script`, whatever the JSON says; escaping
// every `<` (valid JSON either way) keeps a default query containing it inside the block.
function jsonForScriptBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
