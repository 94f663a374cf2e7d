/**
 * How a caller is named in the change log: the account's username, or for a token from an
 * external JWT server its namespaced name (`jwt-server:<server name>/<claim value>`, never a
 * local username) plus the server id, so a CI system's actions stay traceable to the server
 * that vouched for it even after that server is renamed.
 */
import type { Principal } from './auth/authenticate.js';

/** The change-log actor of a principal ('anonymous' when there is none). */
export function actorOf(principal: Principal | null): string {
  if (!principal) return 'anonymous';
  return principal.source === 'external'
    ? `${principal.username} (id ${principal.serverId})`
    : principal.username;
}
