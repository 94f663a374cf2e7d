/**
 * The credential checks of the session endpoints: HTTP Basic parsing, the local-session test,
 * and password attempts reserved with the throttle (per username and per client address) before
 * any hashing, settled by what the check found.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import type { Attempt, SignInThrottle } from '../auth/throttle-policy.js';
import { AdminError } from '../errors.js';

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

/** A principal from a local session (external JWT servers' callers have no session here). */
export type LocalPrincipal = Principal & {
  jti: string;
  exp: number;
  accountId: string;
  sessionEpoch: number;
  authTime: number;
};

/** The caller as a local session, or FORBIDDEN for callers from external JWT servers. */
export function localPrincipal(request: FastifyRequest, action: string): LocalPrincipal {
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
export async function reserveAttempt(
  throttle: SignInThrottle,
  username: string,
  address: string,
): Promise<Attempt> {
  const reservation = await throttle.reserve(username, address);
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
export async function underAttempt(
  attempt: Attempt,
  check: () => Promise<boolean>,
): Promise<boolean> {
  let ok: boolean;
  try {
    ok = await check();
  } catch (err) {
    // The check's own error is the answer; an unsettled shared reservation expires by itself.
    await Promise.resolve()
      .then(() => attempt.cancel())
      .catch(() => {});
    throw err;
  }
  // A verdict that cannot be recorded (database away) fails the request: closed, not open.
  if (ok) await attempt.succeed();
  else await attempt.fail();
  return ok;
}
