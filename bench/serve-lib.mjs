// Process plumbing for bench/serve.mjs: start pinned servers, run wrk pinned to the other core,
// parse its output, render nginx configs. Kept apart so serve.mjs reads as the list of scenarios.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';
/** Server on core 0, load generator on core 1: they never compete for the same core. */
export const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '0';
export const LOAD_CPU = process.env.BENCH_LOAD_CPU ?? '1';

/** Absolute path of a required tool, or throws with an install hint. */
export function requireTool(name, hint) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is required (${hint})`);
  }
}

/** An ephemeral port on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForPort(port, child, label) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${label} exited early (code ${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${label} did not listen on ${port}`);
}

/**
 * Starts `cmd args` pinned to the server core; resolves once `port` accepts connections.
 * `stop()` sends SIGTERM to that one process and waits for it.
 */
export async function startPinned(label, cmd, args, port, opts = {}) {
  // opts.nofile: the bench raises the file-descriptor limit itself (prlimit), so (d)'s thousands
  // of sockets and open files never meet a login shell's default; opts.stdout: a file descriptor
  // the server's stdout (its access log) goes to, as with `portcullis serve > access.log`.
  const pinned = ['taskset', '-c', SERVER_CPU, cmd, ...args];
  const argv = opts.nofile
    ? ['prlimit', `--nofile=${opts.nofile}:${opts.nofile}`, ...pinned]
    : pinned;
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'],
    env: opts.env ?? process.env,
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, label);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  }
  return {
    label,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Parses wrk's summary: requests/s, bytes/s, request count, non-2xx count, socket errors. */
export function parseWrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMGT]?B)/.exec(text);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  // serve-fresh.lua measures its own window (wrk divides by -d even when the script stopped early).
  const fresh = /fresh-tokens: (\d+) ([\d.]+)/.exec(text);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    bytesPerSec: transfer ? Number(transfer[1]) * UNITS[transfer[2]] : 0,
    requests: num(/(\d+) requests in/),
    seconds: num(/requests in ([\d.]+)s/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    socketErrorKinds: errors
      ? ['connect', 'read', 'write', 'timeout']
          .map((kind, i) => [kind, Number(errors[i + 1])])
          .filter(([, n]) => n > 0)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ')
      : '',
    ...(fresh && Number(fresh[2]) > 0
      ? { wrkRps: num(/Requests\/sec:\s+([\d.]+)/), rps: (Number(fresh[1]) - 1) / Number(fresh[2]) }
      : {}),
    ...(fresh ? { freshResponses: Number(fresh[1]), freshSeconds: Number(fresh[2]) } : {}),
  };
}

const statOf = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/** CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid) {
  const fields = statOf(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/**
 * Minor page faults a process has taken (/proc/<pid>/stat minflt). A relay that touches fresh
 * memory for every chunk it receives (glibc giving its heap back and growing it again) pays for
 * it here and in CPU time: the count tells that apart from the code's own cost.
 */
export function minorFaultsOf(pid) {
  return Number(statOf(pid)[7]);
}

/**
 * Runs wrk pinned to the load core (`timeout` in seconds, for long downloads) and returns the parsed summary plus the server's CPU µs per
 * request (from /proc, less sensitive to a shared machine than req/s). Non-2xx answers and socket
 * errors do not throw: they are recorded in `failures`, and the report never counts such a run
 * as meeting a goal. Throws only when wrk made no request at all.
 */
export function runWrk({
  url,
  seconds,
  connections,
  script,
  scriptArgs = [],
  pid,
  cpu: on,
  timeout,
}) {
  const args = [
    '-c',
    on ?? LOAD_CPU,
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
  ];
  // wrk counts an answer slower than its timeout (default 2 s) as a socket error.
  if (timeout !== undefined) args.push('--timeout', `${timeout}s`);
  if (script) args.push('-s', script);
  args.push(url);
  if (scriptArgs.length) args.push('--', ...scriptArgs);
  const cpu0 = pid ? cpuSecondsOf(pid) : 0;
  const faults0 = pid ? minorFaultsOf(pid) : 0;
  const out = execFileSync('taskset', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const cpu = pid ? cpuSecondsOf(pid) - cpu0 : 0;
  const faults = pid ? minorFaultsOf(pid) - faults0 : 0;
  const result = parseWrk(out);
  if (result.requests === 0 && result.bytesPerSec === 0)
    throw new Error(`wrk got nothing:\n${out}`);
  const failures = [];
  if (result.non2xx > 0) failures.push(`${result.non2xx} non-2xx answers`);
  if (result.socketErrors > 0)
    failures.push(`${result.socketErrors} socket errors (${result.socketErrorKinds})`);
  const answered = result.freshResponses ?? result.requests;
  const mib = (result.bytesPerSec * result.seconds) / 1024 ** 2;
  return {
    ...result,
    failures,
    cpuUsPerRequest: pid ? (cpu * 1e6) / answered : undefined,
    // Bytes wrk read, partial responses included: the measure for large downloads.
    cpuUsPerMiB: pid && mib > 0 ? (cpu * 1e6) / mib : undefined,
    faultsPerMiB: pid && mib > 0 ? faults / mib : undefined,
  };
}

/**
 * nginx.conf for one peer: one worker, its access log on (the default combined format, to a file in
 * `dir`), and the settings nginx's documentation recommends for serving large files (`sendfile on;
 * tcp_nopush on;`), every path inside `dir`.
 */
export async function writeNginxConf(dir, { port, root, njs = null }) {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join(' ');
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const jsModule = njs ? `load_module ${NJS_MODULE};` : '';
  const jsImport = njs ? `js_import jwt from ${njs.script};` : '';
  const location = njs
    ? `set $jwt_spki "${njs.spkiBase64}";
      location / { auth_request /_auth; }
      location = /_auth { internal; js_content jwt.verify; }`
    : 'location / { }';
  const conf = `${jsModule}
${user}
worker_processes 1;
events { worker_connections 8192; }
http {
  default_type application/octet-stream;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  access_log ${join(dir, `access-${port}.log`)};
  ${temp}
  ${jsImport}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    ${location}
  }
}
`;
  const file = join(dir, `nginx-${port}.conf`);
  await writeFile(file, conf);
  return file;
}

/** Peak and current resident memory of a process, in bytes, from /proc/<pid>/status. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/** One-line facts about the machine for the results table. */
export function machineFacts() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
  const sh = (c) => {
    try {
      return execFileSync('sh', ['-c', c], { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    date: sh('date -u +"%Y-%m-%d %H:%M:%S UTC"'),
    cpu: `${cpu} (${sh('nproc')} cores)`,
    cores: Number(sh('nproc')) || 1,
    node: process.version,
    nginx: sh(`${NGINX} -v 2>&1`).replace('nginx version: ', ''),
    wrk: sh('wrk -v 2>&1 | head -1').split(' [')[0],
    load: () => sh('uptime').replace(/^.*load average:\s*/, ''),
  };
}
