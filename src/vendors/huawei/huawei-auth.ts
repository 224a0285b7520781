import type { UpstreamPolicy } from '../../upstream/upstream.policy.js';
import type { HuaweiCredentials } from './huawei.config.js';
import type { UpstreamCallCounts } from '../../upstream/upstream.calls.js';
import type { PreparedRequest, UpstreamCallListener } from '../../upstream/upstream.client.js';
import { HuaweiAkSkSigner } from './huawei-aksk.signer.js';
import { HuaweiIamTokenProvider } from './huawei-iam.token-provider.js';

export { huaweiErrorFor } from './huawei-errors.js';

/**
 * The auth strategy of a Huawei source, plugged into the client's hooks:
 * `willSendRequest` → `authorize`, `didReceiveUnauthorized` → `onUnauthorized`. The three
 * Huawei clients (HSS, CSMS, ModelArts) share it, so they differ only in paths and schemas.
 */
export interface HuaweiAuth {
  /**
   * Adds auth to the final request; runs on every attempt. `calls` is the tally of the call
   * being authorised: an IAM token request made for it counts there.
   */
  authorize(request: PreparedRequest, calls?: UpstreamCallCounts): Promise<void>;
  /** After a 401: whether sending the request once more may succeed. */
  onUnauthorized(request?: PreparedRequest): Promise<boolean>;
}

export interface HuaweiAuthOptions {
  sourceName: string;
  /** Policy of the source; the IAM token call uses it too. */
  policy: UpstreamPolicy;
  projectId: string;
  /** Clock, epoch ms (signing date, token expiry); injectable for tests. */
  now?: () => number;
  /** See HuaweiIamTokenProviderOptions.refreshMarginMs. */
  refreshMarginMs?: number;
  /** Observes the IAM token calls. */
  onCall?: UpstreamCallListener;
  /**
   * A token provider to share, e.g. between the HSS, CSMS and ModelArts sources of one
   * account and project, so they hold one token instead of three. Created per source if
   * not given; never module-level state.
   */
  tokenProvider?: HuaweiIamTokenProvider;
}

export function createHuaweiAuth(credentials: HuaweiCredentials, options: HuaweiAuthOptions): HuaweiAuth {
  const now = options.now ?? Date.now;

  if (credentials.type === 'aksk') {
    const signer = new HuaweiAkSkSigner({
      accessKey: credentials.accessKey,
      secretKey: credentials.secretKey,
      now: () => new Date(now()),
    });
    return {
      authorize(request) {
        // Project-scoped calls name the project in a header, and it is signed with the rest.
        request.headers['x-project-id'] = options.projectId;
        signer.sign(request);
        return Promise.resolve();
      },
      // A refused signature is refused again: the keys or the clock are wrong, and a new
      // signature from the same keys and clock changes nothing.
      onUnauthorized: () => Promise.resolve(false),
    };
  }

  const provider =
    options.tokenProvider ??
    new HuaweiIamTokenProvider({
      sourceName: options.sourceName,
      policy: options.policy,
      credentials,
      now,
      ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
  return {
    async authorize(request, calls) {
      request.headers['x-auth-token'] = await provider.getToken(calls);
    },
    // A token can be revoked before it expires (password change, user disabled). Drop the
    // one that was refused and let the request go once more with a fresh one; if that one is
    // refused too, the credentials are wrong and the 401 stands.
    onUnauthorized(request) {
      provider.invalidate(request?.headers['x-auth-token']);
      return Promise.resolve(true);
    },
  };
}
