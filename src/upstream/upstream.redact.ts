import { UpstreamError } from './upstream.errors.js';

/**
 * Keeps a source's credentials out of the errors its client throws. An error's message and
 * the vendor's message travel to GraphQL clients (`errors[]`, `sources[].error`) and into
 * logs, and they quote what the upstream answered: an upstream that echoes a key, a token
 * or the Authorization header it was sent would otherwise hand it to every caller.
 *
 * Exact matching, of each secret and of the encodings a client puts on the wire (Basic
 * auth's base64, percent-encoding). Secrets shorter than MIN_LENGTH are left alone: no real
 * credential is that short, and masking two letters would garble every message.
 */
const MIN_LENGTH = 4;
const MASK = '[redacted]';

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (secret === undefined || secret.length < MIN_LENGTH) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
      all.add(Buffer.from(secret, 'utf8').toString('base64'));
    }
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = [...all].filter((secret) => secret.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
  }

  text(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  /**
   * The error itself when it carries no secret, else a copy without them. The copy drops
   * the cause: a cause (a parse error of the body, a socket error) may quote the same text,
   * and nothing outside the core reads it.
   */
  error(error: UpstreamError): UpstreamError {
    if (this.secrets.length === 0) return error;
    const message = this.text(error.message);
    const upstreamMessage = error.upstreamMessage === undefined ? undefined : this.text(error.upstreamMessage);
    const upstreamCode = error.upstreamCode === undefined ? undefined : this.text(error.upstreamCode);
    if (message === error.message && upstreamMessage === error.upstreamMessage && upstreamCode === error.upstreamCode) return error;
    return new UpstreamError({
      code: error.code,
      source: error.source,
      message,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(upstreamCode === undefined ? {} : { upstreamCode }),
      ...(upstreamMessage === undefined ? {} : { upstreamMessage }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
}
