/**
 * Counts the API requests an emulator received, so integration tests can assert how many
 * upstream calls the server really made (caching, batching, no re-reads from offset 0).
 */
export interface RequestLogEntry {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  /** Raw query string as sent, without `?`. */
  query: string;
  /** Status answered; null while the request is in flight (or hung). */
  status: number | null;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface RequestCounts {
  total: number;
  /** Requests per path, e.g. `{"/v1/p/services": 1, "/v1/p/services/s/events": 3}`. */
  byPath: Record<string, number>;
  /** The most recent requests, oldest first (at most RequestLog.MAX_ENTRIES). */
  recent: RequestLogEntry[];
}

export class RequestLog {
  static readonly MAX_ENTRIES = 1000;
  private total = 0;
  private byPath = new Map<string, number>();
  private entries: RequestLogEntry[] = [];

  record(entry: Omit<RequestLogEntry, 'status'>): RequestLogEntry {
    const full: RequestLogEntry = { ...entry, status: null };
    this.total += 1;
    this.byPath.set(entry.path, (this.byPath.get(entry.path) ?? 0) + 1);
    this.entries.push(full);
    if (this.entries.length > RequestLog.MAX_ENTRIES) this.entries.shift();
    return full;
  }

  counts(): RequestCounts {
    return {
      total: this.total,
      byPath: Object.fromEntries(this.byPath),
      recent: this.entries.map((entry) => ({ ...entry })),
    };
  }

  /** Requests whose path matches, e.g. `countFor(/\/events$/)`. */
  countFor(path: string | RegExp): number {
    let n = 0;
    for (const [p, count] of this.byPath) {
      if (typeof path === 'string' ? p === path : path.test(p)) n += count;
    }
    return n;
  }

  reset(): void {
    this.total = 0;
    this.byPath = new Map();
    this.entries = [];
  }
}
