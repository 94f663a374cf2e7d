/**
 * Every code the source can throw or answer with is in a registry (so docs/errors.md lists it),
 * and every area's registry is made by the one helper. A static scan of src/ is enough: codes are
 * literals at their throw sites by convention (`new XError('CODE'…)`, `code: 'CODE'`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryArea } from '../../src/errors/define.js';
import {
  ERROR_AREAS,
  isRegisteredCode,
  REPORT_CODES,
  WARNING_CODES,
} from '../../src/errors-table.js';

const SRC = resolve(import.meta.dirname, '../../src');
const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter(
  (f) => f.endsWith('.ts') && !f.startsWith(join('admin', 'web')),
);

/** Literal codes at throw and answer sites. */
const PATTERNS = [
  /new [A-Z]\w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g, // new StoreError('STORE_CONFLICT', …)
  /\bcode\??:\s*(?:[^,;\n]*?\?\?\s*)?'([A-Z][A-Z0-9_]+)'/g, // { code: 'X' }, code: e ?? 'X'
  /\bfail\(\s*'([A-Z][A-Z0-9_]+)'/g, // fail('KEY_RELOAD_TIMEOUT')
];

function thrownCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const pattern of PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        const line = text.slice(0, m.index).split('\n').length;
        if (!found.has(m[1]!)) found.set(m[1]!, `${file}:${line}`);
      }
    }
  }
  return found;
}

describe('thrown codes', () => {
  it('finds the codes at known throw sites (the scan is not empty)', () => {
    const codes = thrownCodes();
    for (const known of [
      'STORE_CONFLICT',
      'KEY_RELOAD_TIMEOUT',
      'KEY_RELOAD_FAILED',
      'TOKEN_MISSING',
    ]) {
      expect(codes.has(known), known).toBe(true);
    }
  });

  it('are all in a registry (or are catalog warnings or report codes)', () => {
    const unregistered = [...thrownCodes()]
      .filter(
        ([code]) =>
          !isRegisteredCode(code) && !WARNING_CODES.includes(code) && !REPORT_CODES.includes(code),
      )
      .map(([code, where]) => `${code} at ${where}`);
    expect(unregistered).toEqual([]);
  });

  it('come from registries made by defineErrors, one per area', () => {
    const areas = ERROR_AREAS.map((a) => registryArea(a.codes));
    expect(areas.every((a) => typeof a === 'string')).toBe(true);
    expect(new Set(areas).size).toBe(areas.length);
  });
});
