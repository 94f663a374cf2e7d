// Starts Debian's real nginx and caddy on ephemeral 127.0.0.1 ports from the very config files
// shipped in docs/examples/, so the guides cannot drift from what the tests prove.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_BIN = '/usr/sbin/nginx';
export const CADDY_BIN = '/usr/bin/caddy';
export const APACHE_BIN = '/usr/sbin/apache2';
const APACHE_MODULES = '/usr/lib/apache2/modules';
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';
const EXAMPLES = fileURLToPath(new URL('../../docs/examples/', import.meta.url));

/** A web server child process listening on 127.0.0.1:`port`. */
export interface RunningWebServer {
  url: string;
  port: number;
  /** Everything the server wrote to stderr so far (for failure messages). */
  logs(): string;
  close(): Promise<void>;
}

/** Why a binary cannot be used, or null when it can. In CI a missing binary is a failure, not a skip. */
export function missingBinary(path: string): string | null {
  if (existsSync(path)) return null;
  const reason = `${path} is not installed (apt-get install nginx libnginx-mod-http-js caddy apache2)`;
  if (process.env.CI) throw new Error(`CI must run the web-server tests: ${reason}`);
  return reason;
}

/** Reads docs/examples/`name` and fills every `{{NAME}}`; an unfilled placeholder is an error. */
export async function renderExample(name: string, vars: Record<string, string>): Promise<string> {
  const text = await readFile(join(EXAMPLES, name), 'utf8');
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key: string) => vars[key] ?? whole);
  const left = /\{\{[A-Z_]+\}\}/.exec(out);
  if (left) throw new Error(`${name}: no value for placeholder ${left[0]}`);
  return out;
}

/** An ephemeral port the kernel just handed out (closed again so the web server can bind it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${logs()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('close', () => socket.destroy());
    }).catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port}:\n${logs()}`);
}

async function launch(
  bin: string,
  args: string[],
  dir: string,
  port: number,
  env: NodeJS.ProcessEnv = process.env,
  logFile?: string,
): Promise<RunningWebServer> {
  const child = spawn(bin, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const logs = () => {
    if (logFile === undefined) return output;
    try {
      return output + readFileSync(logFile, 'utf8');
    } catch {
      return output;
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, logs);
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, port, logs, close };
}

/** Wraps a `server {}` block in a minimal nginx.conf whose every path lives in `dir`. */
function nginxMainConf(dir: string, siteFile: string, modules: string[]): string {
  // As root (CI containers) the workers would drop to `nobody`, who cannot read our 0700 temp dirs.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join('\n  ');
  return `${modules.map((m) => `load_module ${m};`).join('\n')}
${user}
worker_processes 1;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  access_log off;
  ${temp}
  include ${siteFile};
}
`;
}

/** Starts nginx with the given `server {}` block (text); `{{LISTEN}}` must already be filled. */
export async function startNginx(
  site: (port: number) => string | Promise<string>,
  opts: { modules?: string[] } = {},
): Promise<RunningWebServer> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-nginx-'));
  const port = await freePort();
  const siteFile = join(dir, 'site.conf');
  await writeFile(siteFile, await site(port));
  await writeFile(join(dir, 'nginx.conf'), nginxMainConf(dir, siteFile, opts.modules ?? []));
  const global = `daemon off; master_process on; pid ${join(dir, 'nginx.pid')}; error_log stderr;`;
  return launch(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', global], dir, port);
}

/** Starts caddy with the given site block; admin API and automatic HTTPS off, all state in a temp dir. */
export async function startCaddy(site: (port: number) => string | Promise<string>) {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-caddy-'));
  const port = await freePort();
  const home = join(dir, 'home');
  await mkdir(home);
  const globals = `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${join(dir, 'storage')}\n}\n\n`;
  await writeFile(join(dir, 'Caddyfile'), globals + (await site(port)));
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
  };
  const args = ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'];
  return launch(CADDY_BIN, args, dir, port, env);
}

/**
 * Starts Debian's apache2 (event MPM, one process, `-X`) with the given virtual host, loading Debian's
 * default modules that the configs use plus those docs/apache.md asks for. Its error log is a file (stderr is a socket it cannot open). As root (CI) the process drops to www-data after reading
 * its configuration, certificates and log files, as a packaged Apache does.
 */
export async function startApache(
  site: (port: number, dir: string) => string | Promise<string>,
): Promise<RunningWebServer> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-apache-'));
  const port = await freePort();
  const siteFile = join(dir, 'site.conf');
  await writeFile(siteFile, await site(port, dir));
  // Debian enables mpm_event, authz_core, authz_host and mime by default; the rest are what
  // docs/apache.md tells the admin to enable.
  const enabled = ['mpm_event', 'authz_core', 'authz_host', 'mime'];
  const modules = [...enabled, 'proxy', 'proxy_http', 'headers', 'ssl'].map(
    (m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`,
  );
  const user = process.getuid?.() === 0 ? 'User www-data\nGroup www-data' : '';
  const conf = `${modules.join('\n')}
ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${join(dir, 'httpd.pid')}
Mutex file:${dir} default
TypesConfig /etc/mime.types
ErrorLog ${join(dir, 'error.log')}
LogLevel warn
${user}
Include ${siteFile}
`;
  await writeFile(join(dir, 'httpd.conf'), conf);
  const args = ['-X', '-f', join(dir, 'httpd.conf')];
  return launch(APACHE_BIN, args, dir, port, process.env, join(dir, 'error.log'));
}
