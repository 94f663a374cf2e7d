/**
 * Self-signed certificates, checked by openssl: it must parse them, verify the self-signature,
 * find the same public key, and print the same fingerprint we report.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSelfSignedCertificate,
  exportPublicKeyPem,
  generateRsaKeyPair,
  keyFingerprint,
  publicKeyOf,
  readCertificateInfo,
  readPublicKeys,
} from '../../src/keys/index.js';
import { FixtureDir, run } from './fixtures.js';
import { keyErrorOf } from './helpers.js';

const f = new FixtureDir();
let privateKey: KeyObject;
let pem: string;
const notBefore = new Date('2026-01-02T03:04:05.678Z');

beforeAll(async () => {
  ({ privateKey } = await generateRsaKeyPair());
  pem = await createSelfSignedCertificate(privateKey, {
    commonName: 'dp.example.com',
    days: 30,
    serialNumber: '0a1b2c',
    notBefore,
  });
  f.write('cert.pem', pem);
});
afterAll(() => f.cleanup());

describe('createSelfSignedCertificate', () => {
  it('is parsed by `openssl x509 -text` with the subject, serial, validity and extensions asked for', () => {
    const text = f.openssl('x509', '-in', '@cert.pem', '-noout', '-text').toString();
    expect(text).toContain('Subject: CN = dp.example.com');
    expect(text).toContain('Issuer: CN = dp.example.com');
    expect(text).toContain('Serial Number: 662316 (0xa1b2c)');
    expect(text).toContain('Not Before: Jan  2 03:04:05 2026 GMT');
    expect(text).toContain('Not After : Feb  1 03:04:05 2026 GMT');
    expect(text).toContain('sha256WithRSAEncryption');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
  });

  it('carries the same public key as the private key', () => {
    const certPublic = f.openssl('x509', '-in', '@cert.pem', '-noout', '-pubkey').toString();
    expect(certPublic).toBe(exportPublicKeyPem(privateKey));
    expect(keyFingerprint(readPublicKeys(pem)[0]!.key)).toBe(keyFingerprint(privateKey));
  });

  it('has a valid self-signature', () => {
    expect(new X509Certificate(pem).verify(publicKeyOf(privateKey))).toBe(true);
    const out = f
      .openssl('verify', '-no_check_time', '-CAfile', '@cert.pem', '@cert.pem')
      .toString();
    expect(out).toContain(': OK');
  });

  it('defaults to CN=Portcullis, 3650 days (the one default, shared with the admin API) and a positive random serial', async () => {
    const info = readCertificateInfo(await createSelfSignedCertificate(privateKey));
    expect(info.subject).toBe('CN=Portcullis');
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(3650 * 86_400_000);
  });

  it.each([
    ['an empty common name', { commonName: '' }],
    ['a common name with a newline', { commonName: 'a\nCN=evil' }],
    ['zero days', { days: 0 }],
    ['fractional days', { days: 1.5 }],
    ['a serial that is not hex', { serialNumber: 'xyz' }],
    ['a zero serial', { serialNumber: '00' }],
  ])('treats %s as a programmer mistake (TypeError)', async (_name, opts) => {
    await expect(createSelfSignedCertificate(privateKey, opts)).rejects.toBeInstanceOf(TypeError);
  });

  it('keeps commas and equals signs in the CN as text, not as extra name parts', async () => {
    const info = readCertificateInfo(
      await createSelfSignedCertificate(privateKey, { commonName: 'a, O=evil' }),
    );
    expect(info.subject).not.toMatch(/^O=/m);
  });

  it('refuses a public key', async () => {
    await expect(createSelfSignedCertificate(publicKeyOf(privateKey))).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});

describe('readCertificateInfo', () => {
  it('reports the fingerprint openssl prints', () => {
    const info = readCertificateInfo(pem);
    const out = f
      .openssl('x509', '-in', '@cert.pem', '-noout', '-fingerprint', '-sha256')
      .toString();
    expect(out.trim()).toBe(`sha256 Fingerprint=${info.fingerprint}`);
    expect(info.notBefore.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(keyFingerprint(info.publicKey)).toBe(keyFingerprint(privateKey));
  });

  it('reads DER and a pasted PEM with CRLF line ends', () => {
    const der = run('openssl', ['x509', '-outform', 'DER'], pem);
    expect(readCertificateInfo(der).fingerprint).toBe(readCertificateInfo(pem).fingerprint);
    expect(readCertificateInfo(pem.replace(/\n/g, '\r\n')).subject).toBe('CN=dp.example.com');
  });

  it.each([
    ['text without armor', 'not a certificate'],
    ['a public key PEM', ''],
    ['a certificate with a damaged body', 'damaged'],
  ])('refuses %s with CERT_UNREADABLE', (name, input) => {
    let text = input;
    if (name === 'a public key PEM') text = exportPublicKeyPem(privateKey);
    if (name === 'a certificate with a damaged body')
      text = pem.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n');
    expect(keyErrorOf(() => readCertificateInfo(text)).code).toBe('CERT_UNREADABLE');
  });
});
