import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * API keys are kept in the configuration only as a slow hash (scrypt), so that a leaked
 * configuration file leaks no key: `scrypt$<N>$<r>$<p>$<salt>$<hash>`, salt and hash in
 * base64url. Each key has its own random salt, so equal keys do not show as equal hashes
 * and no table can be computed in advance.
 */

/**
 * The parameters new hashes get: N = 2^15, r = 8 needs 32 MiB and some 50-100 ms of one
 * core per check, which is what makes guessing a key from its hash impractical. The
 * verifier caches successful checks, so a client pays it once, not per request.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

/** Bytes of salt and of derived key in a new hash. */
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/**
 * The bounds a hash's parameters must keep to: weaker ones would make a leaked hash cheap
 * to attack, stronger ones would let one configuration line make every check take seconds
 * and gigabytes. The configuration schema refuses a hash outside them at start.
 */
export const SCRYPT_BOUNDS = {
  minLog2N: 14,
  maxLog2N: 20,
  maxR: 32,
  maxP: 16,
  /** 128 · N · r bytes: the memory one check takes. */
  maxMemoryBytes: 256 * 2 ** 20,
} as const;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface ParsedKeyHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/** Generated keys start with this, so that one found in a log or a repository is recognisable. */
export const API_KEY_PREFIX = 'egk_';

/** The shortest key the CLI hashes: below it a key could be guessed, hash or no hash. */
export const MIN_API_KEY_LENGTH = 20;
/** The longest: headers have limits, and nobody types a longer key. */
export const MAX_API_KEY_LENGTH = 512;

/** A new random key: 32 bytes (256 bits) of randomness, base64url, after the prefix. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * Why a text cannot be an API key, or undefined when it can. A key travels in an HTTP
 * header, so it must be visible ASCII without spaces (a space would split `Bearer <key>`).
 * The message never repeats the key.
 */
export function apiKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.length < MIN_API_KEY_LENGTH) return `the key is ${key.length} characters long; use at least ${MIN_API_KEY_LENGTH} (or let the command generate one)`;
  if (key.length > MAX_API_KEY_LENGTH) return `the key is ${key.length} characters long; at most ${MAX_API_KEY_LENGTH} fit in a header`;
  if (!/^[\x21-\x7e]+$/.test(key)) return 'the key must be visible ASCII characters only (no spaces, tabs, line breaks or accented letters): it is sent in an HTTP header';
  return undefined;
}

/** `scrypt$N$r$p$salt$hash` for a key, with a fresh random salt. */
export async function hashApiKey(key: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(key, salt, HASH_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * Reads a hash; undefined when it is not one, or its parameters are outside `SCRYPT_BOUNDS`
 * (see `keyHashProblem` for why).
 */
export function parseKeyHash(text: string): ParsedKeyHash | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(text);
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (scryptParamsProblem({ N, r, p })) return undefined;
  return { N, r, p, salt: Buffer.from(match[4]!, 'base64url'), hash: Buffer.from(match[5]!, 'base64url') };
}

/** Why a hash cannot be used, or undefined: for the configuration's message. */
export function keyHashProblem(text: string): string | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$/.exec(text);
  if (!match) return 'must be a hash printed by `npm run hash-key`';
  return scryptParamsProblem({ N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) });
}

function scryptParamsProblem({ N, r, p }: ScryptParams): string | undefined {
  const log2N = Math.log2(N);
  if (!Number.isInteger(log2N) || log2N < SCRYPT_BOUNDS.minLog2N || log2N > SCRYPT_BOUNDS.maxLog2N) {
    return `scrypt's N must be a power of two from 2^${SCRYPT_BOUNDS.minLog2N} to 2^${SCRYPT_BOUNDS.maxLog2N}`;
  }
  if (!Number.isInteger(r) || r < 1 || r > SCRYPT_BOUNDS.maxR) return `scrypt's r must be 1 to ${SCRYPT_BOUNDS.maxR}`;
  if (!Number.isInteger(p) || p < 1 || p > SCRYPT_BOUNDS.maxP) return `scrypt's p must be 1 to ${SCRYPT_BOUNDS.maxP}`;
  if (128 * N * r > SCRYPT_BOUNDS.maxMemoryBytes) return `scrypt's N and r need ${(128 * N * r) / 2 ** 20} MiB per check; at most ${SCRYPT_BOUNDS.maxMemoryBytes / 2 ** 20} MiB`;
  return undefined;
}

/**
 * Whether the key is the one the hash was made from. The comparison takes the same time
 * whatever the bytes, so the answer's timing says nothing about how close a guess was.
 */
export async function verifyApiKey(key: string, hash: ParsedKeyHash | string): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parseKeyHash(hash) : hash;
  if (!parsed) return false;
  const derived = await scrypt(key, parsed.salt, parsed.hash.length, parsed);
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
}

/**
 * The cache key of a presented key: its SHA-256, so that the verifier's memory holds no key
 * in the clear (a heap dump shows digests only). SHA-256 of a key of 256 random bits cannot
 * be reversed; the slow hash protects the configuration, where weaker keys may be.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}

function scrypt(key: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  // Node refuses a derivation needing more than `maxmem` (32 MiB by default, which N = 2^15,
  // r = 8 reaches exactly); leave room up to the bound the parameters were checked against.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 2 * SCRYPT_BOUNDS.maxMemoryBytes };
  return new Promise((resolve, reject) => {
    scryptCallback(key, salt, length, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}
