import { z } from 'zod';
import type { UpstreamPolicy } from '../../upstream/upstream.policy.js';
import type { HuaweiCredentials } from './huawei.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import { UpstreamClient, type UpstreamCallListener } from '../../upstream/upstream.client.js';
import type { UpstreamError } from '../../upstream/upstream.errors.js';
import { huaweiErrorFor } from './huawei-errors.js';

/**
 * Huawei IAM tokens (docs/vendors/huawei-modelarts.md, "Auth and signing"): `POST /v3/auth/tokens` with a password, scoped to a
 * project; the token comes back in `X-Subject-Token`, valid for 24 hours unless revoked.
 *
 * Asking IAM for a token on every call would double the latency and IAM throttles token
 * creation, so the token is cached and shared by every call of the source, refreshed a
 * little before it expires, and dropped when an upstream answers 401 (revoked early).
 */

export type HuaweiIamCredentials = Extract<HuaweiCredentials, { type: 'iam-token' }>;

export interface HuaweiIamTokenProviderOptions {
  /** The configured source the token is for; IAM failures are reported under its name. */
  sourceName: string;
  policy: UpstreamPolicy;
  credentials: HuaweiIamCredentials;
  /**
   * Refresh this long before expiry. Default: 5 minutes, or 10% of the token's lifetime
   * when that is shorter (a 24 h token refreshes 5 minutes early; a 60 s test token 6 s).
   */
  refreshMarginMs?: number;
  /** Clock, epoch ms; injectable so tests can move time. */
  now?: () => number;
  onCall?: UpstreamCallListener;
}

export interface IamToken {
  token: string;
  /** Local epoch ms after which the token is no longer valid. */
  expiresAt: number;
  /** Local epoch ms from which `getToken` fetches a new one. */
  refreshAt: number;
}

const DEFAULT_MAX_MARGIN_MS = 5 * 60_000;

const tokenResponseSchema = z.looseObject({
  token: z.looseObject({
    expires_at: z.string().min(1),
    issued_at: z.string().min(1).optional(),
  }),
});

export class HuaweiIamTokenProvider extends UpstreamClient {
  private readonly credentials: HuaweiIamCredentials;
  private readonly refreshMarginMs: number | undefined;
  private readonly now: () => number;
  private current: IamToken | undefined;
  private inFlight: Promise<IamToken> | undefined;

  constructor(options: HuaweiIamTokenProviderOptions) {
    super({
      sourceName: options.sourceName,
      baseUrl: options.credentials.iamEndpoint,
      policy: options.policy,
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
    this.credentials = options.credentials;
    this.refreshMarginMs = options.refreshMarginMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * A valid token, from the cache when it is not due for refresh. Concurrent callers share
   * one IAM request. If a refresh fails while the cached token is still valid, the cached
   * one is used: an IAM hiccup during the refresh margin should not fail data calls.
   *
   * `calls` is the tally of the call that needs the token; the IAM request counts there, or
   * for the first caller when several share it.
   */
  async getToken(calls?: UpstreamCallCounts): Promise<string> {
    const cached = this.current;
    if (cached && this.now() < cached.refreshAt) return cached.token;
    try {
      return (await this.refresh(calls)).token;
    } catch (error) {
      if (cached && this.current === cached && this.now() < cached.expiresAt) return cached.token;
      throw error;
    }
  }

  /**
   * Drops the cached token after an upstream refused it. Pass the token that was refused:
   * when many calls get a 401 together, only the first drops it, and the token another
   * caller has fetched since is kept.
   */
  invalidate(token?: string): void {
    if (token === undefined || this.current?.token === token) this.current = undefined;
  }

  protected override errorFor(status: number, body: unknown): UpstreamError | undefined {
    return huaweiErrorFor(this.sourceName, status, body);
  }

  private refresh(calls: UpstreamCallCounts | undefined): Promise<IamToken> {
    if (!this.inFlight) {
      this.inFlight = this.fetchToken(calls)
        .then((token) => {
          this.current = token;
          return token;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private async fetchToken(calls: UpstreamCallCounts | undefined): Promise<IamToken> {
    const { domain, user, password, projectName } = this.credentials;
    const requestedAt = this.now();
    const response = await this.requestWithResponse(
      {
        api: 'KeystoneCreateUserTokenByPassword',
        method: 'POST',
        path: '/v3/auth/tokens',
        // The catalog (every endpoint of every service) is most of the answer and unused.
        query: { nocatalog: 'true' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
            scope: { project: { name: projectName } },
          },
        }),
        // Creating a token has no effect beyond the token, so a lost answer can be asked again.
        idempotent: true,
        // Never shared: the provider asks again exactly when it needs a new token.
        cacheable: false,
      },
      tokenResponseSchema,
      calls,
    );
    const what = `POST ${this.urlFor({ api: 'KeystoneCreateUserTokenByPassword', method: 'POST', path: '/v3/auth/tokens' }).pathname}`;
    const token = response.headers.get('x-subject-token');
    if (!token) {
      throw this.error('UPSTREAM_BAD_RESPONSE', `${what} answered HTTP ${response.status} without an X-Subject-Token header`, {
        status: response.status,
      });
    }
    const expires = parseIamTime(response.data.token.expires_at);
    if (expires === undefined) {
      throw this.error('UPSTREAM_BAD_RESPONSE', `${what} answered with an unreadable token.expires_at: ${response.data.token.expires_at}`, {
        status: response.status,
      });
    }
    // IAM's clock is not ours. With `issued_at` we take only the lifetime from IAM and anchor
    // it to our clock, so a skewed host neither uses an expired token nor refreshes forever.
    const issued = response.data.token.issued_at === undefined ? undefined : parseIamTime(response.data.token.issued_at);
    const lifetime = issued === undefined ? expires - requestedAt : expires - issued;
    const expiresAt = requestedAt + lifetime;
    const margin = this.refreshMarginMs ?? Math.min(DEFAULT_MAX_MARGIN_MS, Math.max(0, lifetime) / 10);
    return { token, expiresAt, refreshAt: expiresAt - margin };
  }
}

/**
 * IAM writes times with microseconds (`2024-01-02T03:04:05.123000Z`); `Date.parse` is only
 * specified for milliseconds, so the fraction is cut to three digits first.
 */
function parseIamTime(value: string): number | undefined {
  const normalised = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : ms;
}
