/**
 * Event ids are opaque to clients but carry what `event(id:)` needs to find the event
 * again: the source name and the source's own natural key. Base64url of a JSON array, so
 * ids stay stable across requests and restarts.
 */
export function encodeEventId(sourceName: string, naturalId: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([sourceName, ...naturalId])).toString('base64url');
}

/** Null when the text is not an id this API could have issued. */
export function decodeEventId(id: string): { sourceName: string; naturalId: unknown[] } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (!Array.isArray(parts) || typeof parts[0] !== 'string') return null;
    const [sourceName, ...naturalId] = parts as [string, ...unknown[]];
    return { sourceName, naturalId };
  } catch {
    return null;
  }
}
