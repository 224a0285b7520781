import express, { type NextFunction, type Request, type Response } from 'express';

import { resolveGraphiqlAssets, type GraphiqlAsset } from './graphiql.assets.js';
import { DEFAULT_GRAPHIQL_QUERY } from './graphiql.default-query.js';
import { graphiqlContentSecurityPolicy, renderGraphiqlPage } from './graphiql.page.js';

export { DEFAULT_GRAPHIQL_QUERY };

export interface GraphiqlRouterOptions {
  /**
   * Absolute path of the GraphQL endpoint, e.g. '/graphql'; GraphiQL is served on it. The page
   * runs subscriptions over graphql-ws on the same path (ws: or wss: of the page's own host),
   * so that is where the WebSocket server must listen; queries never open a socket.
   */
  readonly endpoint: string;
  /** The first tab's operation for a new visitor; defaults to DEFAULT_GRAPHIQL_QUERY. */
  readonly defaultQuery?: string;
  /**
   * The endpoint needs credentials (auth is on): the page opens GraphiQL's headers editor
   * with an `Authorization` header to complete. The page itself stays open to everyone.
   */
  readonly credentials?: boolean;
}

/** Where the router serves the page's files, relative to where the router is mounted. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets';

const PAGE_TITLE = 'eventgraph';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const IMMUTABLE = `public, max-age=${ONE_YEAR_SECONDS}, immutable`;

// The media types Apollo Server weighs against text/html when it decides whether a GET
// wants its landing page. Negotiating over the same list means this router and Apollo
// never disagree about which requests are a browser tab.
const NEGOTIATED_TYPES = [
  'application/json',
  'application/graphql-response+json',
  'multipart/mixed',
  'text/html',
];

/**
 * Serves GraphiQL, and every file it loads, from this server. Mount it before Apollo's
 * middleware, either at the app root or on the endpoint path:
 *
 *     app.use('/graphql', graphiqlRouter({ endpoint: '/graphql' }),
 *       express.json(), expressMiddleware(server));
 *
 * A browser's GET on the endpoint gets the page; every other request, including a GraphQL
 * GET with a `query` parameter, falls through to the next handler. Apollo's own landing
 * page loads from a CDN and should be disabled (ApolloServerPluginLandingPageDisabled).
 *
 * Throws at construction if node_modules lacks one of the React or GraphiQL builds.
 */
export function graphiqlRouter(options: GraphiqlRouterOptions): express.Router {
  if (!options.endpoint.startsWith('/')) {
    throw new Error(`graphiqlRouter: endpoint must be an absolute path, got '${options.endpoint}'`);
  }
  const endpoint = withoutTrailingSlash(options.endpoint);
  const defaultQuery = options.defaultQuery ?? DEFAULT_GRAPHIQL_QUERY;
  const assets = resolveGraphiqlAssets();
  const router = express.Router();

  router.use(GRAPHIQL_ASSETS_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = assets.byUrlPath.get(req.path);
    if (asset === undefined) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    sendAsset(asset, res, next);
  });

  router.use((req, res, next) => {
    if (!isBrowserVisit(req, endpoint)) return next();
    res.set({
      // Per request: connect-src names the Host the browser used, for the page's WebSocket.
      'Content-Security-Policy': graphiqlContentSecurityPolicy(req.headers.host),
      // The page names versioned asset URLs, so it must be revalidated after an upgrade.
      'Cache-Control': 'no-cache',
      // The same URL answers JSON to GraphQL clients. (The policy names the Host, which a
      // cache already keys on as part of the URL: no Vary: Host.)
      Vary: 'Accept',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.type('html').send(
      renderGraphiqlPage({
        title: PAGE_TITLE,
        endpoint: options.endpoint,
        defaultQuery,
        credentials: options.credentials ?? false,
        // Relative to the mount point, so both mountings in the doc comment work.
        assetsBase: `${req.baseUrl}${GRAPHIQL_ASSETS_PATH}`,
        assets: assets.page,
      }),
    );
  });

  return router;
}

function isBrowserVisit(req: Request, endpoint: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (withoutTrailingSlash(`${req.baseUrl}${req.path}`) !== endpoint) return false;
  if (req.query['query'] !== undefined) return false;
  return req.accepts(NEGOTIATED_TYPES) === 'text/html';
}

function sendAsset(asset: GraphiqlAsset, res: Response, next: NextFunction): void {
  res.set('X-Content-Type-Options', 'nosniff');
  if (asset.kind === 'inline') {
    res.set('Cache-Control', IMMUTABLE).type(asset.contentType).send(asset.body);
    return;
  }
  res.sendFile(
    asset.filePath,
    {
      maxAge: ONE_YEAR_SECONDS * 1000,
      immutable: true,
      // `send` refuses any path with a dot-directory in it, and the checkout itself may
      // live under one (~/.cache, a CI workspace). These paths come from require.resolve.
      dotfiles: 'allow',
    },
    (err?: Error) => {
      // After the headers went out the client has gone away; there is nobody to tell.
      if (err && !res.headersSent) next(err);
    },
  );
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}
