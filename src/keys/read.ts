/**
 * One entry point for every key form an admin might have: PEM (PKCS#1, PKCS#8, encrypted both
 * ways, SPKI, certificates), DER, OpenSSH, JWK/JWKS and armor-less base64. The input is classified
 * by its shape, never by trial decryption, so "wrong passphrase" and "not a key" stay distinct.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { issuerCertificates } from './chain.js';
import { privateFromDer, publicFromDer } from './der.js';
import { KeyError } from './errors.js';
import { publicKeyOf } from './export.js';
import { jwkThumbprint } from './jwk.js';
import { importJwkText } from './jwk-import.js';
import { assertOpenSshKdfCost, assertPkcs8KdfCost } from './kdf-cost.js';
import type { PrivateKeyFormat, ReadPublicKey } from './key-formats.js';
import { importOpenSshPrivateKey, importOpenSshPublicKey, isOpenSshPublicLine } from './openssh.js';
import { blockToPem, decodeBareBase64, findPemBlocks, hasPemArmor, type PemBlock } from './pem.js';

export type { PrivateKeyFormat, PublicKeyFormat, ReadPublicKey } from './key-formats.js';

/** Options for reading possibly encrypted keys. */
export interface ReadKeyOptions {
  passphrase?: string | Uint8Array;
  /**
   * `readPublicKeys` only: return a key that RS256 refuses (too small, too large, bad exponent,
   * not RSA) with its refusal in `refusal` instead of throwing, so an inspection tool can
   * describe the key it refuses. Never set this where keys are used to verify or sign.
   */
  keepRefused?: boolean;
}

/** Largest input accepted; real keys and JWKS are a few KiB. */
export const MAX_KEY_INPUT_BYTES = 1024 * 1024;
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

const PRIVATE_LABELS: Record<string, PrivateKeyFormat | 'not-rsa'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'pkcs8-encrypted',
  'OPENSSH PRIVATE KEY': 'openssh',
  'EC PRIVATE KEY': 'not-rsa',
  'DSA PRIVATE KEY': 'not-rsa',
};
const PUBLIC_LABELS: Record<string, 'spki' | 'pkcs1-public' | 'x509'> = {
  'PUBLIC KEY': 'spki',
  'RSA PUBLIC KEY': 'pkcs1-public',
  CERTIFICATE: 'x509',
};
// `openssl ecparam -genkey` writes EC PARAMETERS before the key; it carries no key itself.
const IGNORED_LABELS = new Set(['EC PARAMETERS']);

type Source = { kind: 'der'; der: Buffer } | { kind: 'text'; text: string };

/**
 * Reads one RSA private key (≥ 2048 bits) from any supported private form.
 * @throws KeyError KEY_NOT_PRIVATE for public keys/certificates, KEY_PASSPHRASE_REQUIRED/WRONG,
 *   KEY_NOT_RSA, KEY_TOO_SMALL, KEY_AMBIGUOUS (several private keys), KEY_UNREADABLE
 */
export function readPrivateKey(
  input: string | Uint8Array,
  opts: ReadKeyOptions = {},
): { key: KeyObject; format: PrivateKeyFormat } {
  const source = toSource(input);
  const result =
    source.kind === 'der'
      ? privateFromDer(source.der)
      : privateFromText(source.text, opts.passphrase);
  assertRs256Key(result.key);
  return result;
}

/**
 * Reads every RSA public key in the input: public forms as they are, private forms by deriving
 * the public half. Duplicates (same key, same kid) are listed once.
 * @throws KeyError KEY_NOT_RSA naming the offending member, KEY_TOO_SMALL, KEY_UNREADABLE, …
 */
export function readPublicKeys(
  input: string | Uint8Array,
  opts: ReadKeyOptions = {},
): ReadPublicKey[] {
  const source = toSource(input);
  const found =
    source.kind === 'der' ? [publicFromDer(source.der)] : publicFromText(source.text, opts);
  const seen = new Set<string>();
  const kids = new Map<string, string>();
  const out: ReadPublicKey[] = [];
  for (const entry of found) {
    const refusal = rs256Refusal(entry.key, opts.keepRefused === true);
    // The RFC 7638 thumbprint exists for RSA keys only; other types are told apart by their SPKI.
    const thumbprint =
      entry.key.asymmetricKeyType === 'rsa' ? jwkThumbprint(entry.key) : spkiHex(entry.key);
    if (entry.kid !== undefined) {
      const other = kids.get(entry.kid);
      if (other !== undefined && other !== thumbprint) {
        throw new KeyError('KEY_KID_CONFLICT', `kid "${entry.kid}"`);
      }
      kids.set(entry.kid, thumbprint);
    }
    const id = `${entry.kid ?? ''}\n${thumbprint}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(refusal === undefined ? entry : { ...entry, refusal });
  }
  return out;
}

/** The RS256 refusal of `key`: thrown, or returned when `keep` (inspection only). */
function rs256Refusal(key: KeyObject, keep: boolean): KeyError | undefined {
  try {
    assertRs256Key(key);
    return undefined;
  } catch (err) {
    if (keep && err instanceof KeyError) return err;
    throw err;
  }
}

function spkiHex(key: KeyObject): string {
  return publicKeyOf(key).export({ type: 'spki', format: 'der' }).toString('hex');
}

/**
 * Refuses keys that cannot make or check RS256 signatures safely: non-RSA (incl. RSA-PSS-only),
 * under 2048 or over 8192 bits, or with a broken public exponent.
 */
export function assertRs256Key(key: KeyObject): void {
  if (!(key instanceof KeyObject) || key.type === 'secret') {
    throw new TypeError('assertRs256Key needs an asymmetric KeyObject');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyError('KEY_NOT_RSA', `${key.asymmetricKeyType ?? 'unknown'} key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new KeyError('KEY_TOO_SMALL', `RSA ${bits}-bit key`);
  if (bits > MAX_RSA_BITS) throw new KeyError('KEY_TOO_LARGE', `RSA ${bits}-bit key`);
  const e = key.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (e < 3n || e % 2n === 0n) throw new KeyError('KEY_INVALID', 'RSA key');
}

function toSource(input: string | Uint8Array): Source {
  if (typeof input === 'string') {
    if (input.length > MAX_KEY_INPUT_BYTES) throw new KeyError('KEY_INPUT_TOO_LARGE');
    return { kind: 'text', text: input.replace(/^\uFEFF/, '').trim() };
  }
  if (!(input instanceof Uint8Array))
    throw new TypeError('key input must be a string or Uint8Array');
  if (input.length > MAX_KEY_INPUT_BYTES) throw new KeyError('KEY_INPUT_TOO_LARGE');
  // DER starts with a SEQUENCE tag and a long-form length; text forms never do.
  if (input[0] === 0x30 && input.length > 1 && (input[1]! & 0x80) !== 0) {
    return { kind: 'der', der: Buffer.from(input) };
  }
  return toSource(new TextDecoder().decode(input));
}

function privateFromText(
  text: string,
  passphrase: string | Uint8Array | undefined,
): { key: KeyObject; format: PrivateKeyFormat } {
  if (text.length === 0) throw new KeyError('KEY_UNREADABLE', 'the input is empty');
  if (text.startsWith('{')) {
    const members = importJwkText(text).filter((m) => m.private);
    if (members.length === 0) throw new KeyError('KEY_NOT_PRIVATE', 'JWK without "d"');
    if (members.length > 1) throw new KeyError('KEY_AMBIGUOUS', 'JWKS');
    return { key: members[0]!.key, format: 'jwk' };
  }
  if (hasPemArmor(text)) {
    const blocks = findPemBlocks(text).filter((b) => !IGNORED_LABELS.has(b.label));
    const privates = blocks.filter((b) => b.label in PRIVATE_LABELS);
    if (privates.length > 1) throw new KeyError('KEY_AMBIGUOUS', `${privates.length} private keys`);
    if (privates.length === 1) return importPrivateBlock(privates[0]!, passphrase);
    for (const block of blocks) publicLabelFormat(block.label); // unsupported labels say so first
    throw new KeyError('KEY_NOT_PRIVATE');
  }
  if (isOpenSshPublicLine(text)) throw new KeyError('KEY_NOT_PRIVATE', 'OpenSSH public key');
  const der = decodeBareBase64(text);
  if (der) return privateFromDer(der);
  throw new KeyError('KEY_FORMAT_UNSUPPORTED', 'no PEM, JWK or OpenSSH key found');
}

function importPrivateBlock(
  block: PemBlock,
  passphrase: string | Uint8Array | undefined,
): { key: KeyObject; format: PrivateKeyFormat } {
  const kind = PRIVATE_LABELS[block.label];
  if (kind === 'not-rsa') throw new KeyError('KEY_NOT_RSA', `PEM "${block.label}"`);
  if (kind === 'openssh') {
    if (passphrase !== undefined) assertOpenSshKdfCost(block.der);
    return { key: importOpenSshPrivateKey(blockToPem(block), passphrase), format: 'openssh' };
  }
  const legacyEncrypted = block.headers.some(
    ([n, v]) => n === 'Proc-Type' && v.includes('ENCRYPTED'),
  );
  const format: PrivateKeyFormat = legacyEncrypted ? 'pkcs1-encrypted' : (kind as PrivateKeyFormat);
  const encrypted = format === 'pkcs1-encrypted' || format === 'pkcs8-encrypted';
  const what = `PEM "${block.label}"`;
  if (encrypted && passphrase === undefined) throw new KeyError('KEY_PASSPHRASE_REQUIRED', what);
  if (format === 'pkcs8-encrypted') assertPkcs8KdfCost(block.der);
  try {
    const pem = blockToPem(block);
    const key = encrypted
      ? createPrivateKey({ key: pem, format: 'pem', passphrase: Buffer.from(passphrase!) })
      : createPrivateKey(pem);
    return { key, format };
  } catch (err) {
    // OpenSSL cannot tell a wrong passphrase from a damaged encrypted key; the message says both.
    throw new KeyError(encrypted ? 'KEY_PASSPHRASE_WRONG' : 'KEY_UNREADABLE', what, { cause: err });
  }
}

function publicFromText(text: string, opts: ReadKeyOptions): ReadPublicKey[] {
  if (text.length === 0) throw new KeyError('KEY_UNREADABLE', 'the input is empty');
  if (text.startsWith('{')) {
    return importJwkText(text).map(({ key, kid, fromSet, private: isPrivate }) => {
      const entry: ReadPublicKey = { key: publicKeyOf(key), format: fromSet ? 'jwks' : 'jwk' };
      if (kid !== undefined) entry.kid = kid;
      if (isPrivate) entry.fromPrivate = true;
      return entry;
    });
  }
  if (hasPemArmor(text)) {
    const blocks = findPemBlocks(text).filter((b) => !IGNORED_LABELS.has(b.label));
    const issuers = issuerCertificates(blocks);
    const keyBlocks = blocks.filter((b) => !issuers.has(b));
    return keyBlocks.map((block) => publicFromBlock(block, opts.passphrase));
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const keyLines = lines.filter((l) => l.length > 0 && !l.startsWith('#'));
  if (keyLines.length > 0 && keyLines.every(isOpenSshPublicLine)) {
    return keyLines.map((line) => ({
      key: importOpenSshPublicKey(line),
      format: 'openssh-public',
    }));
  }
  const der = decodeBareBase64(text);
  if (der) return [publicFromDer(der)];
  throw new KeyError('KEY_FORMAT_UNSUPPORTED', 'no PEM, JWK or OpenSSH key found');
}

function publicFromBlock(
  block: PemBlock,
  passphrase: string | Uint8Array | undefined,
): ReadPublicKey {
  if (block.label in PRIVATE_LABELS) {
    const { key, format } = importPrivateBlock(block, passphrase);
    return { key: publicKeyOf(key), format, fromPrivate: true };
  }
  const format = publicLabelFormat(block.label);
  try {
    if (format === 'x509') return { key: new X509Certificate(block.der).publicKey, format };
    return { key: createPublicKey(blockToPem(block)), format };
  } catch (err) {
    throw new KeyError('KEY_UNREADABLE', `PEM "${block.label}"`, { cause: err });
  }
}

function publicLabelFormat(label: string): 'spki' | 'pkcs1-public' | 'x509' {
  const format = PUBLIC_LABELS[label];
  if (!format) throw new KeyError('KEY_FORMAT_UNSUPPORTED', `PEM "${label}"`);
  return format;
}
