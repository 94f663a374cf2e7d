/**
 * Session endpoints in the Jamf Pro API pattern: Basic credentials → 30-minute bearer token,
 * keep-alive (new token, old one revoked), invalidate, who-am-I, change password.
 * Failed sign-ins are throttled per username+IP; unknown users cost the same time as known ones.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { hashPassword, verifyPassword } from '../../store/passwords.js';
import type { Principal } from '../auth/authenticate.js';
import { issueSessionToken } from '../auth/session-tokens.js';
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

function localPrincipal(
  request: FastifyRequest,
  action: string,
): Principal & { jti: string; exp: number } {
  const principal = request.principal!;
  if (principal.source !== 'local' || !principal.jti || principal.exp === undefined) {
    throw new AdminError(
      'FORBIDDEN',
      `Tokens from external JWT servers cannot ${action}; ask their issuer.`,
    );
  }
  return principal as Principal & { jti: string; exp: number };
}

/** Registers /api/v1/auth routes. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { throttle, sessionKey, now } = app.adminServices;
  const nowSec = () => Math.floor(now() / 1000);
  const signedIn = { preHandler: app.authenticate, config: { allowDuringPasswordChange: true } };
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
    return dummyHash;
  };
  const tokenView = async (username: string, role: 'admin' | 'read-only') => {
    const issued = await issueSessionToken(await sessionKey(), username, role, nowSec());
    return { token: issued.token, expires: new Date(issued.exp * 1000).toISOString() };
  };

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
      const wait = throttle.retryAfter(username, request.ip);
      if (wait > 0) throw new AdminError('TOO_MANY_ATTEMPTS', undefined, { retryAfter: wait });
      const account = await app.store.accounts.getByUsername(username);
      // Verify even for unknown users so timing does not reveal which usernames exist.
      const ok = await verifyPassword(password, account?.passwordHash ?? (await dummy()));
      if (!account || !ok || account.disabled) {
        throttle.fail(username, request.ip);
        throw new AdminError('INVALID_CREDENTIALS');
      }
      throttle.succeed(username, request.ip);
      await app.store.accounts.update(account.id, { lastLoginAt: new Date(now()).toISOString() });
      return tokenView(account.username, account.role);
    },
  );

  app.post(
    '/api/v1/auth/keep-alive',
    {
      ...signedIn,
      schema: {
        summary: 'Get a new token and invalidate the current one',
        tags: TAGS,
        response: { 200: TokenView },
      },
    },
    async (request) => {
      const principal = localPrincipal(request, 'be kept alive here');
      await app.store.revokedTokens.revoke(principal.jti, principal.exp);
      return tokenView(principal.username, principal.role);
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
        summary: 'Change your own password (required after a one-time password)',
        tags: TAGS,
        body: ChangePasswordBody,
      },
    },
    async (request, reply) => {
      const principal = localPrincipal(request, 'change a password here');
      const body = request.body as z.infer<typeof ChangePasswordBody>;
      const wait = throttle.retryAfter(principal.username, request.ip);
      if (wait > 0) throw new AdminError('TOO_MANY_ATTEMPTS', undefined, { retryAfter: wait });
      const account = await app.store.accounts.getByUsername(principal.username);
      if (!account || !(await verifyPassword(body.currentPassword, account.passwordHash))) {
        throttle.fail(principal.username, request.ip);
        throw new AdminError('INVALID_CREDENTIALS', 'The current password is wrong.');
      }
      if (body.currentPassword === body.newPassword) {
        throw new AdminError(
          'VALIDATION_FAILED',
          'The new password must differ from the current one.',
          {
            errors: [{ path: 'newPassword', message: 'must differ from the current password' }],
          },
        );
      }
      const passwordHash = await hashPassword(body.newPassword);
      await app.store.transaction(async () => {
        await app.store.accounts.update(account.id, { passwordHash, mustChangePassword: false });
        await app.recordChange(request, 'account.change-password', 'account', account.id, {
          username: account.username,
        });
      });
      return reply.code(204).send();
    },
  );
}
