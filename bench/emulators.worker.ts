import { parentPort, workerData } from 'node:worker_threads';
import { startEmulators } from '../src/demo/demo.emulators.js';
import { demoSources } from '../src/demo/demo.config.js';
import type { DemoSourceDocument } from '../src/vendors/vendor-module.js';
import { VENDORS } from '../src/vendors/vendors.js';

/**
 * The benchmark's vendor emulators, in a worker thread of their own: their query work and
 * signature checks run on this thread's event loop (and on another core when there is one),
 * not on the thread of the server under test, as with vendors that are remote. The main
 * thread reaches them over loopback HTTP only: the vendor APIs, and the unauthenticated
 * control routes under `/__emulator` for knobs and request logs (bench/stack.ts).
 *
 * Started by `startEmulatorsWorker` in bench/stack.ts, never imported by the main thread.
 */

export interface EmulatorsWorkerData {
  scale: number;
  seed: number;
  now: number;
}

/** Posted once, when the emulators listen: all the main thread needs from them. */
export interface EmulatorsReady {
  type: 'ready';
  /** Base URL of each vendor's emulator, by its key, no trailing slash. */
  urls: Record<string, string>;
  /** Demo mode's sources, pointed at these emulators. */
  sources: DemoSourceDocument[];
}

/** What the main thread sends: stop the emulators; the thread then ends. */
export interface EmulatorsClose {
  type: 'close';
}

const port = parentPort;
if (!port) throw new Error('bench/emulators.worker.ts runs as a worker thread (see bench/stack.ts)');

const { scale, seed, now } = workerData as EmulatorsWorkerData;
const emulators = await startEmulators({ scale, seed, now });

port.on('message', (message: EmulatorsClose) => {
  if (message.type !== 'close') return;
  // Once the emulators stop listening and the port is closed, nothing holds the thread's
  // event loop open: the thread ends, which is what the main thread waits for.
  void emulators.close().then(() => port.close());
});

port.postMessage({
  type: 'ready',
  urls: Object.fromEntries(VENDORS.map((module) => [module.emulator.starter.key, emulators[module.emulator.starter.key].url])),
  sources: demoSources(VENDORS, emulators),
} satisfies EmulatorsReady);
