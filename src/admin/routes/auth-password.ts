/**
 * POST /api/v1/auth/change-password: a local account changes its own password (required after a
 * one-time password). The attempt is throttled like a sign-in; the new hash bumps the session
 * epoch, so every earlier token stops working and the caller continues with the token returned.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkPassword, hashNewPassword } from '../auth/password-work.js';
import type { SignInThrottle } from '../auth/throttle-policy.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { ChangePasswordBody, TokenView } from '../schemas.js';
import { fieldIssue } from '../validation.js';
import { localPrincipal, reserveAttempt, underAttempt } from './auth-attempts.js';
import type { sessionIssuer } from './auth-sessions.js';

/** Options of {@link changePasswordRoute}. */
export interface ChangePasswordOptions extends RouteDeps {
  throttle: SignInThrottle;
  sessions: ReturnType<typeof sessionIssuer>;
}

/** Registers POST /api/v1/auth/change-password. */
export const changePasswordRoute: FastifyPluginAsyncZod<ChangePasswordOptions> = async (
  app,
  deps,
) => {
  const { store, throttle, sessions } = deps;
  app.post(
    '/api/v1/auth/change-password',
    {
      preHandler: deps.guards.authenticate,
      config: { allowDuringPasswordChange: true },
      schema: {
        summary:
          'Change your own password (required after a one-time password); ends every other session and returns a token for a new one',
        tags: ['auth'],
        body: ChangePasswordBody,
        response: { 200: TokenView },
      },
    },
    async (request) => {
      const principal = localPrincipal(request, 'change a password here');
      const { body } = request;
      const attempt = await reserveAttempt(throttle, principal.username, request.ip);
      const account = await store.accounts.get(principal.accountId);
      const ok = await underAttempt(
        attempt,
        async () => !!account && (await checkPassword(body.currentPassword, account.passwordHash)),
      );
      if (!ok || !account) {
        throw new AdminError('INVALID_CREDENTIALS', 'The current password is wrong.');
      }
      if (body.currentPassword === body.newPassword) {
        const issue = fieldIssue('newPassword', 'must differ from the current password');
        throw new AdminError('VALIDATION_FAILED', issue.message, { extra: { errors: [issue] } });
      }
      const passwordHash = await hashNewPassword(body.newPassword);
      const updated = await store.transaction(async () => {
        const result = await store.accounts.update(account.id, {
          passwordHash,
          mustChangePassword: false,
        });
        if (!result) throw new AdminError('UNAUTHENTICATED', 'The account no longer exists.');
        await deps.recordChange(request, 'account.change-password', 'account', account.id, {
          username: account.username,
        });
        return result;
      });
      return sessions.newSession(updated);
    },
  );
};
