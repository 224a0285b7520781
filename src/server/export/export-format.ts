import { stringify } from 'csv-stringify/sync';
import type { ExportRow } from '../../graphql/export/export-shape.js';
import type { ExportSummary } from './export-summary.js';

/*
 * How rows become bytes. NDJSON: one JSON object per event, then the summary line
 * (`{"exportSummary":{…}}`). CSV: a
 * header row, one record per event, and the summary in an HTTP trailer (a CSV record cannot
 * hold it without breaking every reader's columns).
 */

/** The trailer a CSV export ends with: its summary, as JSON. */
export const SUMMARY_TRAILER = 'Eventgraph-Summary';

export interface ExportFormat {
  readonly contentType: string;
  readonly extension: 'ndjson' | 'csv';
  /** What comes before the first row. */
  head(): string;
  rows(rows: readonly ExportRow[]): string;
  /** The end of the body, and the trailers that follow it. */
  end(summary: ExportSummary): { text: string; trailers: Record<string, string> };
}

export const ndjsonFormat: ExportFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  head: () => '',
  rows: (rows) => rows.map((row) => `${JSON.stringify(row)}\n`).join(''),
  // Under a key no event has (every event has a `summary` of its own).
  end: (summary) => ({ text: `${JSON.stringify({ exportSummary: summary })}\n`, trailers: {} }),
};

/**
 * CSV through csv-stringify, with `escape_formulas`: a text cell starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'`, so that a spreadsheet shows it
 * rather than runs it (an audit log holds whatever its users typed). A nested object's
 * leaves are columns of their own (`invokePara.clusterId`); lists and JSON values are one
 * cell of JSON.
 */
export function csvFormat(columns: readonly string[], header: boolean): ExportFormat {
  const paths = columns.map((column) => column.split('.'));
  const options = { escape_formulas: true, cast: { boolean: (value: boolean) => String(value) } } as const;
  return {
    contentType: `text/csv; charset=utf-8; header=${header ? 'present' : 'absent'}`,
    extension: 'csv',
    head: () => (header ? stringify([columns], options) : ''),
    rows: (rows) => (rows.length === 0 ? '' : stringify(rows.map((row) => paths.map((path) => cell(valueAt(row, path)))), options)),
    end: (summary) => ({ text: '', trailers: { [SUMMARY_TRAILER]: asciiJson(summary) } }),
  };
}

function valueAt(row: ExportRow, path: readonly string[]): unknown {
  let value: unknown = row;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function cell(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  // DateTime fields come out of execution as Date objects, which JSON writes as ISO text.
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return value as string | number | boolean;
}

/** JSON a header can carry: every character beyond ASCII escaped, as JSON allows. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
