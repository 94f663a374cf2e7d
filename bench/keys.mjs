/**
 * bench:keys — why it exists: Portcullis reads keys whenever a JWT configuration is saved, a key
 * file is reloaded, or an admin pastes a key, and it parses input more carefully than a bare
 * `crypto.createPublicKey` (shape classification, pasted-PEM repair, RS256 fitness, dedupe by
 * RFC 7638 thumbprint). This measures what that care costs against, in the same run and with the
 * same key: node:crypto (the floor) and jose's importers/thumbprint (a peer). Cases are interleaved
 * over several rounds and the median round is reported. Local CPU only; prints a table.
 *
 * Usage: npm run bench:keys   (env BENCH_MS=per-case-round milliseconds, default 300; BENCH_ROUNDS, default 5)
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const keys = await import(join(ROOT, 'dist/keys/index.js'));
const jose = await import('jose');

const MS = Number(process.env.BENCH_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spkiPem = publicKey.export({ type: 'spki', format: 'pem' });
const pkcs1Pem = privateKey.export({ type: 'pkcs1', format: 'pem' });
const pkcs8Pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
const pastedPem = pkcs1Pem.replace(/\n/g, '\r\n').replace(/^/, '  ');
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };
const jwksText = JSON.stringify({ keys: [jwk] });

const cases = {
  'SPKI PEM: readPublicKeys': () => keys.readPublicKeys(spkiPem),
  'SPKI PEM: node createPublicKey': () => createPublicKey(spkiPem),
  'SPKI PEM: jose importSPKI': () => jose.importSPKI(spkiPem, 'RS256'),
  'PKCS#1 PEM: readPrivateKey': () => keys.readPrivateKey(pkcs1Pem),
  'PKCS#1 PEM, pasted CRLF+indent: readPrivateKey': () => keys.readPrivateKey(pastedPem),
  'PKCS#1 PEM: node createPrivateKey': () => createPrivateKey(pkcs1Pem),
  'PKCS#8 PEM: jose importPKCS8': () => jose.importPKCS8(pkcs8Pem, 'RS256'),
  'JWKS text: readPublicKeys': () => keys.readPublicKeys(jwksText),
  'JWK: node createPublicKey': () =>
    createPublicKey({ key: JSON.parse(jwksText).keys[0], format: 'jwk' }),
  'JWK: jose importJWK': () => jose.importJWK(JSON.parse(jwksText).keys[0], 'RS256'),
  'thumbprint: jwkThumbprint': () => keys.jwkThumbprint(publicKey),
  'thumbprint: jose calculateJwkThumbprint': () => jose.calculateJwkThumbprint(jwk),
};

async function measure(fn) {
  const start = performance.now();
  const end = start + MS;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) await fn();
    n += 20;
  }
  return ((performance.now() - start) * 1000) / n; // µs per op
}

const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) results[name].push(await measure(fn));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `bench:keys — node ${process.version}, ${ROUNDS} rounds × ${MS} ms per case, median µs/op`,
);
console.log('| Case | µs/op |');
console.log('| --- | ---: |');
for (const name of Object.keys(cases))
  console.log(`| ${name} | ${median(results[name]).toFixed(1)} |`);
