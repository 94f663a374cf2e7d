// Hostile suite, issue 10 §3: behind the real nginx, Caddy and Apache configured from
// docs/examples, a client's own X-Original-URI, X-Forwarded-Uri, X-Original-Method and
// X-Forwarded-Method change nothing: what is authorised, audited and resumed is always the
// request the front serves. Locally a missing binary skips with a reason; in CI it fails.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import type { AuthFront } from '../../src/server/forward-auth-front.js';
import { signToken } from '../../src/token/sign.js';
import {
  EXAMPLE_FRONTS,
  type FrontSetup,
  type Get,
  type StartedFront,
} from '../helpers/example-fronts.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP = Buffer.alloc(64 * 1024, 'a');
const APP_PATH = '/apps/App%20One.ipa';
const OTHER = Buffer.alloc(64 * 1024, 'o');
const OTHER_PATH = '/apps/Other.ipa';
/** The target: a dotfile in the content root that no token may fetch. */
const SECRET = Buffer.from('DOTENV-SECRET-THAT-MUST-NOT-LEAK');
const GRACE = 600;
let dir = '';
/** Seconds added to Portcullis' clock (resume-grace tests move time past a token's exp). */
let clockOffset = 0;
const events: DownloadEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-front-headers-'));
  await mkdir(join(dir, 'content', 'apps'), { recursive: true });
  await writeFile(join(dir, 'content', 'apps', 'App One.ipa'), APP);
  await writeFile(join(dir, 'content', 'apps', 'Other.ipa'), OTHER);
  await writeFile(join(dir, 'content', '.env'), SECRET);
  await writeFile(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Portcullis as the front's guide configures it, with resume grace, a movable clock and an audit sink. */
const setup = (editConfig?: (config: string) => string): FrontSetup => ({
  contentRoot: join(dir, 'content'),
  startPortcullis: (authFront: AuthFront): Promise<RunningServer> =>
    startServer({
      root: join(dir, 'content'),
      keys: [join(dir, 'pub.pem')],
      host: '127.0.0.1',
      port: 0,
      admin: false,
      workers: 1,
      logLevel: 'silent',
      authFront,
      resumeGrace: GRACE,
      leeway: 0,
      clock: () => Date.now() + clockOffset * 1000,
      auditSink: { record: (e) => events.push(e) },
    }),
  ...(editConfig ? { editConfig } : {}),
});

const valid = (expiresIn: number | string = '5m') => signToken(privateKey, { expiresIn });
const expired = () => signToken(privateKey, { now: Math.floor(Date.now() / 1000) - 7200 });

/** Headers naming another request than the one sent: every header some front reads. */
function spoof(uri: string, method = 'GET'): Record<string, string> {
  return {
    'x-original-uri': uri,
    'x-forwarded-uri': uri,
    'x-original-method': method,
    'x-forwarded-method': method,
  };
}
/** Each spoofing header alone, then all four together. */
const spoofs = (uri: string, method = 'GET'): Array<[string, Record<string, string>]> => {
  const all = spoof(uri, method);
  return [
    ...Object.entries(all).map(([k, v]): [string, Record<string, string>] => [k, { [k]: v }]),
    ['all four', all],
  ];
};

/** The audit events written for requests sent since `before` (written when responses close). */
async function auditedSince(before: number): Promise<DownloadEvent[]> {
  const deadline = Date.now() + 5000;
  while (events.length === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 50)); // nginx's second question on a refusal
  return events.slice(before);
}

const codeOf = (body: Buffer): string | undefined => {
  try {
    return (JSON.parse(body.toString()) as { code?: string }).code;
  } catch {
    return undefined;
  }
};

describe.each(EXAMPLE_FRONTS)('$name', (front) => {
  let started: StartedFront;
  let get: Get;
  let url = '';
  beforeAll(async () => {
    if (front.missing) return;
    started = await front.start(setup());
    get = started.get;
    url = started.web.url;
  });
  afterAll(async () => {
    await started?.close();
  });
  const run = it.skipIf(front.missing !== null);
  if (front.missing) it.skip(`skipped: ${front.missing}`, () => {});

  run(
    'the reported attack: /.env with X-Original-URI naming a valid download is refused',
    async () => {
      const token = valid();
      for (const [what, headers] of spoofs(`${APP_PATH}?token=${token}`)) {
        const { res, body } = await get(`${url}/.env`, { headers });
        expect([what, res.status]).toEqual([what, front.authFront === 'off' ? 400 : 403]);
        expect([what, codeOf(body)]).toEqual([what, 'PATH_REJECTED']);
        expect(body.includes(SECRET)).toBe(false);
      }
    },
  );

  run('a download without a token stays refused whatever the headers name', async () => {
    const token = valid();
    for (const [what, headers] of spoofs(`${APP_PATH}?token=${token}`)) {
      const before = events.length;
      const { res, body } = await get(`${url}${OTHER_PATH}`, { headers });
      expect([what, res.status, codeOf(body)]).toEqual([what, 401, 'TOKEN_MISSING']);
      expect(body.includes(OTHER.subarray(0, 64))).toBe(false);
      // Audited as the request the front was asked for, never as the one the headers name.
      const audited = await auditedSince(before);
      expect(audited.length).toBeGreaterThan(0);
      for (const e of audited) expect([what, e.path]).toEqual([what, '/apps/Other.ipa']);
    }
  });

  run('a valid download is served and audited as sent, whatever the headers name', async () => {
    for (const [what, headers] of spoofs(`/apps/Nope.ipa?token=${expired()}`, 'POST')) {
      const before = events.length;
      const { res, body } = await get(`${url}${OTHER_PATH}?token=${valid()}`, { headers });
      expect([what, res.status]).toEqual([what, 200]);
      expect(body.equals(OTHER)).toBe(true);
      const audited = await auditedSince(before);
      expect(audited.length).toBeGreaterThan(0);
      for (const e of audited) {
        expect([what, e.path, e.outcome]).toEqual([what, '/apps/Other.ipa', 'OK']);
      }
    }
  });

  run('a POST cannot pass as a GET by naming GET in a header', async () => {
    const { res, body } = await get(`${url}${OTHER_PATH}?token=${valid()}`, {
      method: 'POST',
      body: 'x',
      headers: spoof(`${OTHER_PATH}?token=${valid()}`, 'GET'),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body.includes(OTHER.subarray(0, 64))).toBe(false);
  });

  run('resume grace stays bound to the file the token fetched before exp', async () => {
    const token = valid(60);
    const range = { range: 'bytes=100-199' };
    const first = await get(`${url}${APP_PATH}?token=${token}`, { headers: range });
    expect(first.res.status).toBe(206);
    clockOffset = 120; // a minute past exp, well inside the grace
    try {
      // The graced file still resumes through the front (so the refusal below is the binding).
      const resumed = await get(`${url}${APP_PATH}?token=${token}`, { headers: range });
      expect(resumed.res.status).toBe(206);
      expect(resumed.body.equals(APP.subarray(100, 200))).toBe(true);
      for (const [what, headers] of spoofs(`${APP_PATH}?token=${token}`)) {
        const other = await get(`${url}${OTHER_PATH}?token=${token}`, {
          headers: { ...headers, ...range },
        });
        expect([what, other.res.status, codeOf(other.body)]).toEqual([what, 401, 'TOKEN_EXPIRED']);
        expect(other.body.includes(OTHER.subarray(0, 64))).toBe(false);
      }
    } finally {
      clockOffset = 0;
    }
  });
});

describe('Portcullis alone holds the line when the front is misconfigured', () => {
  const caddy = EXAMPLE_FRONTS.find((f) => f.authFront === 'caddy')!;
  const run = it.skipIf(caddy.missing !== null);
  if (caddy.missing) it.skip(`skipped: ${caddy.missing}`, () => {});

  run(
    'a Caddyfile without the header_up lines (as shipped before) still cannot be fooled',
    async () => {
      const withoutStrip = (text: string) => {
        const out = text.replace(/^\s*header_up -X-Original-(URI|Method)\n/gm, '');
        expect(out).not.toContain('header_up');
        return out;
      };
      const started = await caddy.start(setup(withoutStrip));
      try {
        const token = valid();
        const { res, body } = await started.get(`${started.web.url}/.env`, {
          headers: { 'x-original-uri': `${APP_PATH}?token=${token}` },
        });
        expect([res.status, codeOf(body)]).toEqual([403, 'FORWARD_AUTH_HEADER_CONFLICT']);
        expect(body.includes(SECRET)).toBe(false);
        // Without client copies the same front still serves valid downloads.
        const ok = await started.get(`${started.web.url}${APP_PATH}?token=${token}`);
        expect(ok.res.status).toBe(200);
      } finally {
        await started.close();
      }
    },
  );

  run('Caddy in front of a Portcullis left at the default (nginx) fails closed', async () => {
    const started = await caddy.start({
      ...setup(),
      startPortcullis: (_front) => setup().startPortcullis('nginx'),
    });
    try {
      const { res, body } = await started.get(`${started.web.url}${APP_PATH}?token=${valid()}`);
      expect([res.status, codeOf(body)]).toEqual([403, 'FORWARD_AUTH_HEADER_CONFLICT']);
      expect(body.includes(APP.subarray(0, 64))).toBe(false);
    } finally {
      await started.close();
    }
  });
});
