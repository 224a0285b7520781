import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/config.loader.js';
import { CONFIG_SCHEMA } from '../helpers/config-schema.js';

/*
 * A configuration error names the key and the problem, never the value: whatever was
 * written where (a secret under the wrong key, a key that swallowed its value, a number
 * where a string belongs, a broken placeholder around a secret), the message printed at
 * start-up must not carry it.
 */

const SECRET = 'S3cr3tVALUE42xyz';
const NUMERIC_SECRET = 918_273_645;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventgraph-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(doc: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(doc, 'test.yaml', CONFIG_SCHEMA, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

async function fileProblems(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, 'utf8');
  try {
    await loadConfigFile(path, CONFIG_SCHEMA, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

const modelarts = (extra: Record<string, unknown> = {}) => ({
  name: 'ma',
  kind: 'huawei-modelarts',
  endpoint: 'https://modelarts.example.com',
  credentials: { type: 'aksk', accessKey: 'AK', secretKey: 'SK' },
  scope: { projectId: 'p' },
  ...extra,
});

const ccr = (extra: Record<string, unknown> = {}) => ({
  name: 'ccr',
  kind: 'tencent-ccr',
  credentials: { secretId: 'AKID', secretKey: 'key' },
  scope: { region: 'ap-guangzhou', repositories: ['a/b'] },
  ...extra,
});

function expectClean(message: string, key: string): void {
  expect(message).toContain(key);
  expect(message).not.toContain(SECRET);
  expect(message).not.toContain(String(NUMERIC_SECRET));
}

describe('configuration errors never print a value', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a secret as a key (a value that lost its colon)', { sources: [modelarts({ credentials: { type: 'aksk', accessKey: 'AK', secretKey: 'x', [SECRET]: null } })] }, 'sources[0].credentials'],
    ['a key and its secret run together', { sources: [modelarts({ credentials: { type: 'aksk', accessKey: 'AK', [`secretKey ${SECRET}`]: null } })] }, 'sources[0].credentials'],
    ['a secret as the source kind', { sources: [modelarts({ kind: SECRET })] }, 'sources[0].kind'],
    ['a secret as the credentials type', { sources: [modelarts({ credentials: { type: SECRET } })] }, 'sources[0].credentials.type'],
    ['a secret as a time zone', { sources: [ccr({ timeZone: SECRET })] }, 'sources[0].timeZone'],
    ['a secret as a signature method', { sources: [ccr({ signatureMethod: SECRET })] }, 'sources[0].signatureMethod'],
    ['a secret as an endpoint', { sources: [modelarts({ endpoint: `ftp://user:${SECRET}@example.com` })] }, 'sources[0].endpoint'],
    ['a secret as a source name', { sources: [modelarts({ name: `${SECRET}!` })] }, 'sources[0].name'],
    ['a secret where an object belongs', { sources: [modelarts({ credentials: SECRET })] }, 'sources[0].credentials'],
    ['a secret where a number belongs', { sources: [modelarts({ http: { timeoutMs: SECRET } })] }, 'sources[0].http.timeoutMs'],
    ['a numeric secret where a string belongs', { sources: [modelarts({ credentials: { type: 'aksk', accessKey: 'AK', secretKey: NUMERIC_SECRET } })] }, 'sources[0].credentials.secretKey'],
    ['a numeric cursor secret', { server: { cursorSecret: NUMERIC_SECRET }, sources: [modelarts()] }, 'server.cursorSecret'],
    ['a fraction that is a secret', { sources: [modelarts({ http: { timeoutMs: NUMERIC_SECRET + 0.5 } })] }, 'sources[0].http.timeoutMs'],
    ['a secret inside a broken placeholder', { sources: [modelarts({ credentials: { type: 'aksk', accessKey: 'AK', secretKey: `\${${SECRET} x}` } })] }, 'sources[0].credentials.secretKey'],
    ['a secret as an api key hash', { auth: { apiKeys: [{ name: 'ci', hash: SECRET }] }, sources: [modelarts()] }, 'auth'],
  ];

  for (const [what, doc, key] of cases) {
    it(`${what}: names ${key}, not the value`, () => expectClean(problemsOf(doc), key));
  }

  it('a secret under an unknown key holding a placeholder: the key, not its text', () => {
    const message = problemsOf({ sources: [modelarts({ credentials: { type: 'aksk', accessKey: 'AK', secretKey: 'x', [SECRET]: '${UNSET_VARIABLE}' } })] });
    expectClean(message, 'sources[0].credentials');
  });

  it('a variable whose value is a secret, where a number or a kind belongs', () => {
    const message = problemsOf({ server: { port: '${PORT}' }, sources: [modelarts({ kind: '${KIND}', http: { retries: 'x${N}' } })] }, { PORT: SECRET, KIND: SECRET, N: SECRET });
    expectClean(message, 'server.port');
    expect(message).toContain('${PORT}');
  });
});

describe('syntax errors never quote the file', () => {
  it('YAML: an invalid escape in a double-quoted secret', async () => {
    const message = await fileProblems('escape.yaml', `sources:\n  - name: ma\n    credentials: { secretKey: "${SECRET}\\q${SECRET}" }\n`);
    expect(message).toMatch(/escape\.yaml:3:\d+: YAML syntax error: /);
    expect(message).not.toContain(SECRET);
  });

  it('YAML: a secret that starts with a reserved character', async () => {
    const message = await fileProblems('reserved.yaml', `sources:\n  - name: ma\n    credentials: { secretKey: @${SECRET} }\n`);
    expect(message).toContain('YAML syntax error');
    expect(message).not.toContain(SECRET);
  });

  it('YAML: a secret after a tag that does not exist', async () => {
    const message = await fileProblems('tag.yaml', `sources:\n  - password: !${SECRET} x\n`);
    expect(message).not.toContain(SECRET);
  });

  it('YAML: a secret after a block scalar header', async () => {
    const message = await fileProblems('block.yaml', `sources:\n  - password: |${SECRET}\n      x\n`);
    expect(message).not.toContain(SECRET);
  });

  it('JSON: a bare secret, short or long', async () => {
    const short = await fileProblems('short.json', `{"sources": [{"password": ${SECRET}}]}`);
    expect(short).toMatch(/short\.json: JSON syntax error: Unexpected token$/);
    expect(short).not.toContain(SECRET);
    const padding = 'x'.repeat(200);
    const long = await fileProblems('long.json', `{"a": "${padding}", "sources": [{"password": ${SECRET}, "b": "${padding}"}]}`);
    expect(long).not.toContain(SECRET);
    expect(long).not.toContain(padding.slice(0, 20));
  });

  it('JSON: a secret in a string with a control character', async () => {
    const message = await fileProblems('control.json', `{"sources": [{"password": "${SECRET}\u0001"}]}`);
    expect(message).toContain('JSON syntax error');
    expect(message).not.toContain(SECRET);
  });
});
