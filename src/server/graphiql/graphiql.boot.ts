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
  var endpoint = new URL(config.endpoint, location.href);
  // Subscriptions (eventTail) are served over graphql-ws on the endpoint's own host, port and
  // path, so the socket's URL is the endpoint's with ws: for http: and wss: for https:. From
  // location, not from the server: behind a proxy only the browser knows for sure the scheme
  // and host it used.
  // graphiql.min.js bundles the graphql-ws client that subscriptionUrl loads, so nothing more
  // is fetched. The toolkit opens one client per subscription run and closes it when the run
  // stops, with the headers editor's JSON as connectionParams: the key a visitor pastes there
  // authenticates the socket as it does every POST.
  var subscriptionUrl = new URL(endpoint.href);
  subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl.href });
  var logo = React.createElement(GraphiQL.Logo, null, config.title);
  // The headers editor is where a visitor pastes their credentials; GraphiQL merges its
  // JSON into every request it sends, introspection included. When the endpoint needs
  // credentials the editor starts open with the header to fill in. Headers are not
  // persisted (shouldPersistHeaders false): a key must not outlive the tab in localStorage.
  var props = {
    fetcher: fetcher,
    defaultQuery: config.defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    storage: historyWithoutHeaders()
  };
  if (config.defaultHeaders) {
    props.defaultHeaders = config.defaultHeaders;
    props.defaultEditorToolsVisibility = 'headers';
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, props, logo)
  );

  // GraphiQL's history and favourites keep each run's headers in localStorage whatever
  // shouldPersistHeaders says, and here headers are credentials. This storage is
  // localStorage (GraphiQL's own keys only, as its default is) except that those entries
  // are written without their headers.
  function historyWithoutHeaders() {
    var prefix = 'graphiql:';
    var lists = { 'graphiql:queries': true, 'graphiql:favorites': true };
    function scrub(key, value) {
      if (!lists[key]) return value;
      try {
        var doc = JSON.parse(value);
        (doc.queries || []).forEach(function (entry) { delete entry.headers; });
        return JSON.stringify(doc);
      } catch (e) {
        return value;
      }
    }
    function ownKeys() {
      var keys = [];
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(prefix) === 0) keys.push(key);
      }
      return keys;
    }
    return {
      getItem: function (key) { return localStorage.getItem(key); },
      setItem: function (key, value) { localStorage.setItem(key, scrub(key, value)); },
      removeItem: function (key) { localStorage.removeItem(key); },
      clear: function () { ownKeys().forEach(function (key) { localStorage.removeItem(key); }); },
      get length() { return ownKeys().length; }
    };
  }
})();
`;

// GraphiQL fills its container; the container must be given the viewport's height.
export const GRAPHIQL_PAGE_STYLE = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;
