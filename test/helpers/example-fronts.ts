// The front servers of docs/examples (nginx auth_request, Caddy forward_auth, Apache reverse
// proxy) started as their guides say, each in front of its own Portcullis run with the
// `authFront` its guide prescribes, plus clients that read whole answers over HTTP and HTTPS.
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { RunningServer } from '../../src/app/serve.js';
import type { AuthFront } from '../../src/server/forward-auth-front.js';
import { selfSignedCertificate } from './tls.js';
import {
  APACHE_BIN,
  CADDY_BIN,
  missingBinary,
  NGINX_BIN,
  type RunningWebServer,
  renderExample,
  startApache,
  startCaddy,
  startNginx,
} from './webservers.js';

/** What the tests read of an answer: status, headers and the whole body. */
export interface Answer {
  res: { status: number; headers: Headers };
  body: Buffer;
}
/** A GET (or other method) that resolves with the whole answer. */
export type Get = (url: string, init?: RequestInit) => Promise<Answer>;

/** Plain-HTTP client without redirects. */
export async function fetchGet(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** A GET/HEAD/POST over HTTPS that trusts exactly `ca` (fetch cannot be given a CA per call). */
export function httpsGet(ca: string): Get {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          resolve({
            res: { status: res.statusCode ?? 0, headers: out },
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}

/** A started front server, the Portcullis behind it, and how to talk to it. */
export interface StartedFront {
  web: RunningWebServer;
  portcullis: RunningServer;
  get: Get;
  /** The front's own access log, when the example config writes one. */
  accessLog?: () => Promise<string>;
  /** Stops the front server, then its Portcullis. */
  close(): Promise<void>;
}

/** How to start one front: where the content is and how to start the Portcullis behind it. */
export interface FrontSetup {
  contentRoot: string;
  /** Starts a Portcullis on loopback with this `authFront`. */
  startPortcullis(authFront: AuthFront): Promise<RunningServer>;
  /** Edits the rendered example before the server reads it (to test a config without a line). */
  editConfig?: (config: string) => string;
}

/** One shipped front configuration. */
export interface ExampleFront {
  name: string;
  /** The `authFront` setting the front's guide prescribes for Portcullis. */
  authFront: AuthFront;
  missing: string | null;
  /** The example config writes an access log (nginx's and Caddy's examples write none). */
  accessLog?: true;
  start(setup: FrontSetup): Promise<StartedFront>;
}

/** Starts Portcullis, then the front; if the front fails to start, Portcullis is stopped again. */
async function startPair(
  setup: FrontSetup,
  authFront: AuthFront,
  startWeb: (portcullis: RunningServer) => Promise<Omit<StartedFront, 'portcullis' | 'close'>>,
): Promise<StartedFront> {
  const portcullis = await setup.startPortcullis(authFront);
  try {
    const started = await startWeb(portcullis);
    const close = async () => {
      await started.web.close();
      await portcullis.close();
    };
    return { ...started, portcullis, close };
  } catch (err) {
    await portcullis.close();
    throw err;
  }
}

const edit = (setup: FrontSetup) => (text: string) => setup.editConfig?.(text) ?? text;
const hostOf = (server: RunningServer) => new URL(server.url).host;

/** nginx, Caddy and Apache from docs/examples, in the order of the guides. */
export const EXAMPLE_FRONTS: readonly ExampleFront[] = [
  {
    name: 'nginx auth_request (docs/examples/nginx-auth-request.conf)',
    authFront: 'nginx',
    missing: missingBinary(NGINX_BIN),
    start: (setup) =>
      startPair(setup, 'nginx', async (portcullis) => ({
        get: fetchGet,
        web: await startNginx(async (port) =>
          edit(setup)(
            await renderExample('nginx-auth-request.conf', {
              LISTEN: `127.0.0.1:${port}`,
              PORTCULLIS: hostOf(portcullis),
              CONTENT_ROOT: setup.contentRoot,
            }),
          ),
        ),
      })),
  },
  {
    name: 'caddy forward_auth (docs/examples/Caddyfile)',
    authFront: 'caddy',
    missing: missingBinary(CADDY_BIN),
    start: (setup) =>
      startPair(setup, 'caddy', async (portcullis) => ({
        get: fetchGet,
        web: await startCaddy(async (port) =>
          edit(setup)(
            await renderExample('Caddyfile', {
              SITE: `http://127.0.0.1:${port}`,
              PORTCULLIS: hostOf(portcullis),
              CONTENT_ROOT: setup.contentRoot,
            }),
          ),
        ),
      })),
  },
  {
    name: 'Apache httpd TLS reverse proxy (docs/examples/apache-reverse-proxy.conf)',
    authFront: 'off',
    missing: missingBinary(APACHE_BIN),
    accessLog: true,
    start: (setup) =>
      startPair(setup, 'off', async (portcullis) => {
        let tls = { cert: '', key: '' };
        let logDir = '';
        const web = await startApache(async (port, apacheDir) => {
          tls = selfSignedCertificate(apacheDir, 'tls', { ip: '127.0.0.1' });
          logDir = apacheDir;
          return edit(setup)(
            await renderExample('apache-reverse-proxy.conf', {
              LISTEN: `127.0.0.1:${port}`,
              SERVER_NAME: '127.0.0.1',
              TLS_CERT: tls.cert,
              TLS_KEY: tls.key,
              PORTCULLIS: hostOf(portcullis),
              LOG_DIR: apacheDir,
            }),
          );
        });
        return {
          web: { ...web, url: web.url.replace('http:', 'https:') },
          get: httpsGet(await readFile(tls.cert, 'utf8')),
          accessLog: () => readFile(join(logDir, 'dp-access.log'), 'utf8'),
        };
      }),
  },
];
