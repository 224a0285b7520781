import { readFile } from 'node:fs/promises';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /**
   * The OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; `/v1/traces` is appended. When
   * undefined, the exporter's own environment handling applies:
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT (with
   * `/v1/traces` appended), else http://localhost:4318/v1/traces.
   */
  endpoint?: string;
  /** `service.name` of the resource; wins over OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. */
  serviceName: string;
  /** The share of traces kept, 0..1: a ratio sampler for root spans, the parent's decision below. */
  sampleRatio: number;
}

export interface Tracing {
  /** Exports every span ended so far (the batch processor otherwise sends every few seconds). */
  flush(): Promise<void>;
  /**
   * Exports what is left, stops the exporter, and puts the OpenTelemetry API back to its
   * no-op state (tracer provider, context manager, propagator), so that startTracing may
   * be called again in the same process.
   */
  shutdown(): Promise<void>;
}

/** The traces path of OTLP/HTTP, relative to the base URL. */
const TRACES_PATH = 'v1/traces';

/** Set while a tracing is running: the OpenTelemetry API takes one tracer provider per process. */
let running = false;

/**
 * Starts OpenTelemetry tracing for the process: spans made with `@opentelemetry/api` (tracer
 * `eventgraph`, see operation-tracing.ts) are batched and exported as OTLP/JSON over HTTP.
 * Nothing else is set up: no auto-instrumentation, no metrics, no logs. Off unless called.
 *
 * NodeSDK registers the AsyncLocalStorage context manager, so a span made active with
 * `context.with` or `tracer.startActiveSpan` stays the parent across awaits, and the W3C
 * trace-context and baggage propagators (or OTEL_PROPAGATORS).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (running) throw new Error('tracing is already started in this process; shut it down first');
  const { serviceName, sampleRatio } = options;
  if (!serviceName) throw new Error('tracing: serviceName must not be empty');
  if (!Number.isFinite(sampleRatio) || sampleRatio < 0 || sampleRatio > 1) {
    throw new RangeError(`tracing: sampleRatio must be between 0 and 1, not ${sampleRatio}`);
  }
  const url = options.endpoint === undefined ? undefined : tracesUrl(options.endpoint);
  running = true;
  try {
    return await start(serviceName, sampleRatio, url);
  } catch (error) {
    running = false;
    throw error;
  }
}

async function start(serviceName: string, sampleRatio: number, url: string | undefined): Promise<Tracing> {
  const exporter = new OTLPTraceExporter(url === undefined ? {} : { url });
  // The environment-aware processor: OTEL_BSP_* apply where this passes nothing.
  const processor = new tracing.BatchSpanProcessor(exporter);

  const sdk = new NodeSDK({
    // Detected here rather than by NodeSDK, whose detected attributes would be merged over
    // ours: service.name and service.version are the code's, whatever the environment says.
    autoDetectResources: false,
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: await packageVersion() })),
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: [processor],
    // Without these NodeSDK reads OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER, and both
    // default to "otlp": it would start a periodic metric exporter and a log exporter (to
    // localhost:4318 unless told otherwise). An empty list of readers registers no meter
    // provider; an empty list of log processors registers a logger provider that has
    // nowhere to send anything.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  return {
    flush: () => processor.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        try {
          await sdk.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          running = false;
        }
      })();
      return stopped;
    },
  };
}

/** The OTLP/HTTP traces URL under a base URL, as the exporter builds it from OTEL_EXPORTER_OTLP_ENDPOINT. */
function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`tracing: the endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`tracing: the endpoint must be an http or https URL, not ${endpoint}`);
  }
  return `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}${TRACES_PATH}`;
}

/**
 * eventgraph's version from its package.json, two levels up from this module both in
 * src/observability (tsx, vitest) and in dist/observability (the build's rootDir is src).
 * Read as a file, so that no JSON import (and no import attribute) is compiled.
 */
async function packageVersion(): Promise<string> {
  const file = new URL('../../package.json', import.meta.url);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as { name?: unknown; version?: unknown };
  if (manifest.name !== 'eventgraph' || typeof manifest.version !== 'string') {
    throw new Error(`tracing: ${file.pathname} is not eventgraph's package.json`);
  }
  return manifest.version;
}
