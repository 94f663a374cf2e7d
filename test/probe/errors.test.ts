// Keeps PROBE_ERRORS, the ProbeError class and the docs/probe.md table in agreement: a code added
// in one place and forgotten in another fails here.
import { describe, expect, it } from 'vitest';
import { PortcullisError } from '../../src/errors/base.js';
import { PROBE_ERRORS, ProbeError, type ProbeErrorCode } from '../../src/probe/errors.js';
import { docErrorTable } from '../helpers/doc-table.js';

const docTable = () => docErrorTable('probe.md', 'PROBE_');

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
