/**
 * Session endpoints in the Jamf Pro API pattern: Basic credentials → 30-minute bearer token,
 * keep-alive (new token, old one revoked), invalidate, who-am-I, and change password
 * (auth-password.ts). Every password attempt is reserved with the throttle (per username and per
 * client address) before it is hashed; unknown users cost the same time as known ones. Sessions
 * are bound to the account id and its session epoch, and keep-alive never passes the absolute
 * lifetime.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountRecord } from '../../store/types.js';
import { checkPassword, hashNewPassword } from '../auth/password-work.js';
import type { SessionKey } from '../auth/session-tokens.js';
import type { SignInThrottle } from '../auth/throttle-policy.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { TokenView, WhoAmIView } from '../schemas.js';
import { basicCredentials, localPrincipal, reserveAttempt, underAttempt } from './auth-attempts.js';
import { changePasswordRoute } from './auth-password.js';
import { sessionIssuer } from './auth-sessions.js';

export { basicCredentials } from './auth-attempts.js';

const TAGS = ['auth'];

/** Options of {@link authRoutes}. */
export interface AuthRoutesOptions extends RouteDeps {
  throttle: SignInThrottle;
  sessionKey: () => Promise<SessionKey>;
}

/** Registers /api/v1/auth routes. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, deps) => {
  const { store, throttle, now } = deps;
  const sessions = sessionIssuer(deps);
  const signedIn = {
    preHandler: deps.guards.authenticate,
    config: { allowDuringPasswordChange: true },
  };
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashNewPassword(randomBytes(24).toString('base64url')).catch((err) => {
      dummyHash = undefined;
      throw err;
    });
    return dummyHash;
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
      const attempt = await reserveAttempt(throttle, username, request.ip);
      let account: AccountRecord | undefined;
      const ok = await underAttempt(attempt, async () => {
        account = await store.accounts.getByUsername(username);
        // Verify even for unknown users so timing does not reveal which usernames exist.
        const matches = await checkPassword(password, account?.passwordHash ?? (await dummy()));
        return matches && account !== undefined && !account.disabled;
      });
      if (!ok || !account) throw new AdminError('INVALID_CREDENTIALS');
      await store.accounts.update(account.id, { lastLoginAt: new Date(now()).toISOString() });
      return sessions.newSession(account);
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
      await store.revokedTokens.revoke(principal.jti, principal.exp);
      // Same session: same account, epoch and start, so the absolute lifetime still counts.
      return sessions.tokenView({
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
      await store.revokedTokens.revoke(principal.jti, principal.exp);
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

  await app.register(changePasswordRoute, { ...deps, sessions });
};
