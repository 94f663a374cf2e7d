// Small real HTTP servers on 127.0.0.1 that behave like distribution points found in the wild
// (strict, wide open, claims-only), shared by the probe library and CLI tests.
import { spawn } from 'node:child_process';
import { type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` first; `npm test` does it). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs the built CLI and collects exit code and output. */
export function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Bytes standing in for App.ipa. */
export const FILE = Buffer.from(
  'PK\u0003\u0004 pretend this is App.ipa, the real bytes of the file',
);

export type Reply = { status: number; headers?: Record<string, string>; body?: Buffer | string };
export type Behaviour = (token: string | null, req: IncomingMessage) => Reply;

export const refuse401: Reply = {
  status: 401,
  headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="x"' },
  body: '{"error":"invalid_token","code":"TOKEN_REFUSED","message":"no"}',
};
export const serveFile: Reply = { status: 200, body: FILE };

function b64json(segment: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString());
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A deliberately small but strict Jamf-token check, standing in for a correct distribution point. */
export function strictlyValid(token: string | null, pub: KeyObject, now = Date.now() / 1000) {
  const [h, p, s, extra] = token?.split('.') ?? [];
  if (!h || !p || !s || extra !== undefined) return false;
  const header = b64json(h);
  const c = b64json(p);
  if (!header || !c || JSON.stringify(header) !== '{"alg":"RS256"}') return false;
  if (!verify('sha256', Buffer.from(`${h}.${p}`), pub, Buffer.from(s, 'base64url'))) return false;
  if (c.iss !== 'JSS' || c.sub !== 'AppManifest' || typeof c.exp !== 'number') return false;
  return c.exp > now && (typeof c.nbf !== 'number' || c.nbf <= now);
}

/** Checks claims only and never the signature: the classic broken validator. */
export function claimsOnly(token: string | null): boolean {
  const c = b64json(token?.split('.')[1] ?? '');
  return !!c && c.iss === 'JSS' && c.sub === 'AppManifest' && Number(c.exp) > Date.now() / 1000;
}

/** Starts fake distribution points and closes them all in `closeAll` (call it from afterAll). */
export function fakeDistributionPoints() {
  const servers: Server[] = [];
  return {
    /** Starts one; with `tls` (PEM key + certificate) it speaks HTTPS. Returns a file URL on it. */
    async start(behaviour: Behaviour, tls?: { key: string; cert: string }): Promise<string> {
      const handler = (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const reply = behaviour(url.searchParams.get('token'), req);
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? '');
      };
      const server: Server = tls ? createTlsServer(tls, handler) : createServer(handler);
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const scheme = tls ? 'https' : 'http';
      return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/apps/App%20One.ipa`;
    },
    /** Stops the most recently started server (to test an unreachable distribution point). */
    async stopLast(): Promise<void> {
      const server = servers.pop();
      if (server) await new Promise((r) => server.close(r));
    },
    async closeAll(): Promise<void> {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
