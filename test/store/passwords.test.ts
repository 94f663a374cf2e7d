/** Password hashing: format, verification, policy and hostile hash strings. */
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/store/passwords.js';

describe('hashPassword / verifyPassword', () => {
  it('produces a self-describing scrypt string that verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const hash = await hashPassword('pässwörd-long-enough');
    expect(await verifyPassword('pa\u0308sswo\u0308rd-long-enough', hash)).toBe(true);
  });

  it('refuses passwords under 12 characters with a clear message', async () => {
    const err = await hashPassword('elevenchars').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STORE_PASSWORD_TOO_SHORT', status: 400 });
    expect((err as Error).message).toMatch(/at least 12 characters/);
    // Code points, not UTF-16 units: 6 emoji are 6 characters.
    await expect(hashPassword('🔑'.repeat(6))).rejects.toMatchObject({
      code: 'STORE_PASSWORD_TOO_SHORT',
    });
    await expect(hashPassword('x'.repeat(1025))).rejects.toMatchObject({
      code: 'STORE_PASSWORD_TOO_LONG',
    });
  });

  it('returns false (never throws) for malformed or resource-exhausting hash strings', async () => {
    const salt = 'A'.repeat(22);
    const key = 'B'.repeat(43);
    for (const bad of [
      '',
      'bcrypt$2b$10$abc',
      `scrypt$32768$8$1$${salt}`,
      `scrypt$1073741824$8$1$${salt}$${key}`, // N = 2^30 would need 1 TiB
      `scrypt$1000$8$1$${salt}$${key}`, // not a power of two
      `scrypt$32768$64$1$${salt}$${key}`,
      `scrypt$32768$8$1$${salt}$${key}$extra`,
    ]) {
      expect(await verifyPassword('correct horse battery', bad)).toBe(false);
    }
  });
});
