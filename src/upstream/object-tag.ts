const tags = new WeakMap<object, number>();
let lastTag = 0;

/**
 * A small number per object, for cache keys that must tell objects apart (a zod schema, a
 * configured source) without holding on to them.
 */
export function objectTag(object: object): number {
  let tag = tags.get(object);
  if (tag === undefined) {
    lastTag += 1;
    tag = lastTag;
    tags.set(object, tag);
  }
  return tag;
}
