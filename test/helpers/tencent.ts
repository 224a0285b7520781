import { createRequire } from 'node:module';
import { type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';

/**
 * Tencent's own legacy signer, the npm package `qcloudapi-sdk` (CommonJS, untyped): a third
 * implementation beside the client's signer and the emulator's verifier, used by tests to
 * sign raw requests and to check our signer.
 */
export interface QcloudApi {
  sign(str: string, secretKey: string, signatureMethod: 'sha1' | 'sha256'): string;
  generateQueryString(data: Record<string, unknown>, opts: Record<string, unknown>): string;
}
const QcloudApiClass = createRequire(import.meta.url)('qcloudapi-sdk') as new (defaults?: Record<string, unknown>) => QcloudApi;
export const qcloud: QcloudApi = new QcloudApiClass();
export { QcloudApiClass };

/** A tencent-ccr source on the emulators, as a configuration document. */
export function tencentSource(emulators: RunningEmulators, overrides: Record<string, unknown> = {}) {
  const demo = DEMO_CREDENTIALS.tencent;
  return {
    name: 'ccr',
    kind: 'tencent-ccr',
    endpoint: emulators.tencentCcr.url,
    credentials: { secretId: demo.secretId, secretKey: demo.secretKey },
    scope: { region: demo.region, repositories: emulators.tencentCcr.repositories() },
    http: { retries: 0, rateLimit: { perSecond: 0 }, circuitBreaker: { failures: 0 } },
    ...overrides,
  };
}

export interface RawCallOptions {
  method?: 'GET' | 'POST';
  secretId?: string;
  secretKey?: string;
  signatureMethod?: 'HmacSHA1' | 'HmacSHA256';
  /** Unix seconds; default now. */
  timestamp?: number;
  nonce?: number;
  region?: string;
  action?: string;
  /** Common parameters to leave out. */
  omit?: string[];
  /** Sent as is, after signing, e.g. a tampered value. */
  override?: Record<string, string>;
}

export interface RawCall {
  /** Sends the signed request (again, if called twice: a replay). */
  send(): Promise<{ status: number; json: any; text: string }>;
  params: Record<string, string>;
}

let nonceCounter = Math.floor(Math.random() * 1e9);

/** A signed ListTriggerLog request to the emulator, signed with qcloudapi-sdk. */
export function signedCall(baseUrl: string, actionParams: Record<string, string | number>, options: RawCallOptions = {}): RawCall {
  const demo = DEMO_CREDENTIALS.tencent;
  const method = options.method ?? 'GET';
  const url = new URL('/v2/index.php', baseUrl);
  const signatureMethod = options.signatureMethod ?? 'HmacSHA256';
  const params: Record<string, string> = {
    Action: options.action ?? 'ListTriggerLog',
    Region: options.region ?? demo.region,
    SecretId: options.secretId ?? demo.secretId,
    Timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    Nonce: String(options.nonce ?? (nonceCounter += 1)),
    SignatureMethod: signatureMethod,
  };
  for (const [k, v] of Object.entries(actionParams)) params[k] = String(v);
  for (const name of options.omit ?? []) delete params[name];
  const names = Object.keys(params).sort();
  const toSign = `${method}${url.host}${url.pathname}?${names.map((n) => `${n.replace(/_/g, '.')}=${params[n]}`).join('&')}`;
  params.Signature = qcloud.sign(toSign, options.secretKey ?? demo.secretKey, signatureMethod === 'HmacSHA256' ? 'sha256' : 'sha1');
  Object.assign(params, options.override ?? {});
  for (const name of options.omit ?? []) delete params[name];
  const encoded = new URLSearchParams(params).toString();
  return {
    params,
    async send() {
      const response =
        method === 'GET'
          ? await fetch(`${url.href}?${encoded}`)
          : await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encoded });
      const text = await response.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, json, text };
    },
  };
}
