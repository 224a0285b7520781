import { request, type IncomingHttpHeaders } from 'node:http';
import type { ExportSummary } from '../../src/server/export/export-summary.js';

/*
 * A client of the export routes (GET /export.ndjson, /export.csv), over node:http: fetch
 * does not give a response's trailers, where a CSV export's summary is.
 */

export interface ExportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
}

export type ExportParams = Record<string, string | number | readonly string[] | undefined>;

/** The URL of an export route of the server at `graphqlUrl`, with these query parameters. */
export function exportUrl(graphqlUrl: string, format: 'ndjson' | 'csv', params: ExportParams = {}): string {
  const url = new URL(`/export.${format}`, graphqlUrl);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(one));
  }
  return url.toString();
}

/** GETs the URL; `onChunk` sees the body as it comes, and the body is kept unless `keep` is false. */
export function getExport(
  url: string,
  headers: Record<string, string> = {},
  options: { keep?: boolean; onChunk?: (chunk: string) => void } = {},
): Promise<ExportResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      res.on('data', (chunk: string) => {
        options.onChunk?.(chunk);
        if (options.keep !== false) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An NDJSON export's events and its summary line, which must be the last line. */
export function ndjsonOf(body: string): { rows: Record<string, unknown>[]; summary: ExportSummary } {
  const lines = body.split('\n');
  if (lines.pop() !== '') throw new Error('the body does not end with a newline');
  const last = JSON.parse(lines.pop() ?? 'null') as { exportSummary?: ExportSummary } | null;
  if (!last?.exportSummary) throw new Error('the last line is no summary');
  return { rows: lines.map((line) => JSON.parse(line) as Record<string, unknown>), summary: last.exportSummary };
}

/** A CSV export's summary, from its trailer. */
export function csvSummaryOf(response: ExportResponse): ExportSummary {
  const text = response.trailers['eventgraph-summary'];
  if (!text) throw new Error(`no summary trailer: ${JSON.stringify(response.trailers)}`);
  return JSON.parse(text) as ExportSummary;
}
