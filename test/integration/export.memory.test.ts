import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/server/server.js';
import { exportUrl, getExport } from '../helpers/export-client.js';
import { histogramScope } from '../helpers/histogram-oracle.js';
import { heapAfterGc } from '../helpers/memory.js';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import { fiveSources, oracleEvents } from '../helpers/timeline-oracle.js';

/*
 * An export streams: what the server holds does not grow with the range. 100k events of the
 * five emulators (scale 8), read by a client that keeps nothing; the server's heap after GC
 * and the process's RSS are sampled every 10k events. The stack runs in this process, so the
 * figures include the emulators' data, which is all in place before the first sample.
 */

const SCALE = 8;
const SAMPLE_EVERY = 10_000;
const MiB = 2 ** 20;

describe('an export of 100k events', () => {
  let stack: Stack;
  let expected: number;

  beforeAll(async () => {
    stack = await startStack({
      emulators: { seed: 7, now: ANCHOR, scale: SCALE },
      sources: (emulators) => fiveSources(emulators, histogramScope(emulators)),
      // One request for the whole range: the default budget ends it at about 80k events here.
      server: { limits: { ...DEFAULT_LIMITS, maxExportCost: 1_000_000 } },
    });
    expected = oracleEvents(stack.emulators, histogramScope(stack.emulators)).length;
    expect(expected).toBeGreaterThanOrEqual(100_000);
  }, 120_000);
  afterAll(() => stack?.close());

  it('keeps memory flat: heap and RSS do not grow with the events sent', { timeout: 300_000 }, async () => {
    const samples: { events: number; heap: number; rss: number }[] = [];
    let events = 0;
    let bytes = 0;
    let next = SAMPLE_EVERY;
    let tail = '';
    const response = await getExport(exportUrl(stack.server.url, 'ndjson'), {}, {
      keep: false,
      onChunk: (chunk) => {
        bytes += Buffer.byteLength(chunk);
        for (let at = chunk.indexOf('\n'); at >= 0; at = chunk.indexOf('\n', at + 1)) events += 1;
        tail = (tail + chunk).slice(-4_096);
        if (events < next) return;
        next += SAMPLE_EVERY;
        samples.push({ events, heap: heapAfterGc(), rss: process.memoryUsage().rss });
      },
    });
    expect(response.status).toBe(200);
    const summary = JSON.parse(tail.slice(tail.lastIndexOf('\n', tail.length - 2) + 1)) as { exportSummary: { complete: boolean; events: number } };
    expect(summary.exportSummary, JSON.stringify(summary.exportSummary).slice(0, 400)).toMatchObject({ complete: true, events: expected });
    expect(events).toBe(expected + 1);

    // From the second sample (caches, JIT and buffers warm) to the last: ~80k events, ~75 MB sent.
    const [, first] = samples;
    const last = samples.at(-1)!;
    const heapGrowth = Math.max(...samples.slice(1).map((sample) => sample.heap)) - first!.heap;
    const rssGrowth = Math.max(...samples.slice(1).map((sample) => sample.rss)) - first!.rss;
    const sentMeanwhile = (bytes * (last.events - first!.events)) / events;
    const report = samples.map((sample) => `${sample.events}: heap ${(sample.heap / MiB).toFixed(0)} MiB, rss ${(sample.rss / MiB).toFixed(0)} MiB`).join('\n');
    expect(sentMeanwhile, report).toBeGreaterThan(60 * MiB);
    expect(heapGrowth, report).toBeLessThan(16 * MiB);
    expect(rssGrowth, report).toBeLessThan(64 * MiB);
  });
});
