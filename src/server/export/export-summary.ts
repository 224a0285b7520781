import type { ExportPage, ExportStop, PageSourceReport } from '../../graphql/export/export-walk.js';

/*
 * What an export says at its end (docs/export.md): how many events of each source it wrote,
 * which sources failed, whether it is complete, and the cursor that goes on from there.
 */

export interface SourceSummary {
  name: string;
  /** Events of this source the export wrote. */
  events: number;
  /** As of the last page that read the source: OK, PARTIAL, FAILED or SKIPPED (the filter ruled it out). */
  status: PageSourceReport['status'];
  /** Why it failed, when its last status is not OK; null otherwise. */
  error: { code: string; message: string } | null;
}

export interface ExportSummary {
  /** Every event of the range is in the export: no source failed, and nothing was left for later. */
  complete: boolean;
  /** END, LIMIT (`limit` events were written), BUDGET (the next page would have spent more than the export's budget), or ERROR. */
  stopped: ExportStop | 'ERROR';
  events: number;
  /** The snapshot time: events that happened later are not in this export, nor in its resumptions. */
  asOf: string | null;
  /** Resumes with no gap and no duplicate (`after=`); null when the export is complete. */
  nextCursor: string | null;
  sources: SourceSummary[];
  /** The names of the sources whose status is FAILED or PARTIAL. */
  failed: string[];
  /** Upstream calls made, against the export's budget (`limits.maxExportCost`, or the caller's `maxCost`). */
  upstreamCalls: number;
  budget: number;
  /** A failure of eventgraph itself, when `stopped` is ERROR. */
  error?: { code: string; message: string };
}

/**
 * A source's summary with a later part's added: the events summed, the status and error the
 * later part's. A source the filter skipped in the later part (no stream left to read) keeps
 * what it was. Pages add up into a response's summary this way, and responses into a whole
 * export's (the CLI's).
 */
export function addToSource(known: SourceSummary | undefined, later: SourceSummary): SourceSummary {
  if (!known) return { ...later };
  const keep = later.status === 'SKIPPED';
  return { name: known.name, events: known.events + later.events, status: keep ? known.status : later.status, error: keep ? known.error : later.error };
}

/** The sources whose status is FAILED or PARTIAL, by name. */
export function failedSources(sources: readonly SourceSummary[]): string[] {
  return sources.filter((source) => source.status === 'FAILED' || source.status === 'PARTIAL').map((source) => source.name);
}

export class ExportTally {
  private readonly sources = new Map<string, SourceSummary>();
  private asOf: string | null = null;
  private cursor: string | null;
  private lastPageHadMore = false;

  constructor(after: string | undefined) {
    this.cursor = after ?? null;
  }

  add(page: ExportPage): void {
    this.asOf ??= page.asOf;
    this.cursor = page.endCursor ?? this.cursor;
    this.lastPageHadMore = page.hasNextPage;
    for (const report of page.sources) {
      const name = report.source.name;
      const error = report.status === 'OK' || report.status === 'SKIPPED' ? null : report.error;
      this.sources.set(name, addToSource(this.sources.get(name), { name, events: report.events, status: report.status, error }));
    }
  }

  summary(end: { stopped: ExportStop | 'ERROR'; events: number; upstreamCalls: number; budget: number; error?: ExportSummary['error'] }): ExportSummary {
    const sources = [...this.sources.values()];
    const failed = failedSources(sources);
    const complete = end.stopped === 'END' && !this.lastPageHadMore && failed.length === 0;
    return {
      complete,
      stopped: end.stopped,
      events: end.events,
      asOf: this.asOf,
      nextCursor: complete ? null : this.cursor,
      sources,
      failed,
      upstreamCalls: end.upstreamCalls,
      budget: end.budget,
      ...(end.error ? { error: end.error } : {}),
    };
  }
}
