import { readFile } from 'node:fs/promises';
import { metrics } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

/*
 * OpenTelemetry tracing (src/observability): off unless started; when started, one SERVER
 * span per GraphQL request, named after its operation, the ancestor of the request's
 * upstream calls, exported as OTLP/JSON to a receiver on loopback.
 *
 * The OpenTelemetry API's tracer provider and context manager are process-wide, and vitest
 * runs each file in a process of its own: every tracing test lives in this file, and the
 * suites run in order, the one without tracing before tracing is started.
 */

const TIMELINE = 'query Timeline { events(first: 5) { edges { node { id } } } }';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The spans from `span` up to its trace's root, following parentSpanId among `spans`. */
function ancestors(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  for (let id = span.parentSpanId; id !== undefined && chain.length <= byId.size; ) {
    const parent = byId.get(id);
    if (!parent) break;
    chain.push(parent);
    id = parent.parentSpanId;
  }
  return chain;
}

describe('tracing', () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  describe('not started', () => {
    it('exports nothing: a stack without tracing answers, and no span reaches the receiver', async () => {
      const stack = await startStack();
      try {
        const result = await stack.gql(TIMELINE);
        expect(result.errors).toBeUndefined();
        expect((result.data as { events: { edges: unknown[] } }).events.edges).toHaveLength(5);
        // No SDK: nothing to flush. Give a stray exporter (the batch processor sends every
        // 5 s by default, but flushes on its own at shutdown) a moment all the same.
        await sleep(300);
      } finally {
        await stack.close();
      }
      await sleep(100);
      expect(receiver.spans()).toEqual([]);
      expect(receiver.requests()).toEqual([]);
    });
  });

  describe('started', () => {
    let tracing: Tracing;
    let stack: Stack;

    beforeAll(async () => {
      tracing = await startTracing({ endpoint: receiver.url, serviceName: 'eventgraph-test', sampleRatio: 1 });
      stack = await startStack({ server: { tracing: true } });
    });
    afterAll(async () => {
      await stack?.close();
      await tracing?.shutdown();
    });

    it('exports one SERVER span per operation, the ancestor of its upstream calls', async () => {
      const result = await stack.gql(TIMELINE);
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      await tracing.flush();

      const spans = await receiver.waitFor((all) => all.some((span) => span.name === 'query Timeline'));
      const operations = spans.filter((span) => span.name === 'query Timeline');
      expect(operations).toHaveLength(1);
      const operation = operations[0]!;
      expect(operation).toMatchObject({
        kind: 'SERVER',
        scope: 'eventgraph',
        status: { code: 'UNSET' },
        attributes: {
          'graphql.operation.name': 'Timeline',
          'graphql.operation.type': 'query',
          'graphql.errors.count': 0,
          'http.request.method': 'POST',
          'http.response.status_code': 200,
        },
      });
      // No traceparent was sent: the request starts its trace.
      expect(operation.parentSpanId).toBeUndefined();
      expect(operation.attributes['eventgraph.error_codes']).toBeUndefined();

      const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      expect(operation.resource).toMatchObject({ 'service.name': 'eventgraph-test', 'service.version': version });

      // Every upstream call of the request is in its trace, below its span. A call made for a
      // stream's read names the stream; one made to find the streams (ModelArts' service
      // list) names none.
      const upstream = spans.filter((span) => span.name.startsWith('upstream ') && span.traceId === operation.traceId);
      expect(upstream.length).toBeGreaterThan(0);
      for (const call of upstream) {
        expect(call.attributes['eventgraph.source']).toBe('modelarts');
        expect(ancestors(call, spans).map((span) => span.spanId)).toContain(operation.spanId);
      }
      expect(upstream.filter((call) => typeof call.attributes['eventgraph.stream'] === 'string').length).toBeGreaterThan(0);
    });

    it('names an anonymous operation by its type, and records the codes of its errors', async () => {
      const anonymous = await stack.gql('{ sources { name } }');
      expect(anonymous.errors).toBeUndefined();
      // A failing source is reported by the partial-errors plugin, in willSendResponse.
      stack.emulators.modelarts.setKnobs({ forceStatus: 500 });
      try {
        const failing = await stack.gql('query Failing { events(first: 5) { edges { node { id } } } }');
        expect(failing.errors?.map((error) => error.extensions?.['code'])).toEqual(['UPSTREAM_UNAVAILABLE']);
      } finally {
        stack.emulators.modelarts.resetKnobs();
      }
      const refused = await stack.gql('query Refused { events(first: -1) { edges { node { id } } } }');
      expect(refused.errors?.map((error) => error.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
      await tracing.flush();

      const spans = await receiver.waitFor((all) => ['query', 'query Failing', 'query Refused'].every((name) => all.some((span) => span.name === name)));
      const named = (name: string) => spans.filter((span) => span.name === name);
      expect(named('query')).toHaveLength(1);
      expect(named('query')[0]!.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.errors.count': 0 });
      expect(named('query')[0]!.attributes['graphql.operation.name']).toBeUndefined();
      expect(named('query Failing')[0]!.attributes).toMatchObject({ 'graphql.errors.count': 1, 'eventgraph.error_codes': 'UPSTREAM_UNAVAILABLE' });
      expect(named('query Refused')[0]!.attributes).toMatchObject({ 'graphql.errors.count': 1, 'eventgraph.error_codes': 'BAD_USER_INPUT' });
    });

    it('starts no metric or log exporter, and sends the receiver nothing but JSON traces', async () => {
      // No metric readers: NodeSDK registers no meter provider at all.
      expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
      await tracing.flush();
      expect(receiver.requests().length).toBeGreaterThan(0);
      for (const request of receiver.requests()) {
        expect(request).toMatchObject({ method: 'POST', path: '/v1/traces', contentType: 'application/json' });
      }
    });

    it('makes no request span on a server without tracing', async () => {
      await tracing.flush();
      const before = receiver.spans().length;
      const plain = await startStack();
      try {
        // `sources` calls no upstream: the only span it could make is the request's.
        expect((await plain.gql('query Untraced { sources { name } }')).errors).toBeUndefined();
      } finally {
        await plain.close();
      }
      await tracing.flush();
      expect(receiver.spans().slice(before)).toEqual([]);
    });
  });
});
