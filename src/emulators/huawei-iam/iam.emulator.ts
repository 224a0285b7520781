import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { z } from 'zod';
import { huaweiAccount, type HuaweiAccount } from '../huawei/huawei-account.js';
import { createEmulatorApp, type EmulatorControls } from '../common/emulator.app.js';
import type { EmulatorHandle } from '../common/emulator.handle.js';
import { BadJsonError, readJson, sendJson, type VendorError } from '../common/emulator.http.js';
import { DEFAULT_FAULT_KNOBS, faultKnobsShape, KnobController, type FaultKnobs } from '../common/emulator.knobs.js';
import { DEFAULT_TOKEN_LIFETIME_MS, IamTokenStore, type IssuedToken } from './iam-token.store.js';

/**
 * Emulator of Huawei Cloud IAM's token API (Keystone v3 dialect), docs/vendors/huawei-modelarts.md, "Auth and signing":
 * - `POST /v3/auth/tokens` (password method, project scope) -> 201, token in `X-Subject-Token`
 * - `GET /v3/auth/tokens` (`X-Auth-Token` + `X-Subject-Token`) -> 200, the token's details
 * - `DELETE /v3/auth/tokens` (`X-Subject-Token`) -> 204, revoked
 * Errors use Keystone's body, `{"error":{"code","title","message"}}`, unlike the services'.
 */

export interface IamKnobs extends FaultKnobs {
  /** Lifetime of tokens issued from now on (24 h on the real service). */
  tokenLifetimeMs: number;
}

const iamKnobsPatchSchema = z
  .object({ ...faultKnobsShape, tokenLifetimeMs: z.number().int().min(1).max(366 * 24 * 3600 * 1000) })
  .partial()
  .strict();

export interface IamEmulatorOptions {
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  account?: HuaweiAccount;
  /** Default 24 h; also the `tokenLifetimeMs` knob's reset value. */
  tokenLifetimeMs?: number;
  /** Clock for issuing and expiring tokens; default Date.now. */
  now?: () => number;
  /** Seeds the `errorRate` draws. */
  seed?: number;
}

export interface IamEmulatorHandle extends EmulatorHandle, EmulatorControls<IamKnobs> {
  readonly name: 'huawei-iam';
  readonly account: HuaweiAccount;
  /** Pass to service emulators started in-process so they accept these tokens. */
  readonly tokens: IamTokenStore;
  /** Knobs and request log to defaults, and every token forgotten. */
  reset(): void;
}

const tokenRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({
        user: z.object({
          name: z.string().min(1),
          password: z.string().min(1),
          domain: z.object({ name: z.string().min(1) }),
        }),
      }),
    }),
    scope: z.object({
      project: z
        .object({ name: z.string().min(1).optional(), id: z.string().min(1).optional() })
        .refine((p) => p.name !== undefined || p.id !== undefined, 'scope.project needs a name or an id'),
    }),
  }),
});

export function keystoneError(status: number, message: string): VendorError {
  return { status, body: { error: { code: status, title: STATUS_CODES[status] ?? 'Error', message } } };
}

/** Huawei IAM prints times with microseconds, e.g. `2024-01-02T00:00:00.000000Z`. */
export function iamTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '000Z');
}

export async function startIamEmulator(options: IamEmulatorOptions = {}): Promise<IamEmulatorHandle> {
  const account = options.account ?? huaweiAccount();
  const lifetime = options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
  const tokens = new IamTokenStore({ lifetimeMs: lifetime, ...(options.now ? { now: options.now } : {}) });
  const { app, knobs, listen } = createEmulatorApp<IamKnobs>({
    knobs: new KnobController<IamKnobs>(
      { ...DEFAULT_FAULT_KNOBS, tokenLifetimeMs: lifetime },
      (input) => iamKnobsPatchSchema.parse(input) as Partial<IamKnobs>,
    ),
    faultSeed: (options.seed ?? 1) ^ 0x1a3,
    errorFor: (status) => keystoneError(status, STATUS_CODES[status] ?? 'Error'),
    injectedErrorFor: (status) => keystoneError(status, STATUS_CODES[status] ?? 'Injected failure'),
    notFound: () => keystoneError(404, 'The resource could not be found.'),
    resetData: () => tokens.clear(),
  });

  app.post('/v3/auth/tokens', (req, res) => {
    let body: z.infer<typeof tokenRequestSchema>;
    try {
      const parsed = tokenRequestSchema.safeParse(readJson(req));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        sendKeystone(res, 400, `The request body is invalid: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'bad shape'}`);
        return;
      }
      body = parsed.data;
    } catch (error) {
      if (error instanceof BadJsonError) {
        sendKeystone(res, 400, `The request body is invalid: ${error.message}`);
        return;
      }
      throw error;
    }
    const { identity, scope } = body.auth;
    if (!identity.methods.includes('password')) {
      sendKeystone(res, 400, 'Only the "password" identity method is supported here');
      return;
    }
    const { user: claimed } = identity.password;
    const user = account.users.find((u) => u.name === claimed.name);
    if (claimed.domain.name !== account.domainName || !user || user.password !== claimed.password) {
      // One message for every wrong field, as IAM does, so it cannot be used to probe names.
      sendKeystone(res, 401, 'The username or password is wrong.');
      return;
    }
    const projectOk =
      (scope.project.name === undefined || scope.project.name === account.projectName) &&
      (scope.project.id === undefined || scope.project.id === account.projectId);
    if (!projectOk) {
      sendKeystone(res, 401, `The project ${scope.project.name ?? scope.project.id} does not exist or is not accessible.`);
      return;
    }
    const issued = tokens.issue(
      {
        projectId: account.projectId,
        projectName: account.projectName,
        userName: user.name,
        userId: user.id,
        domainName: account.domainName,
        domainId: account.domainId,
      },
      knobs.get().tokenLifetimeMs,
    );
    sendJson(res, 201, tokenBody(issued), { 'X-Subject-Token': issued.value });
  });

  app.get('/v3/auth/tokens', (req, res) => {
    const caller = req.get('x-auth-token');
    if (!caller || !tokens.validate(caller).ok) {
      sendKeystone(res, 401, 'The request you have made requires authentication.');
      return;
    }
    const subject = tokens.lookup(req.get('x-subject-token') ?? '');
    if (!subject) {
      sendKeystone(res, 404, 'Could not find token.');
      return;
    }
    sendJson(res, 200, tokenBody(subject), { 'X-Subject-Token': subject.value });
  });

  app.delete('/v3/auth/tokens', (req, res) => {
    // The real IAM also wants an X-Auth-Token; accepting the subject alone lets a client
    // revoke its own token, and a caller token that is sent must still be valid.
    const caller = req.get('x-auth-token');
    if (caller !== undefined && !tokens.validate(caller).ok) {
      sendKeystone(res, 401, 'The request you have made requires authentication.');
      return;
    }
    const subject = req.get('x-subject-token');
    if (!subject) {
      sendKeystone(res, 400, 'X-Subject-Token header is required.');
      return;
    }
    if (!tokens.lookup(subject) || !tokens.revoke(subject)) {
      sendKeystone(res, 404, 'Could not find token.');
      return;
    }
    res.status(204).end();
  });

  return { name: 'huawei-iam', ...(await listen(options)), account, tokens };

  function tokenBody(token: IssuedToken) {
    return {
      token: {
        expires_at: iamTime(token.expiresAt),
        issued_at: iamTime(token.issuedAt),
        methods: ['password'],
        catalog: [],
        roles: [{ name: 'te_admin', id: '0' }],
        project: { name: token.projectName, id: token.projectId, domain: { name: token.domainName, id: token.domainId } },
        user: {
          name: token.userName,
          id: token.userId,
          domain: { name: token.domainName, id: token.domainId },
          password_expires_at: '',
        },
      },
    };
  }
}

function sendKeystone(res: Response, status: number, message: string): void {
  const error = keystoneError(status, message);
  sendJson(res, error.status, error.body);
}

