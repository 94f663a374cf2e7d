/**
 * Session endpoints in the Jamf Pro API pattern: Basic credentials → 30-minute bearer token,
 * keep-alive (new token, old one revoked), invalidate, who-am-I, change password.
 * Every password attempt is reserved with the throttle (per username and per client address)
 * before it is hashed; unknown users cost the same time as known ones. Sessions are bound to
 * the account id and its session epoch, and keep-alive never passes the absolute lifetime.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AccountRecord } from '../../store/types.js';
import type { Principal } from '../auth/authenticate.js';
import { checkPassword, hashNewPassword } from '../auth/password-work.js';
import { sessionMaxSeconds } from '../auth/session-lifetime.js';
import { issueSessionToken, type SessionSubject } from '../auth/session-tokens.js';
import type { Attempt, LoginThrottle } from '../auth/throttle.js';
import { AdminError } from '../errors.js';
import { ChangePasswordBody, TokenView, WhoAmIView } from '../schemas.js';

const TAGS = ['auth'];
const MAX_CREDENTIAL_LENGTH = 2048;

/** Parses `Authorization: Basic …` into username and password, or throws UNAUTHENTICATED. */
export function basicCredentials(request: FastifyRequest): { username: string; password: string } {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header) : null;
  if (!match?.[1] || match[1].length > MAX_CREDENTIAL_LENGTH) {
    throw new AdminError(
      'UNAUTHENTICATED',
      'Send the username and password with HTTP Basic authentication.',
    );
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new AdminError('UNAUTHENTICATED', 'Malformed Basic credentials.');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

type LocalPrincipal = Principal & {
  jti: string;
  exp: number;
  accountId: string;
  sessionEpoch: number;
  authTime: number;
};

function localPrincipal(request: FastifyRequest, action: string): LocalPrincipal {
  const principal = request.principal!;
  if (
    principal.source !== 'local' ||
    !principal.jti ||
    principal.exp === undefined ||
    principal.accountId === undefined ||
    principal.sessionEpoch === undefined ||
    principal.authTime === undefined
  ) {
    throw new AdminError(
      'FORBIDDEN',
      `Tokens from external JWT servers cannot ${action}; ask their issuer.`,
    );
  }
  return principal as LocalPrincipal;
}

/** Reserves a password attempt before any hashing, or refuses with TOO_MANY_ATTEMPTS. */
function reserveAttempt(throttle: LoginThrottle, username: string, address: string): Attempt {
  const reservation = throttle.reserve(username, address);
  if ('retryAfter' in reservation) {
    throw new AdminError('TOO_MANY_ATTEMPTS', undefined, {
      extra: { retryAfter: reservation.retryAfter },
    });
  }
  return reservation.attempt;
}

/**
 * Runs one password check under a reserved attempt: settled as a failure when `check` says no,
 * as a success when it says yes, and not counted when no verdict was reached (busy hasher).
 */
async function underAttempt(attempt: Attempt, check: () => Promise<boolean>): Promise<boolean> {
  let ok: boolean;
  try {
    ok = await check();
  } catch (err) {
    attempt.cancel();
    throw err;
  }
  if (ok) attempt.succeed();
  else attempt.fail();
  return ok;
}

/** Registers /api/v1/auth routes. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { throttle, sessionKey, now } = app.adminServices;
  const nowSec = () => Math.floor(now() / 1000);
  const signedIn = { preHandler: app.authenticate, config: { allowDuringPasswordChange: true } };
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashNewPassword(randomBytes(24).toString('base64url')).catch((err) => {
      dummyHash = undefined;
      throw err;
    });
    return dummyHash;
  };
  const tokenView = async (subject: SessionSubject) => {
    const maxLifetime = await sessionMaxSeconds(app.store);
    const issued = await issueSessionToken(await sessionKey(), subject, nowSec(), maxLifetime);
    return { token: issued.token, expires: new Date(issued.exp * 1000).toISOString() };
  };
  // A new session starts now, at the account's current epoch.
  const newSession = (account: AccountRecord) =>
    tokenView({
      accountId: account.id,
      username: account.username,
      role: account.role,
      epoch: account.sessionEpoch,
      authTime: nowSec(),
    });

  app.post(
    '/api/v1/auth/token',
    {
      config: { public: true },
      schema: {
        summary: 'Exchange Basic credentials for a 30-minute bearer token',
        tags: TAGS,
        response: { 200: TokenView },
      },
    },
    async (request) => {
      const { username, password } = basicCredentials(request);
      const attempt = reserveAttempt(throttle, username, request.ip);
      let account: AccountRecord | undefined;
      const ok = await underAttempt(attempt, async () => {
        account = await app.store.accounts.getByUsername(username);
        // Verify even for unknown users so timing does not reveal which usernames exist.
        const matches = await checkPassword(password, account?.passwordHash ?? (await dummy()));
        return matches && account !== undefined && !account.disabled;
      });
      if (!ok || !account) throw new AdminError('INVALID_CREDENTIALS');
      await app.store.accounts.update(account.id, { lastLoginAt: new Date(now()).toISOString() });
      return newSession(account);
    },
  );

  app.post(
    '/api/v1/auth/keep-alive',
    {
      ...signedIn,
      schema: {
        summary: 'Get a new token and invalidate the current one (within the session lifetime)',
        tags: TAGS,
        response: { 200: TokenView },
      },
    },
    async (request) => {
      const principal = localPrincipal(request, 'be kept alive here');
      await app.store.revokedTokens.revoke(principal.jti, principal.exp);
      // Same session: same account, epoch and start, so the absolute lifetime still counts.
      return tokenView({
        accountId: principal.accountId,
        username: principal.username,
        role: principal.role,
        epoch: principal.sessionEpoch,
        authTime: principal.authTime,
      });
    },
  );

  app.post(
    '/api/v1/auth/invalidate-token',
    { ...signedIn, schema: { summary: 'Invalidate the current token', tags: TAGS } },
    async (request, reply) => {
      const principal = localPrincipal(request, 'be invalidated here');
      await app.store.revokedTokens.revoke(principal.jti, principal.exp);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/auth',
    { ...signedIn, schema: { summary: 'Who am I', tags: TAGS, response: { 200: WhoAmIView } } },
    async (request) => {
      const p = request.principal!;
      return {
        username: p.username,
        role: p.role,
        source: p.source,
        expires: p.exp === undefined ? null : new Date(p.exp * 1000).toISOString(),
        mustChangePassword: p.mustChangePassword,
      };
    },
  );

  app.post(
    '/api/v1/auth/change-password',
    {
      ...signedIn,
      schema: {
        summary:
          'Change your own password (required after a one-time password); ends every other session and returns a token for a new one',
        tags: TAGS,
        body: ChangePasswordBody,
        response: { 200: TokenView },
      },
    },
    async (request) => {
      const principal = localPrincipal(request, 'change a password here');
      const body = request.body as z.infer<typeof ChangePasswordBody>;
      const attempt = reserveAttempt(throttle, principal.username, request.ip);
      const account = await app.store.accounts.get(principal.accountId);
      const ok = await underAttempt(
        attempt,
        async () => !!account && (await checkPassword(body.currentPassword, account.passwordHash)),
      );
      if (!ok || !account) {
        throw new AdminError('INVALID_CREDENTIALS', 'The current password is wrong.');
      }
      if (body.currentPassword === body.newPassword) {
        throw new AdminError(
          'VALIDATION_FAILED',
          'The new password must differ from the current one.',
          {
            extra: {
              errors: [{ path: 'newPassword', message: 'must differ from the current password' }],
            },
          },
        );
      }
      const passwordHash = await hashNewPassword(body.newPassword);
      // The store bumps the session epoch with the new hash: every earlier token, this one
      // included, stops working, and the caller continues with the new session returned here.
      const updated = await app.store.transaction(async () => {
        const result = await app.store.accounts.update(account.id, {
          passwordHash,
          mustChangePassword: false,
        });
        if (!result) throw new AdminError('UNAUTHENTICATED', 'The account no longer exists.');
        await app.recordChange(request, 'account.change-password', 'account', account.id, {
          username: account.username,
        });
        return result;
      });
      return newSession(updated);
    },
  );
}
