import { FieldResolver, Resolver, Root } from 'type-graphql';
import type { EventSource } from '../../timeline/event-source.js';
import { SourceType } from '../types/source.type.js';

/** Fields of `Source` that are not the configured value as is. */
@Resolver(() => SourceType)
export class SourceFieldsResolver {
  /** The configured endpoint, without the credentials a URL may embed (`https://user:pass@host`). */
  @FieldResolver(() => String)
  endpoint(@Root() source: EventSource): string {
    return withoutUserinfo(source.endpoint);
  }
}

/**
 * A URL with its userinfo (`user:password@`) taken out, and otherwise as written: a URL
 * without userinfo comes back unchanged, character for character. The URL is read as a
 * browser reads it (WHATWG), so that what is removed is exactly what would be sent as
 * credentials; a text that is no URL is answered without anything before an `@`.
 */
export function withoutUserinfo(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  }
  if (url.username === '' && url.password === '') return endpoint;
  url.username = '';
  url.password = '';
  // URL.href writes a bare host with a trailing slash; keep the endpoint as it was configured.
  const href = url.href;
  const slashAdded = href.endsWith('/') && !endpoint.endsWith('/') && url.pathname === '/' && url.search === '' && url.hash === '';
  return slashAdded ? href.slice(0, -1) : href;
}
