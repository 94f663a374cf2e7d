/**
 * `portcullis/token` is documented as runtime-neutral: nothing it reaches may import a Node.js
 * built-in. The compiled entry is loaded in a child Node under a hook that throws on every
 * built-in specifier (test/helpers/forbid-builtins.mjs) and with Buffer removed, as on an edge
 * runtime, and must still verify a real RS256 token with WebCrypto, refuse a forged one, and sign.
 * The Node entry, which does import node:crypto, is the control that the hook really bites.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createNodeVerifier, signToken, tokenFingerprint } from '../../src/token/node-entry.js';
import { ROOT } from '../helpers/dist.js';
import { jamfClaims, NOW, rsaPair } from './helpers.js';

const HOOK = join(ROOT, 'test/helpers/forbid-builtins.mjs');
const entryUrl = (file: string) => pathToFileURL(join(ROOT, 'dist/token', file)).href;

// Runs as an ES module inside the hooked child: it may use only globals, never a built-in.
const CHILD = `
const input = JSON.parse(process.argv[1]);
delete globalThis.Buffer; // edge runtimes have none; the token code must not need it
const out = { buffer: typeof Buffer };
try { await import('node:crypto'); out.builtin = 'allowed'; } catch (err) { out.builtin = err.message; }
const t = await import(input.entry);
const keyRing = new t.KeyRing([{ key: await t.importRsaPublicJwk(input.publicJwk), label: 'jamf' }]);
const verify = (token) => t.verifyTokenAsync(token, { keyRing, backend: t.webCryptoBackend, now: input.now });
const verified = await verify(input.token);
out.claims = verified.claims;
out.label = verified.key.label;
out.forged = await verify(input.forged).then(() => 'accepted', (err) => err.code);
out.signed = await t.signTokenAsync(await t.importRsaPrivateJwk(input.privateJwk), { now: input.now, kid: 'k1' });
out.fingerprint = await t.tokenFingerprintAsync(input.token);
out.extracted = t.extractToken('https://dp.example.com/App.ipa?token=' + input.token) === input.token;
out.fromRequest = t.requestToken('a=1&to%6Ben=' + input.token, undefined, true) === input.token;
out.stripped = t.stripTokenParams('a=1&%74oken=' + input.token + '&b=2');
console.log(JSON.stringify(out));
`;

const a = rsaPair();
const attacker = rsaPair();
const token = signToken(a.privateKey, { now: NOW });
const forged = signToken(attacker.privateKey, { now: NOW });

function runHooked(entry: string) {
  const input = {
    entry,
    now: NOW,
    token,
    forged,
    publicJwk: a.publicKey.export({ format: 'jwk' }),
    privateJwk: a.privateKey.export({ format: 'jwk' }),
  };
  return spawnSync(
    process.execPath,
    [
      '--import',
      pathToFileURL(HOOK).href,
      '--input-type=module',
      '-e',
      CHILD,
      JSON.stringify(input),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
}

describe('portcullis/token under a loader that forbids every Node.js built-in', () => {
  it('verifies a real RS256 token with WebCrypto, refuses a forged one and signs', () => {
    const run = runHooked(entryUrl('index.js'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    // The hook was active and Buffer gone: the results below came from built-in-free code.
    expect(out.builtin).toMatch(/^forbidden built-in import: node:crypto/);
    expect(out.buffer).toBe('undefined');
    expect(out.claims).toEqual(jamfClaims());
    expect(out.label).toBe('jamf');
    expect(out.forged).toBe('SIGNATURE_INVALID');
    expect(out.extracted).toBe(true);
    // The listener's token rules (src/token/request-token.ts) are built-in-free too.
    expect(out.fromRequest).toBe(true);
    expect(out.stripped).toBe('a=1&b=2');
    expect(out.fingerprint).toBe(tokenFingerprint(token));
    // RSASSA-PKCS1-v1_5 is deterministic: the WebCrypto signer matches node:crypto byte for byte.
    expect(out.signed).toBe(signToken(a.privateKey, { now: NOW, kid: 'k1' }));
    expect(
      createNodeVerifier([{ key: a.publicKey, kid: 'k1' }]).verify(out.signed, NOW).claims,
    ).toEqual(jamfClaims());
  });

  it('refuses the Node entry, which imports node:crypto (the hook reaches transitive imports)', () => {
    const run = runHooked(entryUrl('node-entry.js'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/forbidden built-in import: node:crypto/);
  });
});
