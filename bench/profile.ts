import { writeFile } from 'node:fs/promises';
import { Session, type Profiler } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A CPU profile of this process (the server's thread) while `during` runs, taken with the
 * inspector in-process: `npm run bench` is `tsx bench/run.ts`, with no room for
 * `node --cpu-prof`, and this profiles only the window that matters. Self time is summed per
 * function and per area of the code (a folder of src/, an npm package, Node itself).
 */

export interface Frame {
  name: string;
  /** Where: `src/...`, `npm:<package>`, `node:...` or a V8 pseudo-frame. */
  where: string;
  share: number;
}

export interface CpuProfileSummary {
  durationMs: number;
  samples: number;
  topFrames: Frame[];
  areas: Array<{ area: string; share: number }>;
  /**
   * Self time charged to the nearest frame of our own code up the stack (src/ by folder),
   * so that a library's time (luxon, zod, undici) lands on the code that called it.
   */
  callers: Array<{ area: string; share: number }>;
  /** The raw profile, for Chrome DevTools or speedscope. */
  file: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function profileWhile(during: () => Promise<unknown>, top = 12): Promise<CpuProfileSummary> {
  const session = new Session();
  session.connect();
  let profile: Profiler.Profile;
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    try {
      await during();
    } finally {
      ({ profile } = await session.post('Profiler.stop'));
    }
  } finally {
    session.disconnect();
  }
  const file = path.join(os.tmpdir(), `eventgraph-bench-${process.pid}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));

  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
  const frames = new Map<string, Frame>();
  const areas = new Map<string, number>();
  const callers = new Map<string, number>();
  const parent = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const ownCaller = (start: Profiler.ProfileNode): string => {
    for (let node: Profiler.ProfileNode | undefined = start; node; node = parent.get(node.id)) {
      const where = locate(node.callFrame.url, node.callFrame.functionName);
      if (where.startsWith('src/')) return areaOf(where);
    }
    return '(no src/ frame on the stack)';
  };
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url } = node.callFrame;
    const where = locate(url, functionName);
    const name = functionName || '(anonymous)';
    const key = `${name}\u0000${where}`;
    const frame = frames.get(key) ?? { name, where, share: 0 };
    frame.share += hits / total;
    frames.set(key, frame);
    const area = where === 'V8' ? name : areaOf(where);
    areas.set(area, (areas.get(area) ?? 0) + hits / total);
    const caller = where === 'V8' ? name : ownCaller(node);
    callers.set(caller, (callers.get(caller) ?? 0) + hits / total);
  }
  const ranked = (map: Map<string, number>) => [...map].map(([area, share]) => ({ area, share })).sort((a, b) => b.share - a.share);
  return {
    durationMs: (profile.endTime - profile.startTime) / 1000,
    samples: profile.samples?.length ?? total,
    topFrames: [...frames.values()].sort((a, b) => b.share - a.share).slice(0, top),
    areas: ranked(areas),
    callers: ranked(callers),
    file,
  };
}

function locate(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? 'V8' : 'native';
  if (url.startsWith('node:')) return url;
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const packages = file.lastIndexOf('/node_modules/');
  if (packages !== -1) {
    const [first, second] = file.slice(packages + '/node_modules/'.length).split('/');
    return `npm:${first?.startsWith('@') ? `${first}/${second}` : first}`;
  }
  return path.relative(ROOT, file) || file;
}

/** src/ by folder (two levels for sources/ and emulators/, where the vendor matters), npm by package. */
function areaOf(where: string): string {
  if (where.startsWith('npm:') || where === 'native') return where;
  if (where.startsWith('node:')) return 'node (internals)';
  const parts = where.split('/');
  if (parts[0] === 'src') return parts.slice(0, parts[1] === 'sources' || parts[1] === 'emulators' ? 3 : 2).join('/');
  return parts[0] ?? where;
}
