/**
 * Browser code for the GraphiQL page, kept as source text and served as its own hashed
 * file so that the page's Content-Security-Policy needs no inline script at all.
 *
 * It is plain ES2017 in a string rather than a compiled module: tsx and esbuild rewrite
 * functions (e.g. `__name` helpers under keepNames), so `fn.toString()` would not survive.
 * The settings come from the page's `application/json` block, which browsers never run
 * and CSP therefore does not police.
 */
export const GRAPHIQL_BOOT_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, location.href).href });
  var logo = React.createElement(GraphiQL.Logo, null, config.title);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: config.defaultQuery }, logo)
  );
})();
`;

// GraphiQL fills its container; the container must be given the viewport's height.
export const GRAPHIQL_PAGE_STYLE = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;
