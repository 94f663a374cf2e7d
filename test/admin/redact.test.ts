/** Change-log details never carry secrets: secret-looking keys and PEM blocks are redacted. */
import { describe, expect, it } from 'vitest';
import { redactDetails } from '../../src/admin/redact.js';

describe('redactDetails', () => {
  it('redacts secret-named fields and PEM blocks, keeps the rest', () => {
    const out = redactDetails({
      displayName: 'Prod',
      passphrase: 'hunter2',
      newPassword: 'x',
      sharedSecret: 'y',
      key: { pem: '-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----' },
      note: 'see -----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- here',
      enabled: true,
      fingerprint: 'AB:CD',
    });
    expect(out).toEqual({
      displayName: 'Prod',
      passphrase: '[redacted]',
      newPassword: '[redacted]',
      sharedSecret: '[redacted]',
      key: '[redacted]',
      note: 'see [pem redacted] here',
      enabled: true,
      fingerprint: 'AB:CD',
    });
    expect(JSON.stringify(out)).not.toContain('PRIVATE KEY');
  });
});
