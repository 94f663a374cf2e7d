// Throw-away TLS certificates made by the openssl CLI (installed by .ci/run), for HTTPS tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes `<name>.crt` and `<name>.key` (self-signed, RSA 2048, one day) into `dir`. With `ip`, the
 * certificate names that address (subjectAltName), so clients can verify it against a CA list.
 */
export function selfSignedCertificate(
  dir: string,
  name: string,
  opts: { ip?: string } = {},
): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const san = opts.ip ? ['-addext', `subjectAltName=IP:${opts.ip}`] : [];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'].concat([
      '-subj',
      `/CN=${opts.ip ?? name}`,
      ...san,
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { stdio: 'ignore' },
  );
  return { cert, key };
}
