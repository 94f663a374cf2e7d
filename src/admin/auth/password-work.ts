/**
 * Password hashing and checking for the admin routes, through the store's dedicated hasher
 * thread. A full hasher queue becomes PASSWORD_HASHING_BUSY (503 with Retry-After): load is
 * shed at once instead of queueing sign-ins behind each other.
 */
import { isPortcullisError } from '../../errors/base.js';
import { hashPassword, verifyPassword } from '../../store/passwords.js';
import { AdminError } from '../errors.js';

async function shedWhenBusy<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isPortcullisError(err) && err.code === 'STORE_PASSWORD_HASHER_BUSY') {
      throw new AdminError('PASSWORD_HASHING_BUSY', undefined, { extra: { retryAfter: 1 } });
    }
    throw err;
  }
}

/** Hashes a new password; PASSWORD_HASHING_BUSY when the hasher is saturated. */
export function hashNewPassword(password: string): Promise<string> {
  return shedWhenBusy(hashPassword(password));
}

/** Checks a password against a stored hash; PASSWORD_HASHING_BUSY when the hasher is saturated. */
export function checkPassword(password: string, hash: string): Promise<boolean> {
  return shedWhenBusy(verifyPassword(password, hash));
}
