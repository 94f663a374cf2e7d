import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNodeVerifier, signToken, TokenError } from '../../src/token/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('sign → verify round trip', () => {
  it('accepts a Jamf-shaped token and refuses an expired one', () => {
    const verifier = createNodeVerifier([{ key: publicKey }]);
    const now = 1_800_000_000;
    const token = signToken(privateKey, { now });
    const ok = verifier.verify(token, now + 10);
    expect(ok.claims).toEqual({ sub: 'AppManifest', iss: 'JSS', exp: now + 900 });
    expect(() => verifier.verify(token, now + 961)).toThrow(TokenError);
  });
});
