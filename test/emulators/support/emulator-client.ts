import { DEMO_CREDENTIALS } from '../../helpers/demo-credentials.js';
import { signForTest } from './huawei-test.signer.js';

export type Auth =
  | { kind: 'aksk'; accessKey?: string; secretKey?: string; date?: Date; projectIdHeader?: string }
  | { kind: 'token'; token: string }
  | { kind: 'none' };

export interface CallOptions {
  method?: string;
  query?: Record<string, string | number>;
  /** Appended verbatim after the encoded query (for duplicates and odd spellings). */
  rawQuery?: string;
  auth?: Auth;
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** Query string with RFC 3986 encoding, as the official SDKs send it. */
export function encodeQuery(query: Record<string, string | number>): string {
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/** One request to an emulator, signed (by default with the demo AK/SK) or with a token. */
export async function call<T = any>(baseUrl: string, path: string, options: CallOptions = {}): Promise<JsonResponse<T>> {
  const method = options.method ?? 'GET';
  const parts = [options.query ? encodeQuery(options.query) : '', options.rawQuery ?? ''].filter((p) => p !== '');
  const url = `${baseUrl}${path}${parts.length ? `?${parts.join('&')}` : ''}`;
  const auth: Auth = options.auth ?? { kind: 'aksk' };
  let headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  if (auth.kind === 'aksk') {
    headers = signForTest({
      method,
      url,
      headers: { ...headers, ...(auth.projectIdHeader ? { 'X-Project-Id': auth.projectIdHeader } : {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
      accessKey: auth.accessKey ?? DEMO_CREDENTIALS.huawei.accessKey,
      secretKey: auth.secretKey ?? DEMO_CREDENTIALS.huawei.secretKey,
      ...(auth.date ? { date: auth.date } : {}),
    });
  } else if (auth.kind === 'token') {
    headers['X-Auth-Token'] = auth.token;
  }
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function passwordTokenBody(
  overrides: { user?: string; password?: string; domain?: string; projectName?: string } = {},
): string {
  const d = DEMO_CREDENTIALS.huawei;
  return JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: overrides.user ?? d.user,
            password: overrides.password ?? d.password,
            domain: { name: overrides.domain ?? d.domain },
          },
        },
      },
      scope: { project: { name: overrides.projectName ?? d.region } },
    },
  });
}

export async function issueToken(iamUrl: string): Promise<string> {
  const response = await call(iamUrl, '/v3/auth/tokens', { method: 'POST', body: passwordTokenBody(), auth: { kind: 'none' } });
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token) throw new Error(`token request failed: ${response.status} ${response.text}`);
  return token;
}
