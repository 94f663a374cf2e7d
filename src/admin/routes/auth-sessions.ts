/**
 * Issuing session tokens for the auth routes: a new session starts now at the account's current
 * session epoch; keep-alive continues one (same start, so the absolute lifetime still counts).
 */
import type { AccountRecord, Store } from '../../store/types.js';
import { sessionMaxSeconds } from '../auth/session-lifetime.js';
import { issueSessionToken, type SessionKey, type SessionSubject } from '../auth/session-tokens.js';

/** Deps of the session issuer. */
export interface SessionIssuerDeps {
  store: Store;
  sessionKey: () => Promise<SessionKey>;
  now: () => number;
}

/** A session token in the Jamf Pro API shape. */
export interface TokenReply {
  token: string;
  expires: string;
}

/** Issues session tokens for `subject`s and new sessions for accounts. */
export function sessionIssuer(deps: SessionIssuerDeps) {
  const nowSec = () => Math.floor(deps.now() / 1000);
  const tokenView = async (subject: SessionSubject): Promise<TokenReply> => {
    const maxLifetime = await sessionMaxSeconds(deps.store);
    const issued = await issueSessionToken(await deps.sessionKey(), subject, nowSec(), maxLifetime);
    return { token: issued.token, expires: new Date(issued.exp * 1000).toISOString() };
  };
  return {
    nowSec,
    tokenView,
    /** A new session starts now, at the account's current epoch. */
    newSession: (account: AccountRecord) =>
      tokenView({
        accountId: account.id,
        username: account.username,
        role: account.role,
        epoch: account.sessionEpoch,
        authTime: nowSec(),
      }),
  };
}
