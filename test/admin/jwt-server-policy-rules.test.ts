/** The rules of jwt-server-policy.ts as tables: shared issuers, claim matching, caller names. */
import { describe, expect, it } from 'vitest';
import {
  externalUsername,
  policyRefusal,
  policyWarnings,
  unmetClaim,
} from '../../src/admin/auth/jwt-server-policy.js';

describe('policyRefusal', () => {
  const cases: Array<
    [issuer: string, claims: Record<string, string | string[]>, refused: boolean]
  > = [
    ['https://token.actions.githubusercontent.com', {}, true],
    ['https://token.actions.githubusercontent.com/', { ref: 'refs/heads/main' }, true],
    ['HTTPS://TOKEN.ACTIONS.GITHUBUSERCONTENT.COM', { environment: 'prod' }, true],
    ['https://token.actions.githubusercontent.com', { repository_owner_id: '42' }, false],
    // A GitHub Enterprise issuer is the enterprise's own.
    ['https://token.actions.githubusercontent.com/acme', {}, false],
    ['https://gitlab.com', { project_path: 'acme/app' }, false],
    ['https://gitlab.com', { ref: 'main' }, true],
    ['accounts.google.com', { aud_like: 'x' }, true],
    ['https://accounts.google.com', { hd: 'acme.example' }, false],
    ['https://login.microsoftonline.com/common/v2.0', { azp: 'x' }, true],
    ['https://login.microsoftonline.com/common/v2.0', { tid: 'tenant' }, false],
    ['https://agent.buildkite.com', { pipeline_slug: 'release' }, true],
    ['https://app.terraform.io', { terraform_organization_name: 'acme' }, false],
    ['https://idp.acme.example', {}, false],
  ];
  for (const [issuer, requiredClaims, refused] of cases) {
    it(`${issuer} ${JSON.stringify(requiredClaims)} → ${refused ? 'refused' : 'allowed'}`, () => {
      const answer = policyRefusal({ issuer, role: 'read-only', requiredClaims });
      if (refused) expect(answer).toMatch(/requiredClaims must pin one of/);
      else expect(answer).toBeUndefined();
    });
  }

  it('warns only about admin entries without required claims', () => {
    const issuer = 'https://idp.acme.example';
    expect(policyWarnings({ issuer, role: 'admin', requiredClaims: {} })).toHaveLength(1);
    expect(policyWarnings({ issuer, role: 'admin', requiredClaims: { sub: 'x' } })).toEqual([]);
    expect(policyWarnings({ issuer, role: 'read-only', requiredClaims: {} })).toEqual([]);
  });
});

describe('unmetClaim', () => {
  const required = { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/tags/v1'] };
  const cases: Array<[payload: Record<string, unknown>, unmet: string | undefined]> = [
    [{ repository_owner: 'acme', ref: 'refs/heads/main' }, undefined],
    [{ repository_owner: 'acme', ref: 'refs/tags/v1' }, undefined],
    [{ repository_owner: 'Acme', ref: 'refs/heads/main' }, 'repository_owner'],
    [{ repository_owner: ['acme'], ref: 'refs/heads/main' }, 'repository_owner'],
    [{ repository_owner: 'acme' }, 'ref'],
    [{ repository_owner: 'acme', ref: 'refs/heads/main2' }, 'ref'],
  ];
  for (const [payload, unmet] of cases) {
    it(`${JSON.stringify(payload)} → ${unmet ?? 'met'}`, () => {
      expect(unmetClaim(payload, required)).toBe(unmet);
    });
  }

  it('never reads a required claim from the prototype', () => {
    expect(unmetClaim({}, { toString: 'function' })).toBe('toString');
  });
});

describe('externalUsername', () => {
  it('namespaces with a colon, which no local username may contain', () => {
    expect(externalUsername('GitHub Actions', 'admin')).toBe('jwt-server:GitHub Actions/admin');
  });
  for (const value of ['', 'a'.repeat(257), 'x\ny', 'x\u0000', 'x\u2028', 7, null, ['admin']]) {
    it(`refuses ${JSON.stringify(value)?.slice(0, 20)}`, () => {
      expect(externalUsername('CI', value)).toBeUndefined();
    });
  }
});
