import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/server.js';
import { postGraphQL } from '../helpers/stack.js';
import { builtInVendors } from '../../src/vendors/vendors.js';

/** `npm start` as a user runs it: a real process, real signals, real exit codes. */
const root = new URL('../..', import.meta.url).pathname;
const children: ChildProcessWithoutNullStreams[] = [];

function start(args: string[] = [], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, PORT: '0', EVENTGRAPH_CONFIG: '', ...env },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = () => ({ stdout, stderr });
  const started = async () => {
    for (let i = 0; i < 300; i += 1) {
      const url = /GraphQL endpoint at (\S+)/.exec(stdout)?.[1];
      const modelarts = /huawei-modelarts\s+(\S+)/.exec(stdout)?.[1];
      if (url && modelarts) return { url: url.replace('localhost', '127.0.0.1'), modelarts };
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`did not start: ${stdout} ${stderr}`);
  };
  return { child, exited, output, started };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('npm start', () => {
  it('serves demo mode: health, readiness, GraphiQL, and data from the emulators', async () => {
    const app = start();
    const { url } = await app.started();
    expect(app.output().stdout).toMatch(/demo mode/);
    const base = new URL(url);
    expect((await fetch(new URL('/healthz', base))).status).toBe(200);
    expect((await fetch(new URL('/readyz', base))).status).toBe(200);
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/graphiql/i);
    const result = await postGraphQL<{ events: { edges: unknown[] } }>(url, '{ events(first: 3) { edges { node { id } } } }');
    expect(result.data!.events.edges).toHaveLength(3);
  });

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const app = start();
    const { url, modelarts } = await app.started();
    const knobs = await fetch(`${modelarts}/__emulator/knobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 1500 }),
    });
    expect(knobs.status).toBe(200);
    const inFlight = postGraphQL<{ events: { edges: unknown[] } }>(url, '{ events(first: 2) { edges { node { id } } } }');
    await new Promise((resolve) => setTimeout(resolve, 400));
    app.child.kill('SIGTERM');
    const result = await inFlight;
    expect(result.status).toBe(200);
    expect(result.data!.events.edges).toHaveLength(2);
    expect(await app.exited).toBe(0);
    expect(app.output().stdout).toMatch(/SIGTERM/);
  });

  it('refuses a bad configuration file with the file, the key path and the reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eventgraph-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'sources:\n  - name: x\n    kind: huawei-modelarts\n    endpoint: ftp://nowhere\n');
    const app = start(['--config', file]);
    expect(await app.exited).toBe(2);
    const { stderr } = app.output();
    expect(stderr).toContain(file);
    expect(stderr).toContain('sources[0].endpoint');
    expect(stderr).toMatch(/http\(s\) URL/);
    expect(stderr).toContain('sources[0].credentials');
  });

  it('refuses a missing variable and a bad PORT with a non-zero exit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eventgraph-'));
    const file = join(dir, 'env.json');
    await writeFile(
      file,
      JSON.stringify({
        sources: [
          {
            name: 'x',
            kind: 'huawei-modelarts',
            endpoint: 'http://127.0.0.1:9',
            credentials: { type: 'aksk', accessKey: '${EG_TEST_UNSET_AK}', secretKey: 'sk' },
            scope: { projectId: 'p' },
          },
        ],
      }),
    );
    const missing = start([], { EVENTGRAPH_CONFIG: file });
    expect(await missing.exited).toBe(2);
    expect(missing.output().stderr).toContain('EG_TEST_UNSET_AK');
    const badPort = start([], { PORT: 'eighty' });
    expect(await badPort.exited).toBe(2);
    expect(badPort.output().stderr).toMatch(/PORT/);
    const badArg = start(['--frobnicate']);
    expect(await badArg.exited).toBe(2);
  });
});

describe('readiness', () => {
  it('says 503 until the sources are set up, and 200 after', async () => {
    const server = await startServer({ vendors: builtInVendors(), port: 0, host: '127.0.0.1' });
    try {
      const base = new URL(server.url);
      expect((await fetch(new URL('/healthz', base))).status).toBe(200);
      expect((await fetch(new URL('/readyz', base))).status).toBe(503);
      const early = await postGraphQL(server.url, '{ sources { name } }');
      expect(early.status).toBe(503);
      server.setSources([]);
      expect((await fetch(new URL('/readyz', base))).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
