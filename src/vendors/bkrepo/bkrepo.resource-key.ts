/**
 * bk-repo's `resourceKey` is a pattern (docs/vendors/bkrepo.md): a prefix, `*` matches any run of
 * characters (across `/` too), and nothing anchors the end, so `/a/*.jar` also matches
 * `/a/x.jarx`. Servers build a regular expression `^` + key from it without escaping the
 * rest (OperateLogServiceImpl), so `.` there matches any character as well.
 */

/** Whether `key` is matched by `pattern`, as the upstream matches it (`.` read literally). */
export function matchesResourcePattern(pattern: string, key: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}`, 's').test(key);
}

/**
 * The pattern to send for an exact `resource` filter. A user's text is never a pattern: it
 * is cut before the first character that a server would read as a pattern rather than
 * itself (`*`, and the regular-expression characters other than `.`, which still matches
 * itself), so what is sent is a prefix of the resource, and the answer a superset of the
 * exact match, which the timeline then applies. Cut to nothing, the scope's own prefix is
 * sent instead.
 */
export function pushableResourcePrefix(resource: string, scopePrefix: string): string {
  const cut = resource.search(/[*+?^${}()|[\]\\]/);
  const prefix = cut < 0 ? resource : resource.slice(0, cut);
  return prefix === '' ? scopePrefix : prefix;
}
