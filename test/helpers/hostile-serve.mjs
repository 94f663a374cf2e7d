/**
 * Runs the built binary the way an admin would, for the hostile-ingest test and
 * bench/hostile-ingest.mjs: a data directory with an admin account (`portcullis admin create`)
 * and a verification key, `portcullis serve --data … --workers 1` (the content listener and the
 * admin API share one process and one event loop — the case the review stalled), Jamf-shaped
 * download tokens, and a prober that times 1 KiB downloads while something else happens.
 */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The built CLI. */
export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const USER = 'ops';
const PASSWORD = 'hostile suite passphrase 42';

/** Runs the built CLI synchronously; returns status and output (never throws on exit code). */
export function runCli(args, opts = {}) {
  try {
    const stdout = execFileSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    return {
      status: err.status ?? 1,
      stdout: String(err.stdout ?? ''),
      stderr: String(err.stderr ?? ''),
    };
  }
}

/** Same as runCli but asynchronous, so the caller's event loop keeps running meanwhile. */
export function runCliAsync(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status: status ?? 1, stdout, stderr }));
  });
}

/** An ephemeral loopback port. */
export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A data directory with an admin account, a key pair (public half given to serve), and a
 * 1 KiB `small.bin` in its content root.
 */
export function prepareDataDir(dir) {
  const dataDir = join(dir, 'data');
  const contentDir = join(dataDir, 'content');
  mkdirSync(contentDir, { recursive: true });
  writeFileSync(join(contentDir, 'small.bin'), randomBytes(1024));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pubPem = join(dir, 'pub.pem');
  writeFileSync(pubPem, publicKey.export({ type: 'spki', format: 'pem' }));
  const created = runCli(
    ['admin', 'create', '--data', dataDir, '--username', USER, '--password-file', '-'],
    { input: `${PASSWORD}\n` },
  );
  if (created.status !== 0) throw new Error(`admin create failed: ${created.stderr}`);
  return { dataDir, contentDir, pubPem, privateKey };
}

/** One Jamf-shaped RS256 download token valid for an hour. */
export function downloadToken(privateKey) {
  const b64 = (v) => Buffer.from(v).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const input = `${b64('{"alg":"RS256"}')}.${b64(JSON.stringify({ sub: 'AppManifest', iss: 'JSS', exp }))}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** Starts `portcullis serve --data` with one worker; resolves when both listeners answer. */
export async function startServe({ dataDir, contentDir, pubPem }, opts = {}) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data',
      dataDir,
      // A bucket (`--storage s3://…` and its flags) instead of the content directory.
      ...(opts.storageArgs ?? ['--root', contentDir]),
      '--key',
      pubPem,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--admin-port',
      String(adminPort),
      '--workers',
      '1',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited early:\n${stderr}`);
    const up = await Promise.all([
      fetch(`${url}/_portcullis/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
      fetch(`${adminUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    ]);
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error(`serve did not come up:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    adminUrl,
    pid: child.pid,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A bearer token for the admin API. */
export async function adminToken(adminUrl) {
  const res = await fetch(`${adminUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`admin sign-in failed: ${res.status}`);
  return (await res.json()).token;
}

/** Uploads bytes with PUT /api/v1/content/<path>; resolves to {status, body}. */
export async function upload(adminUrl, token, path, bytes) {
  const res = await fetch(`${adminUrl}/api/v1/content/${encodeURI(path)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: res.status, body: await res.json() };
}

/** GET /api/v1/content: the catalog's records. */
export async function listContent(adminUrl, token) {
  const res = await fetch(`${adminUrl}/api/v1/content`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()).items;
}

/** Resident memory of a process in bytes (VmRSS). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Downloads `url` back to back (one at a time) and samples `pid`'s RSS every 10 ms until
 * `stop()`; reports the slowest download, how many ran, any that failed, and the peak RSS.
 */
export function probeWhile(url, pid) {
  let running = true;
  const stats = { downloads: 0, failures: 0, maxLatencyMs: 0, peakRss: rssOf(pid) };
  const sampler = setInterval(() => {
    try {
      stats.peakRss = Math.max(stats.peakRss, rssOf(pid));
    } catch {
      // the process is gone; the caller checks alive()
    }
  }, 10);
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const ok = await fetch(url, { signal: AbortSignal.timeout(10_000) })
        .then(async (r) => r.status === 200 && (await r.arrayBuffer()).byteLength === 1024)
        .catch(() => false);
      stats.maxLatencyMs = Math.max(stats.maxLatencyMs, performance.now() - started);
      if (ok) stats.downloads++;
      else stats.failures++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      clearInterval(sampler);
      return stats;
    },
  };
}
