/**
 * RFC 7515 appendix A.2 (RS256): the published token must pass the signature layer. Its claims
 * (iss "joe", exp in 2011) then fail our Jamf policy, which proves signature runs before claims.
 */
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../src/token/key-ring.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { verifyTokenAsync } from '../../src/token/verify.js';
import { importRsaPublicJwk, webCryptoBackend } from '../../src/token/webcrypto.js';

const JWK = {
  kty: 'RSA',
  e: 'AQAB',
  n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
};
const TOKEN =
  'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw';
const EXP = 1_300_819_380;
const RFC_POLICY = { issuer: 'joe', subject: null } as const;

describe('RFC 7515 A.2', () => {
  const key = createPublicKey({ key: JWK, format: 'jwk' });

  it('verifies with the RFC key at a time before its exp', () => {
    const v = createNodeVerifier([{ key }], RFC_POLICY);
    const r = v.verify(TOKEN, EXP - 100);
    expect(r.claims).toEqual({ iss: 'joe', exp: EXP, 'http://example.com/is_root': true });
  });

  it('passes the signature, then fails the default Jamf claims policy (signature first)', () => {
    const v = createNodeVerifier([{ key }]);
    expect(() => v.verify(TOKEN, EXP - 100)).toThrow(
      expect.objectContaining({ code: 'CLAIM_INVALID', claim: 'iss' }),
    );
    expect(() => v.verify(TOKEN)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });

  it('the same token verifies through WebCrypto', async () => {
    const cryptoKey = await importRsaPublicJwk(JWK);
    const r = await verifyTokenAsync(TOKEN, {
      keyRing: new KeyRing([{ key: cryptoKey }]),
      backend: webCryptoBackend,
      options: RFC_POLICY,
      now: EXP - 100,
    });
    expect(r.claims.iss).toBe('joe');
  });
});
