/**
 * The authorization table of docs/authorization.md is the contract (issue 10 §2): this test walks
 * every route Fastify registered on the admin app with every kind of caller (anonymous, local
 * read-only and admin, external JWT servers with either role) and compares what each gets with
 * the table row. A route registered without a row — or a row for a route that no longer exists —
 * fails here, so no route can ship without its permissions written down.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { type AdminFixture, adminFixture, bearer, login } from './helpers.js';
import { type CallerName, type Callers, makeCallers } from './roles.js';

type Verdict = 'yes' | '401' | '403' | 'public';
interface Row extends Record<CallerName, Verdict> {
  method: string;
  route: string;
  example: string;
}

/** Caller columns, in the table's order. */
const CALLERS: CallerName[] = [
  'anonymous',
  'read-only',
  'admin',
  'external read-only',
  'external admin',
];
const CELL = '(yes|401|403|public)';
const ROW = new RegExp(
  `^\\| ${['`(GET|POST|PUT|PATCH|DELETE)`', '`([^`]+)`', '`([^`]+)`', ...CALLERS.map(() => CELL)].join(' \\| ')} \\|$`,
);

function readTable(): Row[] {
  const text = readFileSync(resolve(import.meta.dirname, '../../docs/authorization.md'), 'utf8');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const cells = Object.fromEntries(CALLERS.map((c, i) => [c, m[4 + i] as Verdict]));
    rows.push({ method: m[1]!, route: m[2]!, example: m[3]!, ...cells } as Row);
  }
  return rows;
}

const DENIED_401 = new Set(['UNAUTHENTICATED', 'TOKEN_INVALIDATED', 'TOKEN_EXPIRED']);
const DENIED_403 = new Set(['FORBIDDEN', 'SIGNING_FORBIDDEN']);
/**
 * Bodies for routes that decide who may use them only after validating the body: a valid-shaped
 * body gets every caller to that decision (a wrong current password is past authorization).
 */
const BODIES: Record<string, unknown> = {
  '/api/v1/auth/change-password': {
    currentPassword: 'not the current password',
    newPassword: 'a different password 123',
  },
};

/** What the caller got, in the table's terms. */
function verdictOf(res: LightMyRequestResponse): Verdict {
  let code: unknown;
  try {
    code = (res.json() as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  if (res.statusCode === 401 && typeof code === 'string' && DENIED_401.has(code)) return '401';
  if (res.statusCode === 403 && typeof code === 'string' && DENIED_403.has(code)) return '403';
  return 'yes';
}

let fx: AdminFixture;
let files: Fixtures;
let callers: Callers;
let configId = '';
const rows = readTable();

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  callers = await makeCallers(fx);
  const cfg = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: callers.headers.admin,
    payload: { displayName: 'Walk' },
  });
  configId = cfg.json().id;
  const put = await fx.app.inject({
    method: 'PUT',
    url: '/api/v1/content/mac/Agent.pkg',
    headers: { ...callers.headers.admin, 'content-type': 'application/octet-stream' },
    payload: readFileSync(files.path('component.pkg')),
  });
  expect(put.statusCode).toBe(201);
}, 60_000);

afterAll(async () => {
  await fx?.close();
  files?.cleanup();
});

async function send(row: Row, caller: CallerName): Promise<LightMyRequestResponse> {
  const url = row.example.replaceAll('{config}', configId);
  const withBody = row.method === 'POST' || row.method === 'PUT' || row.method === 'PATCH';
  const upload = row.method === 'PUT' && row.route === '/api/v1/content/*';
  return fx.app.inject({
    method: row.method as 'GET',
    url,
    headers: {
      ...callers.headers[caller],
      ...(withBody ? { 'content-type': upload ? 'application/pdf' : 'application/json' } : {}),
    },
    ...(withBody
      ? { payload: upload ? '%PDF-1.4\n' : JSON.stringify(BODIES[row.route] ?? {}) }
      : {}),
  });
}

describe('docs/authorization.md', () => {
  it('has a row for every registered route, and no row for a route that does not exist', async () => {
    await fx.app.ready();
    const registered = new Set(fx.app.adminRoutes.map((r) => `${r.method} ${r.url}`));
    const documented = new Set(rows.map((r) => `${r.method} ${r.route}`));
    expect(registered.size).toBeGreaterThan(40);
    expect(
      [...registered].filter((r) => !documented.has(r)),
      'routes without a row',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !registered.has(r)),
      'rows without a route',
    ).toEqual([]);
  });

  it('marks exactly the routes registered as public as public, in every column', () => {
    for (const entry of fx.app.adminRoutes) {
      for (const row of rows.filter((r) => r.method === entry.method && r.route === entry.url)) {
        const cells = CALLERS.map((c) => row[c]);
        const name = `${row.method} ${row.example}`;
        if (entry.public) expect(new Set(cells), name).toEqual(new Set(['public']));
        else expect(cells, name).not.toContain('public');
      }
    }
  });

  for (const row of rows.filter((r) => r.admin !== 'public')) {
    it(`${row.method} ${row.example}: every caller gets what the table says`, async () => {
      const got: Record<string, Verdict> = {};
      const want: Record<string, Verdict> = {};
      try {
        for (const caller of CALLERS) {
          got[caller] = verdictOf(await send(row, caller));
          want[caller] = row[caller];
        }
      } finally {
        if (
          row.route === '/api/v1/auth/invalidate-token' ||
          row.route === '/api/v1/auth/keep-alive'
        ) {
          // Those calls ended the local sessions they were made with: sign in again for later rows.
          callers.headers.admin = bearer(await login(fx.app, 'alice'));
          callers.headers['read-only'] = bearer(await login(fx.app, 'rita'));
        }
      }
      expect(got).toEqual(want);
    });
  }
});
