/**
 * Change-log details must never carry secrets: keys whose names look secret are replaced,
 * and PEM blocks are cut out of any string value.
 */

const SECRET_KEY = /pem|passphrase|password|secret|private|token|key$/i;
const PEM_BLOCK = /-----BEGIN [^-]+-----[\s\S]*?(-----END [^-]+-----|$)/g;

/** Returns a copy of `details` with secret-looking fields redacted (recursively, bounded depth). */
export function redactDetails(
  details: Record<string, unknown>,
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key) && key !== 'publicKey') {
      out[key] = '[redacted]';
    } else if (typeof value === 'string') {
      out[key] = value.replace(PEM_BLOCK, '[pem redacted]');
    } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
      out[key] = redactDetails(value as Record<string, unknown>, depth + 1);
    } else {
      out[key] = value;
    }
  }
  return out;
}
