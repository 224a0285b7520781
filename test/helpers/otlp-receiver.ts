import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A local OTLP/HTTP trace receiver for tests: POST /v1/traces with a JSON body
 * (ExportTraceServiceRequest, as @opentelemetry/exporter-trace-otlp-http sends it, with
 * `Content-Type: application/json`, gzipped when OTEL_EXPORTER_OTLP_COMPRESSION says so).
 * Anything else it is sent (protobuf, another signal's path such as /v1/metrics, a body
 * that does not parse) is answered with a 4xx and recorded as a failure, which makes
 * `spans()` and `waitFor` throw: a test must not pass because the spans went unread.
 */
export interface OtlpReceiver {
  /** The base URL to give the exporter, e.g. http://127.0.0.1:40123 (no /v1/traces). */
  readonly url: string;
  /** Every span received so far, in arrival order. Throws if the receiver refused something. */
  spans(): ReceivedSpan[];
  /** Resolves with the spans received once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Every request it was sent, refused ones too: method, path and content type. */
  requests(): ReceivedRequest[];
  close(): Promise<void>;
}

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';
export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  /** Scalar attributes; an array or map value is kept as its JSON text. */
  attributes: Record<string, AttributeValue>;
  status: { code: StatusCodeName; message?: string };
  /** The attributes of the resource that sent the span (service.name, service.version, …). */
  resource: Record<string, AttributeValue>;
  /** The instrumentation scope (the tracer's name). */
  scope: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
}

export const TRACES_PATH = '/v1/traces';

const KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const failures: string[] = [];
  const waiters = new Set<() => void>();

  const check = () => {
    if (failures.length > 0) throw new Error(`the OTLP receiver refused what it was sent:\n${failures.join('\n')}`);
  };
  const refuse = (res: ServerResponse, status: number, reason: string) => {
    failures.push(reason);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status, message: reason }));
    for (const wake of waiters) wake();
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, `receiver error: ${String(error)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const contentType = req.headers['content-type'];
    requests.push({ method: req.method ?? '', path, contentType });
    let body = await readBody(req);
    if (req.method !== 'POST' || path !== TRACES_PATH) {
      return refuse(res, 404, `${req.method} ${path}: only POST ${TRACES_PATH} is expected (another signal's exporter is running?)`);
    }
    const mediaType = contentType?.split(';', 1)[0]!.trim().toLowerCase();
    if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') {
      return refuse(res, 415, `POST ${TRACES_PATH} with ${contentType}: protobuf is not decoded here; the test expects the JSON exporter (@opentelemetry/exporter-trace-otlp-http)`);
    }
    if (mediaType !== 'application/json') {
      return refuse(res, 415, `POST ${TRACES_PATH} with content type ${String(contentType)}, not application/json`);
    }
    const encoding = req.headers['content-encoding']?.toLowerCase();
    if (encoding === 'gzip') body = gunzipSync(body);
    else if (encoding && encoding !== 'identity') return refuse(res, 415, `POST ${TRACES_PATH} with content encoding ${encoding}`);
    let request: ExportTraceServiceRequest;
    try {
      request = JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest;
    } catch (error) {
      return refuse(res, 400, `POST ${TRACES_PATH}: the body is not JSON (${String(error)})`);
    }
    received.push(...flatten(request));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    for (const wake of waiters) wake();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans() {
      check();
      return [...received];
    },
    requests: () => [...requests],
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const wake = () => {
          try {
            check();
            const spans = [...received];
            if (!predicate(spans)) return;
            done();
            resolve(spans);
          } catch (error) {
            done();
            reject(error);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no span matched within ${timeoutMs} ms; received: ${received.map((span) => span.name).join(', ') || 'none'}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        wake();
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// The parts of OTLP/JSON read here (opentelemetry-proto, trace/v1 and common/v1). Integers
// may come as numbers (the JS exporter) or strings (the JSON mapping of int64); enums as
// numbers or names.

interface ExportTraceServiceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: KeyValue[];
  status?: { code?: number | string; message?: string };
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}

function flatten(request: ExportTraceServiceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: enumName(span.kind, KINDS, 'SPAN_KIND_'),
          attributes: attributesOf(span.attributes),
          status: {
            code: enumName(span.status?.code, STATUS_CODES, 'STATUS_CODE_'),
            ...(span.status?.message ? { message: span.status.message } : {}),
          },
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

function enumName<T extends string>(value: number | string | undefined, names: readonly T[], prefix: string): T {
  if (value === undefined) return names[0]!;
  if (typeof value === 'number') {
    const name = names[value];
    if (name === undefined) throw new Error(`unknown OTLP enum value ${value} (${prefix}*)`);
    return name;
  }
  const name = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  if (!names.includes(name as T)) throw new Error(`unknown OTLP enum value ${value}`);
  return name as T;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const scalar = scalarOf(value);
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}

function scalarOf(value: AnyValue | undefined): AttributeValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return JSON.stringify((value.arrayValue.values ?? []).map(scalarOf));
  if (value.kvlistValue !== undefined) return JSON.stringify(attributesOf(value.kvlistValue.values));
  return undefined;
}
