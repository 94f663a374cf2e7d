/**
 * Cost caps for passphrase-protected keys. The KDF work factor is chosen by whoever made the file
 * and decryption runs synchronously (OpenSSL's PBKDF2, sshpk's bcrypt-pbkdf in JavaScript), so a
 * hostile key with 2^31 iterations would stall the process for hours. The parameters are read with
 * a small bounds-checked DER/SSH reader before any decryption starts.
 */
import type { Buffer } from 'node:buffer';
import { KeyError } from './errors.js';

/** Highest PBKDF2 iteration count accepted (OpenSSL's default is 2048; OWASP suggests 600 000). */
export const MAX_PBKDF2_ITERATIONS = 5_000_000;
/** Highest bcrypt-pbkdf round count accepted (ssh-keygen's default is 16; guides suggest 100). */
export const MAX_BCRYPT_ROUNDS = 256;
// scrypt memory, as OpenSSL counts it; OpenSSL refuses over 32 MiB too, but as a generic failure.
const MAX_SCRYPT_MEMORY = 32 * 1024 * 1024;

const OID_PBES2 = '2a864886f70d01050d';
const OID_PBKDF2 = '2a864886f70d01050c';
const OID_SCRYPT = '2b06010401da47040b';

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/**
 * Refuses an encrypted PKCS#8 key whose KDF would take unreasonably long. Structures it does not
 * recognise are left for OpenSSL to accept or refuse.
 * @throws KeyError KEY_ENCRYPTION_TOO_COSTLY
 */
export function assertPkcs8KdfCost(der: Buffer): void {
  const children = (t: Tlv | undefined): Tlv[] => (t ? readChildren(der, t) : []);
  const [algorithm] = children(readTlv(der, 0));
  const [oid, params] = children(algorithm);
  if (!oid || !params) return;
  const hex = (t: Tlv): string => der.subarray(t.start, t.end).toString('hex');
  if (oid.tag === 0x06 && hex(oid) === OID_PBES2) {
    const [kdf] = children(params);
    const [kdfOid, kdfParams] = children(kdf);
    if (!kdfOid || !kdfParams) return;
    const values = children(kdfParams).map((t) => (t.tag === 0x02 ? integer(der, t) : undefined));
    if (hex(kdfOid) === OID_PBKDF2) checkPbkdf2(values[1]);
    if (hex(kdfOid) === OID_SCRYPT) checkScrypt(values[1], values[2], values[3]);
    return;
  }
  // PBES1 and PKCS#12 PBE: params = SEQUENCE { salt OCTET STRING, iterations INTEGER }.
  const [, iterations] = children(params);
  if (iterations?.tag === 0x02) checkPbkdf2(integer(der, iterations));
}

/**
 * Refuses an OpenSSH private key whose bcrypt-pbkdf round count is unreasonably high.
 * @throws KeyError KEY_ENCRYPTION_TOO_COSTLY
 */
export function assertOpenSshKdfCost(blob: Buffer): void {
  const magic = 'openssh-key-v1\0';
  if (blob.subarray(0, magic.length).toString('latin1') !== magic) return;
  let offset = magic.length;
  const readString = (): Buffer | undefined => {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    const value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  readString(); // cipher name
  const kdf = readString()?.toString('latin1');
  const options = readString();
  if (kdf !== 'bcrypt' || !options || options.length < 8) return;
  const saltLength = options.readUInt32BE(0);
  if (4 + saltLength + 4 > options.length) return;
  const rounds = options.readUInt32BE(4 + saltLength);
  if (rounds > MAX_BCRYPT_ROUNDS) {
    throw new KeyError('KEY_ENCRYPTION_TOO_COSTLY', `OpenSSH key with ${rounds} bcrypt rounds`);
  }
}

function checkPbkdf2(iterations: number | undefined): void {
  if (iterations !== undefined && iterations > MAX_PBKDF2_ITERATIONS) {
    throw new KeyError('KEY_ENCRYPTION_TOO_COSTLY', `PBKDF2 with ${iterations} iterations`);
  }
}

function checkScrypt(n: number | undefined, r: number | undefined, p = 1): void {
  // OpenSSL's own accounting (crypto/evp/pbe_scrypt.c): 128·r·(N + 2 + p) bytes.
  if (n !== undefined && r !== undefined && 128 * r * (n + 2 + p) > MAX_SCRYPT_MEMORY) {
    throw new KeyError('KEY_ENCRYPTION_TOO_COSTLY', 'scrypt parameters');
  }
}

/** Reads one DER TLV at `offset`, or undefined when it does not fit (never throws). */
function readTlv(der: Buffer, offset: number, limit = der.length): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

function readChildren(der: Buffer, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) return []; // primitive: no children
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end && out.length < 8; ) {
    const child = readTlv(der, offset, parent.end);
    if (!child) break;
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** A non-negative INTEGER as a number; huge values saturate to Infinity (still "too costly"). */
function integer(der: Buffer, t: Tlv): number {
  let value = 0;
  for (let i = t.start; i < t.end; i++) value = value * 256 + der[i]!;
  return value;
}
