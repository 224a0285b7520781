import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SUMMARY_TRAILER } from '../../server/export/export-format.js';
import type { ExportSummary } from '../../server/export/export-summary.js';

/*
 * One export request: a GET of /export.ndjson or /export.csv whose body is handed on as it
 * comes. node:http rather than fetch, which does not give a response's trailers (where a CSV
 * export's summary is).
 */

const SUMMARY_LINE = '{"exportSummary":';

/** The server refused the export: an HTTP error with the GraphQL error body every refusal has. */
export class ExportHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /** From `Retry-After`, on 503. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** The connection broke, or the body ended without a summary: the part is to be read again. */
export class ExportBrokenError extends Error {}

export interface ExportPart {
  /** The body, as it comes; the NDJSON summary line is taken out and handed over as the summary. */
  onText(text: string): void | Promise<void>;
}

/**
 * GETs `url` with the key, hands the body on, and resolves with the summary: the NDJSON's last
 * line, or the CSV's trailer. Rejects with ExportHttpError for a refusal, ExportBrokenError
 * for a body cut short.
 */
export function requestExportPart(url: URL, apiKey: string | undefined, part: ExportPart): Promise<ExportSummary> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // A connection per part (no keep-alive agent): one that broke is never asked again.
    const headers = { accept: '*/*', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
    const req = request(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        void refusal(res).then(reject, reject);
        return;
      }
      void readBody(res, url.pathname.endsWith('.csv'), part).then(resolve, reject);
    });
    req.on('error', (error) => reject(new ExportBrokenError(`the connection to ${url.origin} failed: ${error.message}`)));
    req.end();
  });
}

async function readBody(res: IncomingMessage, csv: boolean, part: ExportPart): Promise<ExportSummary> {
  res.setEncoding('utf8');
  let pending = '';
  let summary: ExportSummary | undefined;
  // An error while the text is handed on is the sink's (a full disk), not the connection's.
  let handing = false;
  const hand = async (text: string) => {
    handing = true;
    await part.onText(text);
    handing = false;
  };
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      if (csv) {
        await hand(chunk);
        continue;
      }
      // NDJSON is handed on in whole lines, so that the summary line can be told apart.
      pending += chunk;
      const end = pending.lastIndexOf('\n') + 1;
      if (end === 0) continue;
      const lines = pending.slice(0, end);
      pending = pending.slice(end);
      const split = splitSummary(lines);
      summary = split.summary ?? summary;
      if (split.events) await hand(split.events);
    }
  } catch (error) {
    if (handing) throw error;
    throw new ExportBrokenError(`the export was cut off: ${(error as Error).message}`);
  }
  if (csv) {
    const trailer = res.trailers[SUMMARY_TRAILER.toLowerCase()];
    summary = trailer ? (JSON.parse(trailer) as ExportSummary) : undefined;
  }
  if (!summary || !res.complete) throw new ExportBrokenError('the export was cut off before its summary');
  return summary;
}

/** Event lines start with {"id": ; the summary is the one line that starts with {"exportSummary": . */
function splitSummary(lines: string): { events: string; summary?: ExportSummary } {
  const at = lines.startsWith(SUMMARY_LINE) ? 0 : lines.indexOf(`\n${SUMMARY_LINE}`) + 1;
  if (at === 0 && !lines.startsWith(SUMMARY_LINE)) return { events: lines };
  return { events: lines.slice(0, at), summary: (JSON.parse(lines.slice(at)) as { exportSummary: ExportSummary }).exportSummary };
}

async function refusal(res: IncomingMessage): Promise<ExportHttpError> {
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) body += chunk;
  const retryAfter = Number(res.headers['retry-after']);
  const retryAfterMs = Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined;
  try {
    const error = (JSON.parse(body) as { errors?: { message: string; extensions?: { code?: string } }[] }).errors?.[0];
    if (error) return new ExportHttpError(res.statusCode!, error.extensions?.code, error.message, retryAfterMs);
  } catch {
    // Not eventgraph's JSON: a proxy's page, say.
  }
  return new ExportHttpError(res.statusCode!, undefined, `HTTP ${res.statusCode}`, retryAfterMs);
}
