/**
 * The secret check for stores shared by several nodes. With SQLite the check value sits in the
 * data directory next to the database (`secret.ts`); with PostgreSQL every node has its own
 * data directory, so the value lives in the database itself (settings key `secret.check`). A
 * node started with another secret is refused with STORE_SECRET_MISMATCH before it serves.
 */
import { StoreError } from './errors.js';
import { decryptSecret, encryptSecret } from './secret.js';
import type { Store } from './types.js';

/** Settings key of the check value. */
export const SECRET_CHECK_SETTING = 'secret.check';
const CHECK_CONTEXT = 'portcullis:secret-check';

function assertDecrypts(secret: Uint8Array, check: string): void {
  try {
    decryptSecret(secret, check, CHECK_CONTEXT);
  } catch (err) {
    throw new StoreError(
      'STORE_SECRET_MISMATCH',
      'The store secret does not match the one this database was created with: give every node the same PORTCULLIS_SECRET (or secret.key).',
      { cause: err },
    );
  }
}

/**
 * Refuses a secret that does not decrypt the database's check value; writes the check on
 * first use. Two nodes racing on an empty database with different secrets: both write, both
 * re-read, and the one whose value was overwritten is refused.
 */
export async function verifySecretInStore(store: Store, secret: Uint8Array): Promise<void> {
  const existing = await store.settings.get(SECRET_CHECK_SETTING);
  if (existing === undefined) {
    await store.settings.set(
      SECRET_CHECK_SETTING,
      encryptSecret(secret, 'portcullis', CHECK_CONTEXT),
    );
  }
  assertDecrypts(secret, (await store.settings.get(SECRET_CHECK_SETTING)) ?? '');
}
