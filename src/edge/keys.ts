/**
 * The keys an edge bundle embeds, read with the same code `portcullis verify` uses (key files in
 * every form, JWKS files) plus a JWKS fetched once from an https URL at build time (such as a
 * Portcullis listener's /.well-known/jwks.json). Only public halves are ever embedded: a private
 * key given by mistake is refused with EDGE_PRIVATE_KEY rather than quietly reduced to its public
 * half, because the file should not be lying next to a deploy bundle in the first place.
 */
import { displayPath, KeyError, loadPublicKeysFile, type ReadPublicKey } from '../keys/index.js';
import { jwkThumbprint, publicJwk } from '../keys/jwk.js';
import { MAX_KEY_INPUT_BYTES, readPublicKeys } from '../keys/read.js';
import { EdgeError } from './errors.js';
import type { EdgePublicJwk } from './runtime/config.js';
import { checkEdgeUrl } from './urls.js';

const FETCH_TIMEOUT_MS = 10_000;

/** Reads every `--key` (file path or https JWKS URL) into embeddable public JWKs. */
export async function loadEdgeKeys(sources: readonly string[]): Promise<EdgePublicJwk[]> {
  const out: EdgePublicJwk[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    const isUrl = /^https?:\/\//i.test(source);
    const found = isUrl ? await readKeyUrl(source) : await readKeyFile(source);
    for (const entry of found) {
      if (entry.fromPrivate) {
        throw new EdgeError('EDGE_PRIVATE_KEY', isUrl ? 'the JWKS URL' : displayPath(source));
      }
      const jwk = publicJwk(entry.key, { kid: entry.kid ?? jwkThumbprint(entry.key) });
      const id = `${jwk.kid}\n${jwk.n}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ kty: 'RSA', n: jwk.n, e: jwk.e, kid: jwk.kid });
    }
  }
  return out;
}

async function readKeyFile(path: string): Promise<ReadPublicKey[]> {
  try {
    return await loadPublicKeysFile(path);
  } catch (err) {
    // An encrypted private key is still a private key: refuse it without asking for a passphrase.
    if (err instanceof KeyError && err.code === 'KEY_PASSPHRASE_REQUIRED') {
      throw new EdgeError('EDGE_PRIVATE_KEY', displayPath(path));
    }
    throw err;
  }
}

async function readKeyUrl(url: string): Promise<ReadPublicKey[]> {
  const checked = checkEdgeUrl(url, '--key');
  let text: string;
  try {
    const res = await fetch(checked, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > MAX_KEY_INPUT_BYTES) throw new Error('too large');
    text = new TextDecoder().decode(bytes);
  } catch (err) {
    throw new EdgeError('EDGE_KEY_FETCH_FAILED', new URL(checked).origin, { cause: err });
  }
  if (!text.trimStart().startsWith('{')) {
    throw new EdgeError('EDGE_KEY_FETCH_FAILED', `${new URL(checked).origin} (not a JWKS)`);
  }
  return readPublicKeys(text);
}
