/**
 * The verify path must run where node:crypto does not exist (WebCrypto runtimes), and src/token
 * imports nothing else of ours except src/errors (the error base and the registry helper, both
 * runtime-neutral) and the types-only contracts (erased at build time, see
 * test/contracts/types-only.test.ts). Biome enforces this at lint time; this test
 * keeps it true for anyone who runs only the tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = resolve(import.meta.dirname, '../../src/token');
const NODE_ALLOWED = new Set(['node.ts', 'sign.ts']);
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

function importsOf(file: string): string[] {
  const text = readFileSync(join(DIR, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('src/token boundaries', () => {
  it.each(files)('%s imports only allowed modules', (file) => {
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:'))
        expect(NODE_ALLOWED.has(file), `${file} imports ${spec}`).toBe(true);
      else
        expect(
          /^\.\.\/errors\/(base|define)\.js$/.test(spec) ||
            /^\.\/[a-z0-9-]+\.js$/.test(spec) ||
            /^\.\.\/contracts\/[a-z0-9-]+\.js$/.test(spec),
          `${file} imports ${spec}`,
        ).toBe(true);
    }
  });

  it('found the verify pipeline files (the scan is not empty)', () => {
    expect(files).toEqual(
      expect.arrayContaining(['verify.ts', 'decode.ts', 'claims.ts', 'base64url.ts']),
    );
    expect(importsOf('verify.ts')).toContain('./decode.js');
  });
});
