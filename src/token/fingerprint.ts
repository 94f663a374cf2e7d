/**
 * The portable token fingerprint: what logs and the audit trail carry instead of a token. The
 * Node entry's synchronous `tokenFingerprint` (node.ts) computes the same value with node:crypto.
 */

/**
 * First 16 hex chars of sha256(token) via crypto.subtle: safe to log; equals the Node entry's
 * `tokenFingerprint`.
 * @example log.info({ token: await tokenFingerprintAsync(token) })
 */
export async function tokenFingerprintAsync(token: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(token) as Uint8Array<ArrayBuffer>,
  );
  let hex = '';
  for (const byte of new Uint8Array(digest, 0, 8)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
