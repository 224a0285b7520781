import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Data flows one way (docs/architecture.md): each folder of src/ may import only the layers
 * below it. This reads every import of src/ and names any that runs upward, so that a
 * shortcut fails here rather than in review.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** What each top-level folder may import, besides itself and npm packages. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  model: [],
  upstream: [],
  config: ['upstream'],
  timeline: ['model', 'upstream'],
  emulators: [],
  vendors: ['model', 'timeline', 'upstream', 'config', 'emulators', 'graphql'],
  graphql: ['model', 'timeline', 'upstream', 'vendors'],
  observability: ['config', 'upstream'],
  server: ['graphql', 'timeline', 'upstream', 'vendors', 'model', 'config', 'observability'],
  demo: ['config', 'emulators', 'vendors'],
  cli: ['server'],
  'main.ts': ['config', 'demo', 'server', 'vendors', 'observability'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

function upwardImports(): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const layer = layerOf(file);
    const allowed = MAY_IMPORT[layer];
    if (!allowed) {
      problems.push(`${relative(SRC, file)}: the folder ${layer} has no place in the layers`);
      continue;
    }
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
      const target = layerOf(resolve(dirname(file), specifier!));
      if (target !== layer && !allowed.includes(target)) problems.push(`${relative(SRC, file)} imports ${target}: ${specifier}`);
    }
  }
  return problems;
}

describe('layers', () => {
  it('no import runs upward', () => {
    expect(upwardImports()).toEqual([]);
  });

  it('within vendors/, a vendor imports no other vendor: only huawei/ and common/, which they share', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(join(SRC, 'vendors'))) {
      const own = relative(join(SRC, 'vendors'), file).split('/');
      if (own.length < 2) continue;
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(join(SRC, 'vendors'), resolve(dirname(file), specifier!)).split('/');
        if (target.length < 2 || target[0] === '..' || target[0] === own[0]) continue;
        if (!['huawei', 'common'].includes(target[0]!)) problems.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
