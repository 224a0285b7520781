/**
 * The operation a new GraphiQL visitor sees in the first tab. GraphiQL keeps its tabs in
 * localStorage, so a returning visitor keeps their own editor state instead.
 */
export const DEFAULT_GRAPHIQL_QUERY = `# eventgraph: what happened, when, where, and did it work?
# One timeline over every configured source. Run it with Ctrl-Enter, and open the
# Docs panel (book icon) to explore filters and the vendor-native queries.
query RecentEvents {
  events(first: 20) {
    totalCount
    edges {
      node {
        id
        kind
        vendor
        occurredAt
        outcome
        resource
        summary
        source {
          name
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    sources {
      source {
        name
      }
      status
    }
  }
}
`;
