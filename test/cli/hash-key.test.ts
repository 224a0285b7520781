import { spawn } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { apiKeySchema } from '../../src/config/auth-config.schema.js';
import { verifyApiKey } from '../../src/server/auth/api-key.js';

/** `npm run hash-key` as a user runs it: a real process, stdin, stdout, exit code. */
const root = new URL('../..', import.meta.url).pathname;

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/hash-key.main.ts', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run hash-key', () => {
  it('generates a key, prints it once with its hash, and the hash verifies the key', async () => {
    const { code, stdout } = await run(['--generate', '--name', 'grafana']);
    expect(code).toBe(0);
    const key = /^key: +(\S+)$/m.exec(stdout)![1]!;
    const hash = /^hash: +(\S+)$/m.exec(stdout)![1]!;
    expect(key).toMatch(/^egk_[A-Za-z0-9_-]{43}$/);
    expect(stdout.split(key)).toHaveLength(2);
    expect(await verifyApiKey(key, hash)).toBe(true);
    expect(await verifyApiKey(`${key}x`, hash)).toBe(false);
    // The snippet it prints is a configuration a user can paste: it parses, and validates.
    const snippet = parseYaml(stdout.slice(stdout.indexOf('auth:'))) as { auth: { apiKeys: unknown[] } };
    expect(apiKeySchema.parse(snippet.auth.apiKeys[0])).toMatchObject({ name: 'grafana', hash, sources: ['*'] });
  });

  it('hashes a key piped in, without printing it back', async () => {
    const key = 'a-team-chosen-key-0123456789';
    const { code, stdout } = await run([], `${key}\n`);
    expect(code).toBe(0);
    expect(stdout).not.toContain(key);
    expect(stdout).not.toMatch(/^key:/m);
    const hash = /^hash: +(\S+)$/m.exec(stdout)![1]!;
    expect(await verifyApiKey(key, hash)).toBe(true);
  });

  it('refuses bad input with exit 2 and a reason, never repeating the input', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [[], 'short-key\n', /at least 20/],
      [[], '', /stdin was empty/],
      [[], 'first-key-0123456789abc\nsecond-key-0123456789abc\n', /more than one line/],
      [[], 'a key with spaces in it, long enough\n', /visible ASCII/],
      [['--frobnicate'], '', /unknown argument/],
      [['--name'], '', /--name needs a name/],
    ];
    for (const [args, stdin, reason] of cases) {
      const { code, stdout, stderr } = await run(args, stdin);
      expect(code, stdin).toBe(2);
      expect(stdout, stdin).toBe('');
      expect(stderr, stdin).toMatch(reason);
      for (const line of stdin.split('\n').filter((part) => part.length > 0)) expect(stderr).not.toContain(line);
    }
  });
});
