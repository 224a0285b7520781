import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoSources } from '../../src/demo/demo.config.js';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { postGraphQL } from '../helpers/stack.js';

/**
 * Production as docs/operations.md describes it: `npm run build`, `npm ci --omit=dev`, then
 * `node dist/main.js --config FILE`, in a folder that has the compiled code, the manifest,
 * the lock file and the production dependencies only: no tsx, no TypeScript, no src/.
 */
const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

const BUILD_TIMEOUT_MS = 120_000;
const INSTALL_TIMEOUT_MS = 180_000;

/** The server's environment: no loader, no configuration or port from the test's own environment. */
function productionEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  for (const name of ['NODE_OPTIONS', 'EVENTGRAPH_CONFIG', 'PORT', 'TSX_TSCONFIG_PATH']) delete env[name];
  return env;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, or kills it after `timeoutMs` and says so. */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took over ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function expectSuccess(result: Finished, what: string): void {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}

/** A port nobody listens on now: the server is told to listen there in its configuration. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => join(entry.parentPath, entry.name));
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

let work: string;
let emulators: RunningEmulators | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'eventgraph-production-'));
  // `npm run build`, into the temporary folder so that the repository's dist/ is not touched.
  const build = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(work, 'dist')], root, BUILD_TIMEOUT_MS);
  expectSuccess(build, 'tsc -p tsconfig.build.json');
  await copyFile(join(root, 'package.json'), join(work, 'package.json'));
  await copyFile(join(root, 'package-lock.json'), join(work, 'package-lock.json'));
  // The cache is warm from the repository's own install; scripts are not needed at run time.
  const install = await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], work, INSTALL_TIMEOUT_MS);
  expectSuccess(install, 'npm ci --omit=dev');
}, BUILD_TIMEOUT_MS + INSTALL_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await emulators?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the compiled build with production dependencies only', () => {
  it('has no dev dependency installed, and dist/ imports runtime dependencies only', async () => {
    for (const dev of ['tsx', 'typescript', 'vitest']) expect(existsSync(join(work, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(work, 'dist', 'main.js'))).toBe(true);

    const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
    const files = await jsFiles(join(work, 'dist'));
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      const code = await readFile(file, 'utf8');
      // Static imports and exports at the start of a line, and dynamic imports: not a word
      // "from" inside a string (a description, a message).
      for (const match of code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
        const specifier = (match[1] ?? match[2] ?? match[3])!;
        if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
        if (!runtime.has(packageOf(specifier))) offenders.push(`${file.slice(work.length + 1)}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('refuses a configuration file that does not exist: exit 2, naming the file', async () => {
    const missing = join(work, 'nonexistent.yaml');
    const result = await run(process.execPath, ['dist/main.js', '--config', missing], work, 30_000, productionEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(missing);
  });

  it('runs the compiled API key tool (npm run hash-key needs tsx)', async () => {
    const result = await run(process.execPath, ['dist/cli/hash-key.main.js', '--generate', '--name', 'ci'], work, 30_000, productionEnv());
    expectSuccess(result, 'node dist/cli/hash-key.main.js');
    expect(result.stdout).toMatch(/egk_/);
    expect(result.stdout).toMatch(/scrypt\$/);
  });

  it('node dist/main.js --config FILE: ready, serves events and GraphiQL, exits 0 on SIGTERM', async () => {
    emulators = await startEmulators();
    const port = await freePort();
    const configFile = join(work, 'eventgraph.yaml');
    await writeFile(
      configFile,
      stringify({
        server: { port, host: '127.0.0.1', cursorSecret: 'compiled-start-test-cursor-secret' },
        sources: demoSources(VENDORS, emulators),
      }),
    );

    const child: ChildProcess = spawn(process.execPath, ['dist/main.js', '--config', configFile], {
      cwd: work,
      env: productionEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`exited early with ${child.exitCode}:\n${output}`);
        const ready = await fetch(`${base}/readyz`).then((response) => response.status, () => 0);
        if (ready === 200) break;
        if (Date.now() > deadline) throw new Error(`not ready after 30 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      const result = await postGraphQL<{ events: { edges: Array<{ node: { id: string; kind: string } }> } }>(
        `${base}/graphql`,
        '{ events(first: 5) { edges { node { id kind } } } }',
      );
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      expect(result.data!.events.edges).toHaveLength(5);
      for (const { node } of result.data!.events.edges) {
        expect(node.id).toEqual(expect.any(String));
        expect(['TRIGGER', 'IMAGE', 'SECRET_NOTIFICATION', 'DEPLOYMENT', 'AUDIT']).toContain(node.kind);
      }

      // GraphiQL's files are found in the production node_modules, from dist/.
      const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(5);
      for (const asset of assets) {
        const response = await fetch(new URL(asset, `${base}/graphql`));
        expect(response.status, asset).toBe(200);
        await response.arrayBuffer();
      }

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
