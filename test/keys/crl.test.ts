// CRLs made by `openssl ca -gencrl` (test/helpers/device-pki.ts): read as PEM or DER, several per
// file, each checked against the CA bundle; hostile files are refused with CRL_UNREADABLE.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSerial, issuerKeyOf, readVerifiedCrls } from '../../src/keys/crl.js';
import { type DevicePki, makeDevicePki } from '../helpers/device-pki.js';
import { removeDir, tempDir } from '../server/serve-helpers.js';

let dir: string;
let pki: DevicePki;
let root: X509Certificate;
let inter: X509Certificate;

beforeAll(async () => {
  dir = await tempDir('portcullis-crl-');
  pki = makeDevicePki(dir);
  root = new X509Certificate(readFileSync(pki.rootCa));
  const bundle = readFileSync(pki.rootAndIntermediateCa, 'utf8');
  inter = new X509Certificate(bundle.slice(bundle.indexOf('-----BEGIN', 10)));
});
afterAll(() => removeDir(dir));

describe('readVerifiedCrls', () => {
  it('reads a PEM list, its dates and its revoked serials, keyed like the leaf certificates it covers', () => {
    const [crl] = readVerifiedCrls(readFileSync(pki.rootCrl), [root]);
    expect(crl!.revoked).toEqual(new Set([pki.devices.revoked.serial]));
    expect(crl!.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
    expect(crl!.issuerKey).toBe(
      issuerKeyOf(new X509Certificate(readFileSync(pki.devices.valid.cert)).raw),
    );
    expect(crl!.pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
  });

  it('reads DER, and several PEM lists in one file, each against its own CA', () => {
    const [der] = readVerifiedCrls(readFileSync(pki.rootCrlDer), [root]);
    expect(der!.revoked.has(pki.devices.revoked.serial)).toBe(true);
    const both = Buffer.concat([readFileSync(pki.rootCrl), readFileSync(pki.intermediateCrl)]);
    const lists = readVerifiedCrls(both, [root, inter]);
    expect(lists.map((l) => l.issuer)).toEqual(
      [root.subject, inter.subject].map((s) => s.split('\n').join(', ')),
    );
    expect(lists[1]!.issuer).toContain('CN=intermediate-ca');
  });

  it.each([
    ['garbage', () => Buffer.from('not a CRL at all'), /not a CRL/],
    ['PEM without a CRL block', () => readFileSync(pki.rootCa), /no X509 CRL block/],
    ['a list from another CA', () => readFileSync(pki.otherCrl), /not signed by a CA/],
    [
      'a list whose revoked entries were edited (signature no longer matches)',
      () => {
        const der = Buffer.from(readFileSync(pki.rootCrlDer));
        const serial = Buffer.from(pki.devices.revoked.serial, 'hex');
        const at = der.indexOf(serial);
        der[at + serial.length - 1]! ^= 0x01; // un-revoke the device by changing its serial
        return der;
      },
      /not signed by a CA/,
    ],
    [
      'a truncated PEM block',
      () => Buffer.from('-----BEGIN X509 CRL-----\nMIIB\n'),
      /truncated|END/,
    ],
    [
      'more than 100 lists',
      () => Buffer.from(readFileSync(pki.rootCrl, 'utf8').repeat(101)),
      /more than 100/,
    ],
  ] as const)('refuses %s with CRL_UNREADABLE', (_name, bytes, message) => {
    let err: unknown;
    try {
      readVerifiedCrls(bytes(), [root]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: expect.stringMatching(/^(CRL|KEY)_(UNREADABLE|SIGNATURE_INVALID)$/),
    });
    expect((err as Error).message).toMatch(message);
  });

  it('writes serials in one canonical form', () => {
    expect(canonicalSerial('00ab01')).toBe('AB01');
    expect(canonicalSerial('0')).toBe('0');
  });
});
