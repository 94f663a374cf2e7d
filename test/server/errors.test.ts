import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_ERRORS, ServeError } from '../../src/server/errors.js';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/serve.md'), 'utf8');

describe('SERVE_ERRORS', () => {
  it('matches the table in docs/serve.md row for row', () => {
    const table = DOC.slice(
      DOC.indexOf('<!-- serve-errors:start -->'),
      DOC.indexOf('<!-- serve-errors:end -->'),
    );
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()));
    const documented = Object.fromEntries(
      rows.map(([, code, status, message, remedy]) => [
        code!.replace(/`/g, ''),
        { status: Number(status), message, remedy },
      ]),
    );
    expect(documented).toEqual(SERVE_ERRORS);
  });

  it('uses UPPER_SNAKE codes, HTTP statuses and messages without paths', () => {
    for (const [code, info] of Object.entries(SERVE_ERRORS)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.message).not.toMatch(/\/(srv|home|etc|tmp)\//);
    }
  });

  it('builds coded errors with the registry status', () => {
    const err = new ServeError('UPSTREAM_ERROR');
    expect(err).toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 502,
      message: SERVE_ERRORS.UPSTREAM_ERROR.message,
    });
  });
});
