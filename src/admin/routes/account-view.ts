/**
 * How the account routes show an account (never the password hash), and the rule that keeps
 * one enabled admin: without it nobody could sign in to the admin API again.
 */
import type { z } from 'zod';
import type { AccountRecord, Store } from '../../store/types.js';
import { AdminError } from '../errors.js';
import type { AccountView } from '../schemas.js';

/** The API view of an account (never the password hash). */
export function accountView(a: AccountRecord): z.infer<typeof AccountView> {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    disabled: a.disabled,
    mustChangePassword: a.mustChangePassword,
    createdAt: a.createdAt,
    lastLoginAt: a.lastLoginAt,
  };
}

/** Refuses (CONFLICT) to demote, disable or delete the last enabled admin. */
export async function assertNotLastAdmin(store: Store, target: AccountRecord): Promise<void> {
  if (target.role !== 'admin' || target.disabled) return;
  const admins = (await store.accounts.list()).filter((a) => a.role === 'admin' && !a.disabled);
  if (admins.length <= 1) {
    throw new AdminError(
      'CONFLICT',
      'This is the last enabled admin account; create another admin first.',
    );
  }
}
