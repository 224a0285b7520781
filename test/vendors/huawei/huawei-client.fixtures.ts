import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import type { ReceivedRequest } from '../../upstream/test-server.js';

/**
 * Setup shared by the HSS and CSMS client tests: AK/SK credentials, a quick HTTP policy, a
 * fixed clock, and the official SDK's signature to compare ours with.
 */

export const AK = 'AKEXAMPLE';
export const SK = 'SKEXAMPLE';
export const http = { timeoutMs: 2_000, retries: 0, retryBaseDelayMs: 10, retryMaxDelayMs: 100, concurrency: 4 };
export const fixedNow = () => Date.UTC(2024, 0, 1, 0, 0, 0);

/** The official SDK's Authorization for the request as the server received it. */
export function officialAuthorization(req: ReceivedRequest, baseUrl: string): string {
  const url = new URL(req.url, baseUrl);
  // The headers our signer signed, as the SDK would be handed them (it adds host itself and
  // reads X-Sdk-Date case-sensitively).
  const signed = /SignedHeaders=([^,]+)/.exec(String(req.headers['authorization']))?.[1]?.split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signed) {
    if (name !== 'host') headers[name === 'x-sdk-date' ? 'X-Sdk-Date' : name] = String(req.headers[name]);
  }
  const result = AKSKSigner.sign(
    {
      endpoint: `${baseUrl}${url.pathname}`,
      method: req.method,
      queryParams: Object.fromEntries(url.searchParams),
      headers,
    },
    { getAk: () => AK, getSk: () => SK } as unknown as ICredential,
  ) as Record<string, string>;
  return result['Authorization'] ?? '';
}
