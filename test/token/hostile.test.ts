/**
 * Table-driven hostile tokens: each case asserts the exact refusal code, so a weakened check or a
 * reordered pipeline shows up as a failing row. The table lives in hostile-cases.ts so the edge
 * bundles run the same rows (test/edge/hostile.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../src/token/errors.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { NOW } from './helpers.js';
import { hostileTokenTable } from './hostile-cases.js';

const { cases, publicKey, good, spaced, nonCanonical } = hostileTokenTable();
const verifier = createNodeVerifier([{ key: publicKey }], { cache: false });

describe('hostile tokens are refused with the exact code', () => {
  const rows = cases.map(([name, token, code]) => ({ name, token, code }));
  it.each(rows)('$name → $code', ({ token, code }) => {
    let caught: unknown;
    try {
      verifier.verify(token as string, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TokenError);
    expect((caught as TokenError).code).toBe(code);
    expect((caught as TokenError).status).toBe(401);
    // Messages are generic: never an echo of the token or any segment of it.
    if (typeof token === 'string' && token.length > 8) {
      for (const part of token.split('.')) {
        if (part.length > 8) expect((caught as TokenError).message).not.toContain(part);
      }
    }
  });

  it('the untampered tokens pass (so the table is not vacuous)', () => {
    expect(verifier.verify(good, NOW).claims.sub).toBe('AppManifest');
    expect(verifier.verify(spaced, NOW).header).toEqual({ alg: 'RS256' });
    expect(nonCanonical).not.toBe(spaced);
  });
});
