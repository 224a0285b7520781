import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { GRAPHIQL_BOOT_SCRIPT, GRAPHIQL_PAGE_STYLE } from './graphiql.boot.js';

const require = createRequire(import.meta.url);

/** A file the GraphiQL page loads, addressed relative to the assets mount point. */
export type GraphiqlAsset =
  | { readonly urlPath: string; readonly kind: 'file'; readonly filePath: string }
  | {
      readonly urlPath: string;
      readonly kind: 'inline';
      readonly contentType: string;
      readonly body: string;
    };

/** The URLs (relative to the assets mount point) the page references, in load order. */
export interface GraphiqlPageAssets {
  readonly stylesheets: readonly string[];
  readonly scripts: readonly string[];
}

export interface GraphiqlAssetTable {
  readonly byUrlPath: ReadonlyMap<string, GraphiqlAsset>;
  readonly page: GraphiqlPageAssets;
}

interface PackageFile {
  readonly pkg: string;
  readonly file: string;
}

// React and ReactDOM must be the production UMD builds: the development builds are several
// times larger and slower, and print warnings into the visitor's console. graphiql.min.js
// expects `window.React` and `window.ReactDOM` and defines `window.GraphiQL`.
const REACT: PackageFile = { pkg: 'react', file: 'umd/react.production.min.js' };
const REACT_DOM: PackageFile = { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' };
const GRAPHIQL_JS: PackageFile = { pkg: 'graphiql', file: 'graphiql.min.js' };
const GRAPHIQL_CSS: PackageFile = { pkg: 'graphiql', file: 'graphiql.min.css' };
// Only fetched by an open devtools, through the bundles' relative sourceMappingURL; served so
// that devtools work offline too instead of logging a 404.
const SOURCE_MAPS: readonly PackageFile[] = [
  { pkg: 'graphiql', file: 'graphiql.min.js.map' },
  { pkg: 'graphiql', file: 'graphiql.min.css.map' },
];

function packageRoot(pkg: string): { dir: string; version: string } {
  // Resolve package.json rather than the asset itself: react and react-dom have an
  // `exports` map that does not list `umd/*`, so `require.resolve('react/umd/...')` throws.
  const manifest = require.resolve(`${pkg}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${manifest} has no version`);
  return { dir: path.dirname(manifest), version };
}

// The version is in the URL so the files can be cached as immutable: an upgrade changes
// the URL instead of leaving browsers with a stale React next to a new GraphiQL.
function packageAsset({ pkg, file }: PackageFile): GraphiqlAsset {
  const { dir, version } = packageRoot(pkg);
  const filePath = path.join(dir, file);
  // Fail when the router is built, not when the first visitor gets a blank page.
  if (!existsSync(filePath)) {
    throw new Error(`GraphiQL asset ${pkg}/${file} is missing (looked for ${filePath})`);
  }
  return { urlPath: `/${pkg}@${version}/${path.posix.basename(file)}`, kind: 'file', filePath };
}

function inlineAsset(name: string, ext: string, contentType: string, body: string): GraphiqlAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { urlPath: `/${name}.${hash}.${ext}`, kind: 'inline', contentType, body };
}

/** Resolves every file once; throws if a package in node_modules lacks an expected build. */
export function resolveGraphiqlAssets(): GraphiqlAssetTable {
  const react = packageAsset(REACT);
  const reactDom = packageAsset(REACT_DOM);
  const graphiqlJs = packageAsset(GRAPHIQL_JS);
  const graphiqlCss = packageAsset(GRAPHIQL_CSS);
  const boot = inlineAsset('eventgraph-graphiql', 'js', 'text/javascript', GRAPHIQL_BOOT_SCRIPT);
  const style = inlineAsset('eventgraph-graphiql', 'css', 'text/css', GRAPHIQL_PAGE_STYLE);
  const maps = SOURCE_MAPS.map(packageAsset);
  const all = [react, reactDom, graphiqlJs, graphiqlCss, boot, style, ...maps];
  return {
    byUrlPath: new Map(all.map((asset) => [asset.urlPath, asset])),
    page: {
      stylesheets: [graphiqlCss.urlPath, style.urlPath],
      scripts: [react.urlPath, reactDom.urlPath, graphiqlJs.urlPath, boot.urlPath],
    },
  };
}
