import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig, resolveConfigPath } from '../../src/config/config.loader.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { CONFIG_SCHEMA } from '../helpers/config-schema.js';

/** Every source kind, in the order the schema lists them: each vendor adds its own. */
const KINDS = VENDORS.map((module) => module.configKind).join(', ');

const examplePath = join(dirname(fileURLToPath(import.meta.url)), '../../src/config/eventgraph.example.yaml');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventgraph-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, 'utf8');
  return path;
}

async function loadError(path: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const error: unknown = await loadConfigFile(path, CONFIG_SCHEMA, env).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

function parseError(doc: unknown, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** A minimal valid source; tests override what they are about. */
function source(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ma',
    kind: 'huawei-modelarts',
    endpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com',
    credentials: { type: 'aksk', accessKey: 'AK', secretKey: 'SK' },
    scope: { projectId: 'p1' },
    ...overrides,
  };
}

const validYaml = `
sources:
  - name: ma
    kind: huawei-modelarts
    endpoint: https://modelarts.cn-north-4.myhuaweicloud.com
    credentials:
      type: aksk
      accessKey: AK
      secretKey: SK
    scope:
      projectId: p1
`;

describe('loadConfigFile', () => {
  it('loads YAML and applies defaults', async () => {
    const config = await loadConfigFile(await writeConfig('valid.yaml', validYaml), CONFIG_SCHEMA, {});
    expect(config.server).toEqual({
      port: 4000,
      snapshotStepSeconds: 5,
      adaptiveReads: true,
      requestTimeoutMs: 15_000,
      maxConcurrentRequests: 64,
      queueTimeoutMs: 2_000,
      maxConcurrentExports: 4,
      corsOrigins: [],
      logLevel: 'info',
      federation: false,
      tail: { intervalMs: 10_000, lookbackMs: 60_000, maxBuffered: 1_000, maxConnections: 1_000 },
    });
    expect(config.metrics).toEqual({ enabled: true });
    expect(config.tracing).toEqual({ enabled: false, serviceName: 'eventgraph', sampleRatio: 1 });
    expect(config.sources).toHaveLength(1);
    expect(config.sources[0]).toMatchObject({
      name: 'ma',
      credentials: { type: 'aksk', accessKey: 'AK', secretKey: 'SK' },
      http: {
        timeoutMs: 10_000,
        retries: 2,
        retryBaseDelayMs: 200,
        retryMaxDelayMs: 10_000,
        concurrency: 64,
        rateLimit: { perSecond: 10, burst: 10, maxWaitMs: 5_000 },
        circuitBreaker: { failures: 5, halfOpenAfterMs: 10_000 },
      },
      serviceListTtlSeconds: 60,
    });
  });

  it('loads JSON, keeping numbers as numbers', async () => {
    const doc = { server: { port: 8080 }, sources: [source({ http: { retries: 0 } })] };
    const config = await loadConfigFile(await writeConfig('valid.json', JSON.stringify(doc, null, 2)), CONFIG_SCHEMA, {});
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBeUndefined();
    expect(config.sources[0]?.http).toMatchObject({ retries: 0, timeoutMs: 10_000 });
  });

  it('reads an unknown extension as YAML', async () => {
    const config = await loadConfigFile(await writeConfig('eventgraph.conf', validYaml), CONFIG_SCHEMA, {});
    expect(config.sources[0]?.name).toBe('ma');
  });

  it('names the file and the OS reason when the file cannot be read', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await loadError(missing);
    expect(error.message).toBe(`${missing}: cannot read the file: no such file or directory (ENOENT)`);
    expect(error.file).toBe(missing);
    const directory = await loadError(dir);
    expect(directory.message).toBe(`${dir}: cannot read the file: illegal operation on a directory (EISDIR)`);
  });

  it('reports a YAML syntax error with line and column', async () => {
    const path = await writeConfig('broken.yaml', 'server:\n  port: 4000\nsources: [a, b\nother: 1\n');
    const error = await loadError(path);
    expect(error.problems[0]).toMatchObject({ line: 4, column: 1 });
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:4:1: YAML syntax error: `));
    expect(error.message).not.toContain('\n\n'); // no source excerpt in the one-line message
  });

  it('reports a duplicate YAML key as a syntax error', async () => {
    const error = await loadError(await writeConfig('dup.yaml', 'server:\n  port: 1\n  port: 2\nsources: []\n'));
    expect(error.problems[0]).toMatchObject({ line: 3, column: 3 });
    expect(error.message).toContain('Map keys must be unique');
  });

  it('reports a JSON syntax error with line and column', async () => {
    const path = await writeConfig('broken.json', '{\n  "server": {"port": 1}\n  "sources": []\n}\n');
    const error = await loadError(path);
    expect(error.problems[0]).toMatchObject({ line: 3, column: 3 });
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:3:3: JSON syntax error: `));
  });

  it('reports an empty file', async () => {
    const path = await writeConfig('empty.yaml', '# nothing yet\n');
    const error = await loadError(path);
    expect(error.message).toBe(`${path}: the file holds no configuration (it is empty or only comments)`);
  });

  it('loads the commented example with its environment variables set', async () => {
    const config = await loadConfigFile(examplePath, CONFIG_SCHEMA, {
      HUAWEI_AK: 'AKEXAMPLE',
      HUAWEI_SK: 'SKEXAMPLE',
      HUAWEI_IAM_PASSWORD: 'pa55: "word" # not a comment',
      TENCENT_SECRET_ID: 'AKIDexample',
      TENCENT_SECRET_KEY: 'tencent-secret',
      BKREPO_TOKEN: 'bk-token',
    });
    expect(config.sources.map((s) => s.name)).toEqual([
      'modelarts-beijing',
      'modelarts-shanghai',
      'hss-beijing',
      'csms-beijing',
      'ccr-guangzhou',
      'bkrepo',
    ]);
    expect(config.sources[2]?.credentials).toEqual({ type: 'aksk', accessKey: 'AKEXAMPLE', secretKey: 'SKEXAMPLE' });
    expect(config.sources[5]).toMatchObject({ credentials: { password: 'bk-token' }, timeZone: 'Asia/Shanghai' });
    expect(config.sources[0]?.credentials).toEqual({ type: 'aksk', accessKey: 'AKEXAMPLE', secretKey: 'SKEXAMPLE' });
    expect(config.sources[0]).toMatchObject({ scope: { projectId: '0123456789abcdef0123456789abcdef' } });
    expect(config.sources[1]?.credentials).toMatchObject({ type: 'iam-token', password: 'pa55: "word" # not a comment' });
  });

  it('says which variables the example needs when they are unset', async () => {
    const error = await loadError(examplePath, {});
    expect(error.message.split('\n')).toEqual([
      `${examplePath}: sources[0].credentials.accessKey: environment variable HUAWEI_AK is not set (write \${HUAWEI_AK:-default} to give a default)`,
      `${examplePath}: sources[0].credentials.secretKey: environment variable HUAWEI_SK is not set (write \${HUAWEI_SK:-default} to give a default)`,
      `${examplePath}: sources[1].credentials.password: environment variable HUAWEI_IAM_PASSWORD is not set (write \${HUAWEI_IAM_PASSWORD:-default} to give a default)`,
      `${examplePath}: sources[2].credentials.accessKey: environment variable HUAWEI_AK is not set (write \${HUAWEI_AK:-default} to give a default)`,
      `${examplePath}: sources[2].credentials.secretKey: environment variable HUAWEI_SK is not set (write \${HUAWEI_SK:-default} to give a default)`,
      `${examplePath}: sources[3].credentials.accessKey: environment variable HUAWEI_AK is not set (write \${HUAWEI_AK:-default} to give a default)`,
      `${examplePath}: sources[3].credentials.secretKey: environment variable HUAWEI_SK is not set (write \${HUAWEI_SK:-default} to give a default)`,
      `${examplePath}: sources[4].credentials.secretId: environment variable TENCENT_SECRET_ID is not set (write \${TENCENT_SECRET_ID:-default} to give a default)`,
      `${examplePath}: sources[4].credentials.secretKey: environment variable TENCENT_SECRET_KEY is not set (write \${TENCENT_SECRET_KEY:-default} to give a default)`,
      `${examplePath}: sources[5].credentials.password: environment variable BKREPO_TOKEN is not set (write \${BKREPO_TOKEN:-default} to give a default)`,
    ]);
  });
});

describe('environment interpolation', () => {
  const withSecret = (secretKey: string, extra: Record<string, unknown> = {}) => ({
    sources: [source({ credentials: { type: 'aksk', accessKey: 'AK', secretKey }, ...extra })],
  });

  it('replaces ${VAR} after parsing, so YAML-special characters cannot inject structure', async () => {
    const path = await writeConfig('interp.yaml', validYaml.replace('secretKey: SK', 'secretKey: ${HUAWEI_SK}'));
    const nasty = 'x"\n  injected: true\n- ]: #{}';
    const config = await loadConfigFile(path, CONFIG_SCHEMA, { HUAWEI_SK: nasty });
    expect(config.sources[0]?.credentials).toEqual({ type: 'aksk', accessKey: 'AK', secretKey: nasty });
  });

  it('keeps a number-like secret a string', () => {
    const config = parseConfig(withSecret('${SK}'), 'test.yaml', CONFIG_SCHEMA, { SK: '0123' });
    expect(config.sources[0]?.credentials).toMatchObject({ secretKey: '0123' });
  });

  it('interpolates inside longer strings and arrays', () => {
    const doc = withSecret('pre-${A}-${B}-post', { scope: { projectId: 'p', services: ['svc-${A}'] } });
    const config = parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, { A: 'a', B: 'b' });
    expect(config.sources[0]?.credentials).toMatchObject({ secretKey: 'pre-a-b-post' });
    expect(config.sources[0]).toMatchObject({ scope: { services: ['svc-a'] } });
  });

  it('uses ${VAR:-default} when the variable is unset or empty', () => {
    const doc = withSecret('${SK:-fallback}', { endpoint: '${EP:-https://modelarts.example.com:8443/x}' });
    expect(parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, {}).sources[0]).toMatchObject({
      endpoint: 'https://modelarts.example.com:8443/x',
      credentials: { secretKey: 'fallback' },
    });
    expect(parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, { SK: '' }).sources[0]?.credentials).toMatchObject({ secretKey: 'fallback' });
    expect(parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, { SK: 'real' }).sources[0]?.credentials).toMatchObject({ secretKey: 'real' });
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    const config = parseConfig(withSecret('$${NOT_A_VAR} costs $5 $$'), 'test.yaml', CONFIG_SCHEMA, {});
    expect(config.sources[0]?.credentials).toMatchObject({ secretKey: '${NOT_A_VAR} costs $5 $$' });
  });

  it('names the key path and the variable when a variable is unset', () => {
    const error = parseError(withSecret('${HUAWEI_SK}'));
    expect(error.message).toBe(
      'test.yaml: sources[0].credentials.secretKey: environment variable HUAWEI_SK is not set (write ${HUAWEI_SK:-default} to give a default)',
    );
  });

  it('keeps set-but-empty distinct from unset: the schema judges the empty string', () => {
    const error = parseError(withSecret('${HUAWEI_SK}'), { HUAWEI_SK: '' });
    expect(error.message).toBe('test.yaml: sources[0].credentials.secretKey: must not be empty');
  });

  it('rejects malformed placeholders', () => {
    const error = parseError(withSecret('${not valid}', { name: '${UNCLOSED' }));
    expect(error.message.split('\n')).toEqual([
      'test.yaml: sources[0].name: unterminated "${": close it with "}", or write "$${" for a literal "${"',
      'test.yaml: sources[0].credentials.secretKey: holds a "${...}" that is not a valid placeholder: write ${NAME} or ${NAME:-default}, or "$${" for a literal "${"',
    ]);
  });

  it('never prints the value of a variable', () => {
    const secret = 'hunter2-very-secret';
    const doc = { server: { port: '${PORT}' }, sources: [source({ kind: '${KIND}', name: 'ok' })] };
    const error = parseError(doc, { PORT: secret, KIND: secret });
    expect(error.message).not.toContain(secret);
    expect(error.message.split('\n')).toEqual([
      'test.yaml: server.port: must be a number, but ${PORT} is not one',
      `test.yaml: sources[0].kind: unknown source kind (the value of \${KIND}); expected one of: ${KINDS}`,
    ]);
  });

  it('reads a whole-placeholder value as a number where the schema wants one', () => {
    const doc = { server: { port: '${PORT}' }, sources: [source({ http: { timeoutMs: '${TIMEOUT:-2500}' } })] };
    const config = parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, { PORT: '8080' });
    expect(config.server.port).toBe(8080);
    expect(config.sources[0]?.http.timeoutMs).toBe(2500);
  });

  it('does not coerce quoted literals or placeholders inside other text', () => {
    const error = parseError({ server: { port: '8080' }, sources: [source({ http: { retries: '${N}0' } })] }, { N: '1' });
    expect(error.message.split('\n')).toEqual([
      'test.yaml: server.port: must be a number, got a string',
      'test.yaml: sources[0].http.retries: must be a number, got a string',
    ]);
  });

  it('still applies range checks after coercion', () => {
    const error = parseError({ server: { port: '${PORT}' }, sources: [source()] }, { PORT: '70000' });
    expect(error.message).toBe('test.yaml: server.port: must be at most 65535');
  });

  it('does not modify the document it is given', () => {
    const doc = { server: { port: '${PORT}' }, sources: [source({ credentials: { type: 'aksk', accessKey: '${AK}', secretKey: 's' } })] };
    const before = structuredClone(doc);
    parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, { PORT: '1', AK: 'a' });
    expect(doc).toEqual(before);
  });
});

describe('schema problems', () => {
  it('names allowed values for an unknown discriminator, and not the value given', () => {
    const error = parseError({ sources: [source({ kind: 'foo' })] });
    expect(error.message).toBe(`test.yaml: sources[0].kind: unknown source kind; expected one of: ${KINDS}`);
  });

  it('says a missing discriminator is required, with the allowed values', () => {
    const { kind: _kind, ...noKind } = source();
    const error = parseError({ sources: [noKind] });
    expect(error.message).toBe(`test.yaml: sources[0].kind: is required; expected one of: ${KINDS}`);
  });

  it('names allowed credential types', () => {
    const error = parseError({ sources: [source({ credentials: { type: 'password' } })] });
    expect(error.message).toBe(
      'test.yaml: sources[0].credentials.type: unknown credentials type; expected one of: aksk, iam-token',
    );
  });

  it('reports a bad URL with the schema message', async () => {
    const path = await writeConfig('bad-url.yaml', validYaml.replace('endpoint: https://', 'endpoint: ftp://'));
    const error = await loadError(path);
    expect(error.message).toBe(`${path}: sources[0].endpoint: must be an http(s) URL`);
  });

  it('reports a duplicate source name', () => {
    const error = parseError({ sources: [source(), source({ name: 'other' }), source()] });
    expect(error.message).toBe('test.yaml: sources[2].name: duplicate source name "ma" (already used by sources[0])');
  });

  it('names unknown keys, one line each, quoting only a near miss of the key that was meant', () => {
    const doc = { server: { port: 1, colour: 'red' }, sources: [source({ endpiont: 'x' })], extra: true };
    const error = parseError(doc);
    expect(error.message.split('\n')).toEqual([
      'test.yaml: server: an unknown key (not shown: it may be a misplaced value); allowed here: port, host, cursorSecret, snapshotStepSeconds, adaptiveReads, requestTimeoutMs, maxConcurrentRequests, queueTimeoutMs, maxConcurrentExports, corsOrigins, logLevel, federation, tail',
      'test.yaml: sources[0]: unknown key "endpiont"; did you mean "endpoint"?',
      'test.yaml: an unknown key (not shown: it may be a misplaced value); allowed here: server, auth, limits, metrics, tracing, sources',
    ]);
    expect(error.problems.map((p) => p.path)).toEqual([['server'], ['sources', 0], []]);
  });

  it('names the key of a bad log level, metrics or tracing setting, never the value', () => {
    const error = parseError({
      server: { logLevel: 'verbose-secret' },
      metrics: { host: '0.0.0.0', token: 'short-secret' },
      tracing: { enabled: true, endpoint: 'ftp://collector-secret', sampleRatio: 2 },
      sources: [source()],
    });
    expect(error.message.split('\n')).toEqual([
      'test.yaml: server.logLevel: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      'test.yaml: metrics.token: must be at least 16 characters',
      'test.yaml: metrics.host: only applies with metrics.port (a listener of its own)',
      'test.yaml: tracing.endpoint: must be an http(s) URL such as http://otel-collector:4318',
      'test.yaml: tracing.sampleRatio: must be at most 1',
    ]);
    expect(error.message).not.toMatch(/secret/);
  });

  it('names the key of a bad live-tail setting, and takes a source interval of its own', () => {
    const error = parseError({ server: { tail: { intervalMs: 10, maxBuffered: 0, colour: 1 } }, sources: [source({ tailIntervalMs: 'soon' })] });
    expect(error.message.split('\n')).toEqual([
      'test.yaml: server.tail.intervalMs: must be at least 1000',
      'test.yaml: server.tail.maxBuffered: must be at least 1',
      'test.yaml: server.tail: an unknown key (not shown: it may be a misplaced value); allowed here: intervalMs, lookbackMs, maxBuffered, maxConnections',
      'test.yaml: sources[0].tailIntervalMs: must be a number, got a string',
    ]);
    const config = parseConfig({ server: { tail: { lookbackMs: 0 } }, sources: [source({ tailIntervalMs: 30_000 })] }, 'test.yaml', CONFIG_SCHEMA, {});
    expect(config.server.tail).toMatchObject({ intervalMs: 10_000, lookbackMs: 0 });
    expect(config.sources[0]).toMatchObject({ tailIntervalMs: 30_000 });
  });

  it('says "is required" for a missing key', () => {
    const error = parseError({ sources: [source({ credentials: { type: 'aksk', accessKey: 'AK' } })] });
    expect(error.message).toBe('test.yaml: sources[0].credentials.secretKey: is required');
  });

  it('reports a missing sources list and a document that is not an object', () => {
    expect(parseError({}).message).toBe('test.yaml: sources: is required');
    expect(parseError({ sources: [] }).message).toBe('test.yaml: sources: must not be empty');
    expect(parseError(['a']).message).toBe('test.yaml: must be an object (key: value pairs), got a list');
  });

  it('reports every problem at once', async () => {
    const yaml = `
server:
  port: 99999
  cursorSecret: short
sources:
  - name: Bad Name
    kind: huawei-modelarts
    endpoint: not a url
    credentials:
      type: iam-token
      iamEndpoint: https://iam.cn-north-4.myhuaweicloud.com
      domain: d
      user: u
      password: \${IAM_PASSWORD}
    scope: {}
    http:
      retries: -1
      timeoutMs: 1.5
  - name: ok
    kind: aliyun-oss
`;
    const path = await writeConfig('many.yaml', yaml);
    const error = await loadError(path);
    expect(error.message.split('\n')).toEqual([
      `${path}: sources[0].credentials.password: environment variable IAM_PASSWORD is not set (write \${IAM_PASSWORD:-default} to give a default)`,
      `${path}: server.port: must be at most 65535`,
      `${path}: server.cursorSecret: must be at least 16 characters long`,
      `${path}: sources[0].name: must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit`,
      `${path}: sources[0].endpoint: must be an http(s) URL`,
      `${path}: sources[0].http.timeoutMs: must be an integer, got a fraction`,
      `${path}: sources[0].http.retries: must be at least 0`,
      `${path}: sources[0].credentials.projectName: is required`,
      `${path}: sources[0].scope.projectId: is required`,
      `${path}: sources[1].kind: unknown source kind; expected one of: ${KINDS}`,
    ]);
    expect(error.problems).toHaveLength(10);
  });
});

describe('http: rate limit and circuit breaker', () => {
  const httpOf = (doc: Record<string, unknown>) => parseConfig({ sources: [doc] }, 'test.yaml', CONFIG_SCHEMA, {}).sources[0]!.http;
  const tencent = (extra: Record<string, unknown> = {}) => ({
    name: 'ccr',
    kind: 'tencent-ccr',
    credentials: { secretId: 'AKID', secretKey: 'key' },
    scope: { region: 'ap-guangzhou', repositories: ['a/b'] },
    ...extra,
  });
  const bkrepo = (extra: Record<string, unknown> = {}) => ({
    name: 'bk',
    kind: 'bkrepo',
    endpoint: 'https://bkrepo.example.com',
    credentials: { type: 'basic', username: 'u', password: 'p' },
    scope: { projectId: 'p', repositories: ['r'] },
    ...extra,
  });

  it("gives every source its vendor's default rate limit, and the common breaker", () => {
    expect(httpOf(source())).toMatchObject({ rateLimit: { perSecond: 10, burst: 10, maxWaitMs: 5_000 }, circuitBreaker: { failures: 5, halfOpenAfterMs: 10_000 } });
    expect(httpOf(tencent()).rateLimit).toEqual({ perSecond: 10, burst: 10, maxWaitMs: 5_000 });
    expect(httpOf(bkrepo()).rateLimit).toEqual({ perSecond: 20, burst: 40, maxWaitMs: 5_000 });
    // Setting another http key keeps the vendor's rate limit.
    expect(httpOf(bkrepo({ http: { retries: 0 } }))).toMatchObject({ retries: 0, rateLimit: { perSecond: 20, burst: 40 } });
  });

  it('takes a rate of its own, with a burst of one second of it unless given', () => {
    expect(httpOf(bkrepo({ http: { rateLimit: { perSecond: 2.5 } } })).rateLimit).toEqual({ perSecond: 2.5, burst: 3, maxWaitMs: 5_000 });
    expect(httpOf(bkrepo({ http: { rateLimit: { perSecond: 5, burst: 50, maxWaitMs: 0 } } })).rateLimit).toEqual({ perSecond: 5, burst: 50, maxWaitMs: 0 });
    expect(httpOf(bkrepo({ http: { rateLimit: { maxWaitMs: 250 } } })).rateLimit).toEqual({ perSecond: 20, burst: 40, maxWaitMs: 250 });
    expect(httpOf(bkrepo({ http: { rateLimit: { perSecond: 0 } } })).rateLimit).toMatchObject({ perSecond: 0 });
    expect(httpOf(bkrepo({ http: { circuitBreaker: { failures: 0 } } })).circuitBreaker).toEqual({ failures: 0, halfOpenAfterMs: 10_000 });
  });

  it('names the key of a bad value', () => {
    const error = parseError({
      sources: [
        bkrepo({
          http: { rateLimit: { perSecond: -1, burst: 0, maxWaitMs: 1.5, perMinute: 3 }, circuitBreaker: { failures: 'many', halfOpenAfterMs: 0 } },
        }),
      ],
    });
    expect(error.message.split('\n')).toEqual([
      'test.yaml: sources[0].http.rateLimit.perSecond: must be at least 0',
      'test.yaml: sources[0].http.rateLimit.burst: must be at least 1',
      'test.yaml: sources[0].http.rateLimit.maxWaitMs: must be an integer, got a fraction',
      'test.yaml: sources[0].http.rateLimit: an unknown key (not shown: it may be a misplaced value); allowed here: perSecond, burst, maxWaitMs',
      'test.yaml: sources[0].http.circuitBreaker.failures: must be a number, got a string',
      'test.yaml: sources[0].http.circuitBreaker.halfOpenAfterMs: must be at least 1',
    ]);
  });

  it('reads a rate from the environment as a number', () => {
    const config = parseConfig({ sources: [bkrepo({ http: { rateLimit: { perSecond: '${RATE}' } } })] }, 'test.yaml', CONFIG_SCHEMA, { RATE: '7' });
    expect(config.sources[0]!.http.rateLimit).toEqual({ perSecond: 7, burst: 7, maxWaitMs: 5_000 });
  });
});

describe('resolveConfigPath', () => {
  const env = { EVENTGRAPH_CONFIG: 'from-env.yaml' };

  it('prefers --config FILE and --config=FILE over EVENTGRAPH_CONFIG', () => {
    expect(resolveConfigPath(['node', 'main.js', '--config', 'a.yaml'], env)).toBe('a.yaml');
    expect(resolveConfigPath(['--config=b.json'], env)).toBe('b.json');
  });

  it('lets the last --config win', () => {
    expect(resolveConfigPath(['--config', 'a.yaml', '--config=b.yaml'], {})).toBe('b.yaml');
  });

  it('falls back to EVENTGRAPH_CONFIG, then to undefined (demo mode)', () => {
    expect(resolveConfigPath(['--port', '80'], env)).toBe('from-env.yaml');
    expect(resolveConfigPath([], {})).toBeUndefined();
    expect(resolveConfigPath([], { EVENTGRAPH_CONFIG: '' })).toBeUndefined();
  });

  it('ignores arguments after --', () => {
    expect(resolveConfigPath(['--', '--config', 'a.yaml'], env)).toBe('from-env.yaml');
  });

  it('rejects --config without a value', () => {
    for (const argv of [['--config'], ['--config='], ['--config', '--port', '80']]) {
      expect(() => resolveConfigPath(argv, env)).toThrow(ConfigError);
    }
    expect(() => resolveConfigPath(['--config'], env)).toThrow(
      'command line: --config needs a file name: --config FILE or --config=FILE',
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
