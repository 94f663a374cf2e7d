/**
 * First start: when no account exists, create `admin` with a random one-time password that
 * must be changed at first login. The caller prints it once to stderr as a banner — it is
 * never written to the JSON log or stored anywhere in plain text.
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';
import { hashPassword } from './passwords.js';
import type { Store } from './types.js';

/**
 * Creates the first admin when the store has no accounts.
 * @returns the one-time credentials, or null when accounts already exist (or another
 *   process created the first admin at the same moment).
 */
export async function ensureFirstAdmin(
  store: Store,
): Promise<{ username: 'admin'; password: string } | null> {
  if ((await store.accounts.count()) > 0) return null;
  // 18 random bytes → 24 base64url characters (144 bits), well over the 12-character minimum.
  const password = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(password);
  try {
    const created = await store.transaction(async () => {
      if ((await store.accounts.count()) > 0) return false;
      await store.accounts.create({
        username: 'admin',
        passwordHash,
        role: 'admin',
        disabled: false,
        mustChangePassword: true,
      });
      await store.changes.record({
        actor: 'system',
        action: 'account.create',
        targetType: 'account',
        targetId: 'admin',
        details: { reason: 'first start', role: 'admin' },
      });
      return true;
    });
    return created ? { username: 'admin', password } : null;
  } catch (err) {
    if (err instanceof StoreError && err.code === 'STORE_CONFLICT') return null;
    throw err;
  }
}
