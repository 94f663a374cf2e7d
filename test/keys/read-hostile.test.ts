/**
 * Refusals and awkward-but-legitimate input: non-RSA and weak keys, garbage, truncated PEM,
 * several keys in one input, and keys pasted with Windows line ends or mangled whitespace.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keyFingerprint,
  MAX_KEY_INPUT_BYTES,
  readPrivateKey,
  readPublicKeys,
} from '../../src/keys/index.js';
import { FixtureDir, makeRsaForms, PASSPHRASE } from './fixtures.js';
import { keyErrorOf } from './helpers.js';

const f = new FixtureDir();
let expected: string;

beforeAll(() => {
  makeRsaForms(f);
  expected = keyFingerprint(readPrivateKey(f.read('pkcs8.pem')).key);
  f.genrsa('rsa1024.pem', 1024);
  f.genrsa('other.pem');
  f.openssl('ecparam', '-name', 'prime256v1', '-genkey', '-out', '@ec-sec1.pem');
  f.openssl(
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    '@ec-pkcs8.pem',
  );
  f.openssl('pkey', '-in', '@ec-pkcs8.pem', '-pubout', '-out', '@ec-spki.pem');
  f.openssl('genpkey', '-algorithm', 'ed25519', '-out', '@ed25519.pem');
  f.openssl(
    'genpkey',
    '-algorithm',
    'RSA-PSS',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    '@pss.pem',
  );
  // A CA and a leaf certificate it issued (a chain as admins paste it).
  f.openssl(
    'req',
    '-x509',
    '-key',
    '@other.pem',
    '-subj',
    '/CN=Test CA',
    '-days',
    '30',
    '-out',
    '@ca.pem',
  );
  f.openssl('req', '-new', '-key', '@pkcs8.pem', '-subj', '/CN=leaf', '-out', '@leaf.csr');
  const signed = ['-CA', '@ca.pem', '-CAkey', '@other.pem', '-set_serial', '7', '-days', '30'];
  f.openssl('x509', '-req', '-in', '@leaf.csr', ...signed, '-out', '@leaf.pem');
});
afterAll(() => f.cleanup());

describe('keys that cannot sign RS256', () => {
  it('refuses RSA-1024 with KEY_TOO_SMALL and says how to make a new key', () => {
    const err = keyErrorOf(() => readPrivateKey(f.read('rsa1024.pem')));
    expect(err.code).toBe('KEY_TOO_SMALL');
    expect(err.message).toContain('1024');
    expect(err.message).toContain('openssl genrsa -out key.pem 2048');
    expect(keyErrorOf(() => readPublicKeys(f.read('rsa1024.pem'))).code).toBe('KEY_TOO_SMALL');
  });

  it.each(['ec-sec1.pem', 'ec-pkcs8.pem', 'ed25519.pem', 'pss.pem'])(
    'refuses %s as KEY_NOT_RSA',
    (file) => {
      expect(keyErrorOf(() => readPrivateKey(f.read(file))).code).toBe('KEY_NOT_RSA');
      expect(keyErrorOf(() => readPublicKeys(f.read(file))).code).toBe('KEY_NOT_RSA');
    },
  );

  it('refuses an EC public key', () => {
    expect(keyErrorOf(() => readPublicKeys(f.read('ec-spki.pem'))).code).toBe('KEY_NOT_RSA');
  });
});

describe('garbage in', () => {
  it.each([
    ['empty string', ''],
    ['only whitespace', ' \r\n\t '],
  ])('refuses %s as KEY_UNREADABLE', (_name, input) => {
    expect(keyErrorOf(() => readPrivateKey(input)).code).toBe('KEY_UNREADABLE');
    expect(keyErrorOf(() => readPublicKeys(input)).code).toBe('KEY_UNREADABLE');
  });

  it('refuses prose as KEY_FORMAT_UNSUPPORTED', () => {
    expect(keyErrorOf(() => readPrivateKey('hello, this is not a key')).code).toBe(
      'KEY_FORMAT_UNSUPPORTED',
    );
  });

  it('refuses a truncated PEM (no END line)', () => {
    const pem = f.read('pkcs1.pem');
    const truncated = pem.slice(0, pem.length / 2);
    expect(keyErrorOf(() => readPrivateKey(truncated)).code).toBe('KEY_UNREADABLE');
  });

  it('refuses a PEM whose body lost a chunk but kept its armor', () => {
    const lines = f.read('pkcs1.pem').split('\n');
    lines.splice(5, 3);
    expect(keyErrorOf(() => readPrivateKey(lines.join('\n'))).code).toBe('KEY_UNREADABLE');
  });

  it('refuses a PEM with characters outside base64', () => {
    const pem = f.read('pkcs1.pem').replace(/\n(.)/, '\n!');
    expect(keyErrorOf(() => readPrivateKey(pem)).code).toBe('KEY_UNREADABLE');
  });

  it('refuses random bytes that look like DER', () => {
    const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 7)]);
    expect(keyErrorOf(() => readPrivateKey(der)).code).toBe('KEY_UNREADABLE');
    expect(keyErrorOf(() => readPublicKeys(der)).code).toBe('KEY_UNREADABLE');
  });

  it('refuses PEM labels it does not know, naming the label', () => {
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    const err = keyErrorOf(() => readPublicKeys(csr));
    expect(err.code).toBe('KEY_FORMAT_UNSUPPORTED');
    expect(err.message).toContain('CERTIFICATE REQUEST');
  });

  it('refuses input over 1 MiB before parsing it', () => {
    const big = `${f.read('pkcs1.pem')}${' '.repeat(MAX_KEY_INPUT_BYTES)}`;
    expect(keyErrorOf(() => readPrivateKey(big)).code).toBe('KEY_INPUT_TOO_LARGE');
    expect(keyErrorOf(() => readPublicKeys(Buffer.from(big))).code).toBe('KEY_INPUT_TOO_LARGE');
  });

  it('bounds the work on many unterminated BEGIN lines', () => {
    const hostile = '-----BEGIN PUBLIC KEY-----\nAAAA\n'.repeat(5000);
    expect(keyErrorOf(() => readPublicKeys(hostile)).code).toBe('KEY_UNREADABLE');
  });

  it('never echoes key material in messages', () => {
    const pem = f.read('pkcs1.pem');
    const body = pem.split('\n')[3]!;
    const err = keyErrorOf(() => readPrivateKey(pem.replace(body, `${body.slice(0, -1)}*`)));
    expect(err.message).not.toContain(body.slice(0, 20));
  });
});

describe('several keys in one input', () => {
  it('refuses two private keys where one is needed (KEY_AMBIGUOUS)', () => {
    const two = f.read('pkcs1.pem') + f.read('other.pem');
    expect(keyErrorOf(() => readPrivateKey(two)).code).toBe('KEY_AMBIGUOUS');
  });

  it('reads both public keys of a two-key bundle', () => {
    const keys = readPublicKeys(f.read('spki.pem') + f.read('other.pem'));
    expect(keys).toHaveLength(2);
    expect(keyFingerprint(keys[0]!.key)).toBe(expected);
  });

  it('lists a key once when its private and public halves are pasted together', () => {
    expect(readPublicKeys(f.read('pkcs1.pem') + f.read('spki.pem'))).toHaveLength(1);
  });

  it.each([
    ['leaf then CA', ['leaf.pem', 'ca.pem']],
    ['CA then leaf', ['ca.pem', 'leaf.pem']],
  ])(
    'uses only the leaf key of a certificate chain (%s): a CA key never becomes a token key',
    (_name, files) => {
      const keys = readPublicKeys(files.map((file) => f.read(file)).join(''));
      expect(keys).toHaveLength(1);
      expect(keyFingerprint(keys[0]!.key)).toBe(expected);
    },
  );

  it('keeps every key of unrelated self-signed certificates, and one of a repeated one', () => {
    expect(readPublicKeys(f.read('cert.pem') + f.read('ca.pem'))).toHaveLength(2);
    expect(readPublicKeys(f.read('ca.pem') + f.read('ca.pem'))).toHaveLength(1);
  });

  it('takes the private key from a key + certificate bundle', () => {
    const bundle = f.read('cert.pem') + f.read('pkcs8.pem');
    expect(keyFingerprint(readPrivateKey(bundle).key)).toBe(expected);
  });

  it('ignores the EC PARAMETERS block but still refuses the EC key', () => {
    expect(f.read('ec-sec1.pem')).toContain('EC PARAMETERS');
    expect(keyErrorOf(() => readPrivateKey(f.read('ec-sec1.pem'))).code).toBe('KEY_NOT_RSA');
  });
});

describe('keys pasted by people', () => {
  const variants: Array<[string, (pem: string) => string]> = [
    ['Windows CRLF line ends', (pem) => pem.replace(/\n/g, '\r\n')],
    ['leading and trailing whitespace', (pem) => `\n\n   \t${pem}\n\n  `],
    [
      'spaces in place of newlines (copied from a web page)',
      (pem) => pem.trim().replace(/\n/g, ' '),
    ],
    [
      'the base64 body on one line',
      (pem) => pem.replace(/\n(?=[A-Za-z0-9+/=]+\n[A-Za-z0-9+/=])/g, ''),
    ],
    ['a UTF-8 byte order mark', (pem) => `\uFEFF${pem}`],
    ['indentation (from YAML or an e-mail quote)', (pem) => pem.replace(/^/gm, '    ')],
    ['text around the armor', (pem) => `Here is the key:\n${pem}\nThanks!`],
  ];

  it.each(variants)('reads PKCS#1 with %s', (_name, mangle) => {
    expect(keyFingerprint(readPrivateKey(mangle(f.read('pkcs1.pem'))).key)).toBe(expected);
  });

  it.each(variants)('reads legacy encrypted PKCS#1 with %s', (_name, mangle) => {
    const read = readPrivateKey(mangle(f.read('enc-pkcs1.pem')), { passphrase: PASSPHRASE });
    expect(read.format).toBe('pkcs1-encrypted');
    expect(keyFingerprint(read.key)).toBe(expected);
  });

  it.each(variants)('reads an SPKI public key with %s', (_name, mangle) => {
    expect(keyFingerprint(readPublicKeys(mangle(f.read('spki.pem')))[0]!.key)).toBe(expected);
  });

  it('reads a PEM squashed onto one line with no separators at all', () => {
    const squashed = f.read('pkcs1.pem').replace(/\r?\n/g, '');
    expect(keyFingerprint(readPrivateKey(squashed).key)).toBe(expected);
  });

  it('reads a key pasted without its BEGIN/END lines (bare base64)', () => {
    const bare = f
      .read('pkcs1.pem')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('\n');
    expect(keyFingerprint(readPrivateKey(bare).key)).toBe(expected);
    const barePublic = f
      .read('spki.pem')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    expect(readPublicKeys(barePublic)[0]!.format).toBe('spki');
  });
});
