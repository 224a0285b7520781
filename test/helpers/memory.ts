import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The test process's heap after a full garbage collection (a stack's server and emulators run in it). */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
