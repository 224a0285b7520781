import { createServer } from 'node:net';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { ANCHOR, modelArtsSource, startStack, type Stack } from '../helpers/stack.js';
import { appendModelArts, eventsWith, noticesOf, sleep, tailClient, TailCollector, waitUntil, type TailItemShape } from '../helpers/tail-client.js';

/*
 * A live tail over several sources, through the real server over graphql-ws, when one of
 * them fails: the subscriber is told (a TailNotice FAILED with the error's code, once per
 * stream, not at every poll), the other sources' records keep arriving, and when the
 * source answers again the subscriber is told that too (OK) and gets what was appended
 * upstream meanwhile. Three ModelArts sources on two emulator sets and a closed port:
 * "healthy" keeps answering, "faulty" is failed and healed with the emulator's knob,
 * "unreachable" never answers (its streams cannot even be listed).
 */

const INTERVAL = 300;
/** Two poll intervals with their jitter, and room for the reads of every stream of the sources. */
const WITHIN = 2 * INTERVAL * 1.1 + 500;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The default workspace's services: the streams of a ModelArts source that names none. */
function defaultServices(emulators: Pick<RunningEmulators, 'modelarts'>): string[] {
  return emulators.modelarts
    .summaries()
    .filter((service) => service.workspace_id === '0')
    .map((service) => service.service_id);
}

describe('eventTail when a source fails', () => {
  let faulty: RunningEmulators;
  let stack: Stack;
  let ws: Client;
  let tail: TailCollector;

  beforeAll(async () => {
    faulty = await startEmulators({ now: ANCHOR, seed: 2 });
    const port = await closedPort();
    stack = await startStack({
      server: { tail: { intervalMs: INTERVAL } },
      sources: (healthy) => [
        modelArtsSource(healthy, { name: 'tail-healthy' }),
        modelArtsSource(faulty, { name: 'tail-faulty' }),
        modelArtsSource(healthy, { name: 'tail-unreachable', endpoint: `http://127.0.0.1:${port}`, http: { retries: 0, timeoutMs: 1_000 } }),
      ],
    });
    ws = tailClient(stack);
    tail = new TailCollector(ws, {});
  });

  afterAll(async () => {
    tail?.dispose();
    await ws?.dispose();
    await stack?.close();
    await faulty?.close();
  });

  const failed = (source: string) => noticesOf(tail.items, source).filter((notice) => notice.status === 'FAILED');
  const recovered = (source: string) => noticesOf(tail.items, source).filter((notice) => notice.status === 'OK' && notice.dropped === 0);
  const indexOf = (item: TailItemShape | undefined) => (item ? tail.items.indexOf(item) : -1);

  it('tells of a source whose streams cannot be listed, and tails the others', async () => {
    const [notice] = await waitUntil(
      () => (failed('tail-unreachable').length > 0 ? failed('tail-unreachable') : undefined),
      WITHIN,
      () => `no FAILED notice for tail-unreachable: ${JSON.stringify(tail.items)}`,
    );
    expect(notice).toMatchObject({ status: 'FAILED', dropped: 0, error: { code: 'UPSTREAM_UNAVAILABLE', message: expect.any(String) } });
    expect(tail.errors).toEqual([]);

    // The first poll of every stream of the others, which delivers nothing that was there before.
    await sleep(2 * INTERVAL);
    // An interval ahead: both appends land before any poll reads past the stamp, even on a
    // busy machine (a poll that read past it before the record came would rightly say late).
    const at = Date.now() + INTERVAL;
    await appendModelArts(stack.emulators, defaultServices(stack.emulators)[0]!, [{ at, info: 'tail-healthy-1' }]);
    await appendModelArts(faulty, defaultServices(faulty)[0]!, [{ at, info: 'tail-faulty-1' }]);
    for (const [text, source] of [['tail-healthy-1', 'tail-healthy'], ['tail-faulty-1', 'tail-faulty']] as const) {
      const [event] = await waitUntil(() => (eventsWith(tail.items, text).length > 0 ? eventsWith(tail.items, text) : undefined), WITHIN, () => `"${text}" did not arrive`);
      expect(event).toMatchObject({ late: false, event: { source: { name: source } } });
    }
    // Nobody else is failing, and the unreachable source was told of once.
    expect(noticesOf(tail.items, 'tail-healthy')).toEqual([]);
    expect(noticesOf(tail.items, 'tail-faulty')).toEqual([]);
    expect(noticesOf(tail.items, 'tail-unreachable')).toHaveLength(1);
  });

  it('tells of a source whose reads fail (FAILED, once for all its streams), goes on with the others, and tells when it is back (OK), with what it missed', async () => {
    const faultyStreams = defaultServices(faulty).length;
    faulty.modelarts.setKnobs({ forceStatus: 500 });
    const [first] = await waitUntil(
      () => (failed('tail-faulty').length > 0 ? failed('tail-faulty') : undefined),
      WITHIN,
      () => `no FAILED notice for tail-faulty: ${JSON.stringify(noticesOf(tail.items))}`,
    );
    expect(first).toMatchObject({ status: 'FAILED', dropped: 0, error: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500 } });
    expect(first!.lagMs).toBeGreaterThanOrEqual(0);
    expect(first!.lagMs).toBeLessThan(5_000);

    // Meanwhile: a record of the healthy source arrives; one of the failing source waits upstream.
    const at = Date.now() + INTERVAL;
    await appendModelArts(stack.emulators, defaultServices(stack.emulators)[1]!, [{ at, info: 'tail-healthy-2' }]);
    await appendModelArts(faulty, defaultServices(faulty)[1]!, [{ at, info: 'tail-faulty-2' }]);
    const [healthy] = await waitUntil(() => (eventsWith(tail.items, 'tail-healthy-2').length > 0 ? eventsWith(tail.items, 'tail-healthy-2') : undefined), WITHIN, () => '"tail-healthy-2" did not arrive while the other source failed');
    expect(healthy).toMatchObject({ late: false, event: { source: { name: 'tail-healthy' } } });
    // A few more polls of every stream of the failing source: told once, not per stream nor at every poll.
    expect(faultyStreams).toBeGreaterThan(1);
    await sleep(3 * INTERVAL * 1.1);
    expect(failed('tail-faulty')).toHaveLength(1);
    expect(eventsWith(tail.items, 'tail-faulty-2')).toEqual([]);
    expect(noticesOf(tail.items, 'tail-healthy')).toEqual([]);

    // Healed: the source is told back once every stream reads again, and the record appended
    // meanwhile comes, once (its stream may read again before the others: it may come first).
    faulty.modelarts.resetKnobs();
    const failures = 1;
    await waitUntil(
      () => (recovered('tail-faulty').length >= failures ? true : undefined),
      WITHIN,
      () => `${recovered('tail-faulty').length} OK notices for tail-faulty, after ${failures} FAILED`,
    );
    const [missed] = await waitUntil(() => (eventsWith(tail.items, 'tail-faulty-2').length > 0 ? eventsWith(tail.items, 'tail-faulty-2') : undefined), WITHIN, () => '"tail-faulty-2" did not arrive after the recovery');
    expect(missed).toMatchObject({ late: false, event: { occurredAt: new Date(at).toISOString(), source: { name: 'tail-faulty' } } });
    const [back] = recovered('tail-faulty');
    expect(back).toMatchObject({ status: 'OK', dropped: 0, error: null });
    expect(back!.lagMs).toBeGreaterThan(0);
    expect(indexOf(back)).toBeGreaterThan(indexOf(failed('tail-faulty').at(-1)));
    expect(indexOf(missed)).toBeGreaterThan(indexOf(failed('tail-faulty')[0]));

    // Two more polls: nothing twice, no more notices, nothing failed but the unreachable source.
    await sleep(2 * INTERVAL * 1.1 + 100);
    for (const text of ['tail-healthy-1', 'tail-faulty-1', 'tail-healthy-2', 'tail-faulty-2']) expect(eventsWith(tail.items, text), text).toHaveLength(1);
    expect(recovered('tail-faulty')).toHaveLength(failures);
    expect(failed('tail-faulty')).toHaveLength(failures);
    expect(noticesOf(tail.items, 'tail-healthy')).toEqual([]);
    expect(tail.errors).toEqual([]);
  });
});
