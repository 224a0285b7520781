/**
 * Who the bk-repo emulator lets in (docs/vendors/bkrepo.md). Its own verifier, sharing nothing with
 * the client: Basic with a password or a user token, and Platform (an app's access key and
 * secret key, acting for the user named in `X-BKREPO-UID`). Reading the operation log needs
 * admin, or MANAGE permission on the project.
 */

export interface BkRepoUser {
  userId: string;
  password: string;
  /** Personal access tokens; each works in place of the password. */
  tokens: string[];
  admin: boolean;
  /** Projects this user may MANAGE. */
  manage: string[];
}

export interface BkRepoPlatformAccount {
  accessKey: string;
  secretKey: string;
}

export interface BkRepoAccounts {
  users: BkRepoUser[];
  platforms: BkRepoPlatformAccount[];
}

export const DEMO_BKREPO_ACCOUNTS: Readonly<BkRepoAccounts> = Object.freeze({
  users: [
    { userId: 'admin', password: 'Admin#Bkrepo1', tokens: [], admin: true, manage: [] },
    { userId: 'demo-user', password: 'Demo#Bkrepo1', tokens: ['bkrepo-demo-token-0001'], admin: false, manage: ['test'] },
    { userId: 'guest', password: 'Guest#Bkrepo1', tokens: [], admin: false, manage: [] },
  ],
  platforms: [{ accessKey: 'bkrepo-demo-ak', secretKey: 'bkrepo-demo-sk-0001' }],
});

export type AuthResult =
  | { ok: true; userId: string; via: 'basic' | 'platform' }
  | { ok: false; reason: string };

export function authenticate(accounts: BkRepoAccounts, authorization: string | undefined, uid: string | undefined): AuthResult {
  if (!authorization) return { ok: false, reason: 'Authorization header is missing' };
  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? authorization : authorization.slice(0, space);
  const decoded = decodeBase64Pair(space < 0 ? '' : authorization.slice(space + 1).trim());
  if (/^basic$/i.test(scheme)) {
    if (!decoded) return { ok: false, reason: 'malformed Basic credentials' };
    const user = accounts.users.find((u) => u.userId === decoded.left);
    if (!user || (user.password !== decoded.right && !user.tokens.includes(decoded.right))) {
      return { ok: false, reason: 'wrong user name, password or token' };
    }
    return { ok: true, userId: user.userId, via: 'basic' };
  }
  if (/^platform$/i.test(scheme)) {
    if (!decoded) return { ok: false, reason: 'malformed Platform credentials' };
    const platform = accounts.platforms.find((p) => p.accessKey === decoded.left);
    if (!platform || platform.secretKey !== decoded.right) return { ok: false, reason: 'wrong access key or secret key' };
    if (!uid) return { ok: false, reason: 'Platform authentication needs the X-BKREPO-UID header' };
    return { ok: true, userId: uid, via: 'platform' };
  }
  return { ok: false, reason: `unsupported authorization scheme "${scheme}"` };
}

/** A platform acts for any user id; one the emulator does not know has no permission. */
export function canManage(accounts: BkRepoAccounts, userId: string, projectId: string): boolean {
  const user = accounts.users.find((u) => u.userId === userId);
  return user !== undefined && (user.admin || user.manage.includes(projectId));
}

function decodeBase64Pair(text: string): { left: string; right: string } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const plain = Buffer.from(text, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  if (colon <= 0) return null;
  return { left: plain.slice(0, colon), right: plain.slice(colon + 1) };
}
