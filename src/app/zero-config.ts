/**
 * Zero-configuration start: `portcullis serve` with no root, upstream or key makes a data
 * directory with a sample file; the store-backed composition (src/app/store-backed.ts) creates the
 * signing key straight into the store as configuration "Default" — encrypted, never as a
 * plaintext file — so the first run already shows a refusal and a working signed download.
 * Its public key is offered only live (the JWKS on the content listener, the admin API), never
 * as a file: a file goes stale the moment "Default" is rotated or deleted.
 */

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where the content listener publishes the public keys of enabled configurations (jwks-extension). */
const JWKS_PATH = '/.well-known/jwks.json';

/** Name of the sample file written into `<data>/content`. */
export const SAMPLE_NAME = 'welcome.txt';

const SAMPLE_TEXT = `Welcome to Portcullis.

You downloaded this file with a valid token. Put your .ipa, .pkg, .epub and .pdf files
next to it (in the content directory) and hand out signed URLs, or let Jamf Pro sign them.
`;

/** Paths made (or found) by {@link prepareZeroConfig}. */
export interface ZeroConfigLayout {
  dataDir: string;
  root: string;
  /**
   * Where versions before issue 10 kept the private key in plaintext. It is imported once (if
   * the store never had the zero-config key) and then deleted; nothing writes it any more.
   */
  legacyPrivateKeyPath: string;
  /**
   * Where versions before fixmisc wrote the public key of "Default" as first created. It went
   * stale on rotation, so it is deleted at every start and nothing writes it any more.
   */
  legacyPublicKeyPath: string;
  samplePath: string;
}

/** Creates (if missing) `<data>/keys/` (0700), `<data>/content/` and `<data>/content/welcome.txt`. */
export async function prepareZeroConfig(dataDir: string): Promise<ZeroConfigLayout> {
  const data = resolve(dataDir);
  const keysDir = join(data, 'keys');
  const root = join(data, 'content');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await mkdir(root, { recursive: true });
  const samplePath = join(root, SAMPLE_NAME);
  if (!existsSync(samplePath)) await writeFile(samplePath, SAMPLE_TEXT);
  return {
    dataDir: data,
    root,
    legacyPrivateKeyPath: join(keysDir, 'portcullis-key.pem'),
    legacyPublicKeyPath: join(keysDir, 'portcullis-key.pub.pem'),
    samplePath,
  };
}

/** The sample file's plain URL under `baseUrl` (what {@link sampleInstructions} signs). */
export function sampleUrl(baseUrl: string): string {
  return `${baseUrl}/${SAMPLE_NAME}`;
}

/**
 * The curl lines that show a refusal and a download. `signed` is the sample URL signed with the
 * zero-config configuration (bound to the sample file by its path claim); null (deleted or
 * disabled since) leaves out the signed URL.
 */
export function sampleInstructions(
  layout: ZeroConfigLayout,
  baseUrl: string,
  signed: { url: string; expiresAt: string } | null,
  opts: { adminUrl?: string | null } = {},
): { signedUrl: string | null; text: string } {
  const plainUrl = sampleUrl(baseUrl);
  const signedUrl = signed?.url ?? null;
  const where = opts.adminUrl ? `the console (${opts.adminUrl}/admin)` : 'the admin console';
  const text = [
    '',
    'Portcullis is serving (zero-configuration start).',
    `  content directory : ${layout.root}`,
    '  signing key       : JWT configuration "Default" in the store (encrypted)',
    `  admin console     : ${opts.adminUrl ? `${opts.adminUrl}/admin` : 'not running (--no-admin)'}`,
    `  public keys (live): ${baseUrl}${JWKS_PATH} (for front servers; Jamf Pro takes the private key)`,
    '',
    `Refused without a token (401):\n  curl -i '${plainUrl}'`,
    signedUrl
      ? `Downloaded with a signed URL (valid until ${signed?.expiresAt}):\n  curl -i '${signedUrl}'`
      : 'No sample signed URL: the zero-config configuration "Default" was deleted or disabled.',
    `Sign more URLs in ${where}, or POST /api/v1/jwt-configurations/<id>/signed-urls.`,
    '',
  ].join('\n');
  return { signedUrl, text };
}
