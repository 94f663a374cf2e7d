// readOriginalRequest as a table: for each front, which header sets it trusts, and which refuse.
import { describe, expect, it } from 'vitest';
import { readOriginalRequest } from '../../src/server/forward-auth-front.js';

type Headers = Record<string, string[]>;
const ok = (uri: string, method = 'GET') => ({ ok: true, uri, method });
const BAD = { ok: false, code: 'FORWARD_AUTH_BAD_REQUEST' };
const CONFLICT = { ok: false, code: 'FORWARD_AUTH_HEADER_CONFLICT' };

const cases: Array<[string, 'nginx' | 'caddy' | 'traefik', Headers, unknown]> = [
  [
    'nginx: X-Original-URI + X-Forwarded-Method',
    'nginx',
    { 'x-original-uri': ['/a.ipa?token=t'], 'x-forwarded-method': ['get'] },
    ok('/a.ipa?token=t'),
  ],
  [
    'nginx: X-Forwarded-Uri alone is not its header',
    'nginx',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'] },
    CONFLICT,
  ],
  [
    'nginx: the attack, a client X-Forwarded-Uri next to nginx’s own URI',
    'nginx',
    { 'x-original-uri': ['/.env'], 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'] },
    CONFLICT,
  ],
  [
    'nginx: X-Original-Method is not its header',
    'nginx',
    { 'x-original-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'], 'x-original-method': ['GET'] },
    CONFLICT,
  ],
  ['nginx: no method, no fallback', 'nginx', { 'x-original-uri': ['/a.ipa'] }, BAD],
  // A method is a short HTTP token: a secret sent as one never reaches the log as the method.
  [
    'nginx: a manifest-link token as the method',
    'nginx',
    { 'x-original-uri': ['/a.ipa'], 'x-forwarded-method': [`pml_${'A'.repeat(64)}`] },
    BAD,
  ],
  [
    'nginx: a bearer credential as the method',
    'nginx',
    { 'x-original-uri': ['/a.ipa'], 'x-forwarded-method': ['Bearer eyJ.e30.sig'] },
    BAD,
  ],
  [
    'nginx: a WebDAV method is still a method',
    'nginx',
    { 'x-original-uri': ['/a.ipa'], 'x-forwarded-method': ['PROPPATCH'] },
    ok('/a.ipa', 'PROPPATCH'),
  ],
  [
    'caddy: X-Forwarded-Uri + X-Forwarded-Method',
    'caddy',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['HEAD'] },
    ok('/a.ipa', 'HEAD'),
  ],
  [
    'caddy: the reported attack, a client X-Original-URI next to Caddy’s own URI',
    'caddy',
    {
      'x-forwarded-uri': ['/.env'],
      'x-forwarded-method': ['GET'],
      'x-original-uri': ['/app.ipa?token=t'],
    },
    CONFLICT,
  ],
  [
    'caddy: an agreeing copy is still a copy',
    'caddy',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'], 'x-original-uri': ['/a.ipa'] },
    CONFLICT,
  ],
  [
    'caddy: an empty copy is still a copy',
    'caddy',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'], 'x-original-uri': [''] },
    CONFLICT,
  ],
  [
    'traefik: its own URI given twice',
    'traefik',
    { 'x-forwarded-uri': ['/a.ipa', '/.env'], 'x-forwarded-method': ['GET'] },
    CONFLICT,
  ],
  [
    'traefik: its own method given twice',
    'traefik',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': ['GET', 'POST'] },
    CONFLICT,
  ],
  [
    'traefik: X-Original-URI alone is not its header',
    'traefik',
    { 'x-original-uri': ['/a.ipa'], 'x-forwarded-method': ['GET'] },
    CONFLICT,
  ],
  [
    'traefik: an absolute-form URI',
    'traefik',
    { 'x-forwarded-uri': ['http://evil.example/a.ipa'], 'x-forwarded-method': ['GET'] },
    BAD,
  ],
  [
    'traefik: an empty method',
    'traefik',
    { 'x-forwarded-uri': ['/a.ipa'], 'x-forwarded-method': [''] },
    BAD,
  ],
];

describe('readOriginalRequest', () => {
  it.each(cases)('%s', (_name, front, headers, expected) => {
    expect(readOriginalRequest(headers, front)).toEqual(expected);
  });
});
