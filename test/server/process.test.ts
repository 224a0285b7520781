import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { startServer } from '../../src/server/server.js';
import { ANCHOR, modelArtsSource, postGraphQL } from '../helpers/stack.js';
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
  const lines = () => logLines(stdout);
  const printedUrl = () => lines().find((line) => typeof line.url === 'string')?.url as string | undefined;
  const started = async () => {
    for (let i = 0; i < 300; i += 1) {
      const url = printedUrl();
      const emulators = lines().find((line) => Array.isArray(line.emulators))?.emulators as Array<{ name: string; url: string }> | undefined;
      const modelarts = emulators?.find((emulator) => emulator.name === 'huawei-modelarts')?.url;
      if (url && modelarts) return { url: url.replace('localhost', '127.0.0.1'), modelarts };
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`did not start: ${stdout} ${stderr}`);
  };
  /** With a configuration file: no emulators are printed, only where it listens. */
  const listening = async () => {
    for (let i = 0; i < 300; i += 1) {
      const url = printedUrl();
      if (url) return url;
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`did not start: ${stdout} ${stderr}`);
  };
  return { child, exited, output, lines, started, listening };
}

async function until<T>(find: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not found in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** stdout is JSON lines (pino), since it is not a terminal; anything else there is a bug. */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function configFile(document: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventgraph-'));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(document));
  return file;
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

  it('logs JSON lines on stdout, one per request, at the level LOG_LEVEL names', async () => {
    const app = start([], { LOG_LEVEL: 'info' });
    const { url } = await app.started();
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'process-test-1' },
      body: JSON.stringify({ query: 'query Recent { events(first: 2) { edges { node { id } } } }' }),
    });
    expect(answer.headers.get('x-request-id')).toBe('process-test-1');
    await answer.text();
    const line = await until(() => app.lines().find((entry) => entry.reqId === 'process-test-1'));
    expect(line).toMatchObject({ msg: 'request', level: 30, operation: 'Recent', outcome: 'ok', status: 200, client: 'anonymous' });
    expect(Object.values(line.upstream as Record<string, { calls: number }>).some((source) => source.calls > 0)).toBe(true);

    // At warn nothing of the above is printed: not the start-up lines, not the request line.
    const port = await freePort();
    const quiet = start([], { LOG_LEVEL: 'warn', PORT: String(port) });
    const quietUrl = `http://127.0.0.1:${port}/graphql`;
    await until(async () => (await fetch(new URL('/readyz', quietUrl)).catch(() => undefined))?.status === 200 || undefined, 15_000);
    expect((await postGraphQL(quietUrl, '{ sources { name } }')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(quiet.output().stdout).toBe('');
  }, 40_000);

  it('refuses an unknown LOG_LEVEL with exit 2, naming the variable', async () => {
    const app = start([], { LOG_LEVEL: 'chatty' });
    expect(await app.exited).toBe(2);
    expect(app.output().stderr).toMatch(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
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

describe('npm start: secure by default', () => {
  let emulators: RunningEmulators;
  beforeAll(async () => {
    emulators = await startEmulators({ now: ANCHOR });
  });
  afterAll(() => emulators.close());
  afterEach(() => emulators.modelarts.resetKnobs());

  const sources = () => [{ ...modelArtsSource(emulators), cacheTtlSeconds: 0, serviceListTtlSeconds: 0 }];

  it('demo mode listens on loopback only', async () => {
    const app = start();
    const url = new URL((await app.started()).url);
    expect(url.hostname).toBe('127.0.0.1');
    // Where the machine has another address, nothing answers there.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) {
      const refused = await fetch(`http://${external.address}:${url.port}/healthz`).then(
        () => 'answered',
        () => 'refused',
      );
      expect(refused).toBe('refused');
    }
  });

  it('refuses a non-loopback server.host without an auth section: exit 2, naming auth and server.host', async () => {
    const file = await configFile({ server: { host: '0.0.0.0' }, sources: sources() });
    const app = start(['--config', file]);
    expect(await app.exited).toBe(2);
    const { stderr, stdout } = app.output();
    expect(stderr).toContain('server.host');
    expect(stderr).toContain('`auth`');
    expect(stdout).not.toMatch(/GraphQL endpoint at/);
  });

  it('warns when auth: { mode: none } is written out, and serves', async () => {
    // On loopback: tests listen on loopback only. The warning for an exposed address is the
    // same code path (src/server/exposure.ts, checked in edge.test.ts).
    const file = await configFile({ server: { host: '127.0.0.1' }, auth: { mode: 'none' }, sources: sources() });
    const app = start(['--config', file]);
    const url = await app.listening();
    expect(app.lines()).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^auth: \{ mode: none \}: client authentication is off/) }),
    );
    const result = await postGraphQL<{ sources: Array<{ name: string }> }>(url, '{ sources { name } }');
    expect(result.status).toBe(200);
  });

  it('reads auth from the configuration file: 401 without the key, 200 with it', async () => {
    const key = generateApiKey();
    const file = await configFile({
      auth: { apiKeys: [{ name: 'ci', hash: await hashApiKey(key, { N: 2 ** 14, r: 8, p: 1 }) }] },
      sources: sources(),
    });
    const app = start(['--config', file]);
    const url = await app.listening();
    expect(app.output().stdout).toMatch(/client authentication is on/);
    expect((await postGraphQL(url, '{ sources { name } }')).status).toBe(401);
    const result = await postGraphQL<{ sources: Array<{ name: string }> }>(url, '{ sources { name } }', undefined, { 'x-api-key': key });
    expect(result.status).toBe(200);
    expect(result.data!.sources.map((source) => source.name)).toEqual(['modelarts']);
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
  });

  it('drains on SIGTERM for server.requestTimeoutMs: a slow request completes, then exit 0', async () => {
    const file = await configFile({ server: { requestTimeoutMs: 3_000 }, sources: sources() });
    const app = start(['--config', file]);
    const url = await app.listening();
    // Two upstream calls (the service list, then its events): about 1.5 s in all, within
    // the 3 s request timeout, and still running when SIGTERM comes.
    emulators.modelarts.setKnobs({ latencyMs: 750 });
    const inFlight = postGraphQL<{ events: { edges: unknown[] } }>(url, '{ events(first: 2) { edges { node { id } } } }');
    await new Promise((resolve) => setTimeout(resolve, 400));
    app.child.kill('SIGTERM');
    const result = await inFlight;
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data!.events.edges).toHaveLength(2);
    expect(await app.exited).toBe(0);
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
