/**
 * Zero-configuration start: `portcullis serve` with no root, upstream or key creates a data
 * directory with an RS256 key pair and a sample file, so the first run already shows a
 * refusal and a working signed download.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateRsaKeyPair,
  loadPrivateKeyFile,
  writePrivateKeyFile,
  writePublicFile,
} from '../keys/index.js';
import { PATH_CLAIM } from '../token/claims.js';
import { signToken } from '../token/sign.js';
import { addTokenToUrl } from '../token/url.js';

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
  privateKeyPath: string;
  publicKeyPath: string;
  samplePath: string;
  /** True when this call created the key pair. */
  createdKeys: boolean;
}

/** Creates (if missing) `<data>/keys/portcullis-key.pem` (0600), its `.pub.pem`, and `<data>/content/welcome.txt`. */
export async function prepareZeroConfig(dataDir: string): Promise<ZeroConfigLayout> {
  const data = resolve(dataDir);
  const keysDir = join(data, 'keys');
  const root = join(data, 'content');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await mkdir(root, { recursive: true });
  const privateKeyPath = join(keysDir, 'portcullis-key.pem');
  const publicKeyPath = join(keysDir, 'portcullis-key.pub.pem');
  let createdKeys = false;
  if (!existsSync(privateKeyPath)) {
    const { privateKey, publicKey } = await generateRsaKeyPair(2048);
    await writePrivateKeyFile(privateKeyPath, exportPrivateKeyPem(privateKey));
    await writePublicFile(publicKeyPath, exportPublicKeyPem(publicKey), { force: true });
    createdKeys = true;
  } else if (!existsSync(publicKeyPath)) {
    const { key: privateKey } = await loadPrivateKeyFile(privateKeyPath);
    await writePublicFile(publicKeyPath, exportPublicKeyPem(privateKey));
  }
  await chmod(privateKeyPath, 0o600);
  const samplePath = join(root, SAMPLE_NAME);
  if (!existsSync(samplePath)) await writeFile(samplePath, SAMPLE_TEXT);
  return { dataDir: data, root, privateKeyPath, publicKeyPath, samplePath, createdKeys };
}

/** A signed URL for the sample file, plus the curl lines that show a refusal and a download. */
export async function sampleInstructions(
  layout: ZeroConfigLayout,
  baseUrl: string,
  expiresIn = '15m',
): Promise<{ signedUrl: string; text: string }> {
  const { key: privateKey } = await loadPrivateKeyFile(layout.privateKeyPath);
  const plainUrl = `${baseUrl}/${SAMPLE_NAME}`;
  // Bound to the sample file (path claim): a copied or logged sample URL opens nothing else.
  const token = signToken(privateKey, { expiresIn, claims: { [PATH_CLAIM]: `/${SAMPLE_NAME}` } });
  const signedUrl = addTokenToUrl(plainUrl, token);
  const text = [
    '',
    'Portcullis is serving (zero-configuration start).',
    `  content directory : ${layout.root}`,
    `  public key        : ${layout.publicKeyPath}   (give this to Jamf Pro's JWT configuration, or keep your own with --key)`,
    `  private key       : ${layout.privateKeyPath}   (0600; signs the sample URL below)`,
    '',
    `Refused without a token (401):\n  curl -i '${plainUrl}'`,
    `Downloaded with a signed URL (valid ${expiresIn}):\n  curl -i '${signedUrl}'`,
    `Sign more URLs:\n  portcullis sign-url '${plainUrl}' --key '${layout.privateKeyPath}' --expires 1h`,
    '',
  ].join('\n');
  return { signedUrl, text };
}
