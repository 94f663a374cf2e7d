// Keeps PROBE_ERRORS, the ProbeError class and the docs/probe.md table in agreement: a code added
// in one place and forgotten in another fails here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PortcullisError } from '../../src/errors/base.js';
import { PROBE_ERRORS, ProbeError, type ProbeErrorCode } from '../../src/server/probe-errors.js';

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/probe.md'), 'utf8');

function docTable() {
  const rows = new Map<string, { status: number; message: string; remedy: string }>();
  for (const line of DOC.split('\n')) {
    const m = /^\| `(PROBE_[A-Z_]+)` +\| (\d{3}) +\| (.*?) *\| (.*?) *\|$/.exec(line);
    if (m) rows.set(m[1]!, { status: Number(m[2]), message: m[3]!, remedy: m[4]! });
  }
  return rows;
}

describe('PROBE_ERRORS', () => {
  it('matches the docs/probe.md table row for row', () => {
    const doc = docTable();
    expect([...doc.keys()].sort()).toEqual(Object.keys(PROBE_ERRORS).sort());
    for (const [code, info] of Object.entries(PROBE_ERRORS)) expect(doc.get(code)).toEqual(info);
  });

  it('does not reuse a code of another registry', async () => {
    const { TOKEN_ERRORS } = await import('../../src/token/errors.js');
    const { SERVE_ERRORS } = await import('../../src/server/errors.js');
    for (const code of Object.keys(PROBE_ERRORS)) {
      expect(TOKEN_ERRORS).not.toHaveProperty(code);
      expect(SERVE_ERRORS).not.toHaveProperty(code);
    }
  });

  it('builds coded PortcullisErrors whose message ends with the remedy', () => {
    for (const code of Object.keys(PROBE_ERRORS) as ProbeErrorCode[]) {
      const err = new ProbeError(code);
      expect(err).toBeInstanceOf(PortcullisError);
      expect(err).toMatchObject({ code, status: 400, name: 'ProbeError' });
      expect(err.message.endsWith(PROBE_ERRORS[code].remedy)).toBe(true);
    }
  });
});
