#!/usr/bin/env node
// `npm run bench:serve`: is Portcullis fast enough to be the distribution point itself? Compares,
// in one run on 127.0.0.1, `portcullis serve` (1 worker) with nginx serving the same files without
// any check and with nginx + njs verifying RS256 in an auth_request. Server pinned to core 0,
// wrk to core 1. Scenarios: (a) 1 KiB file, one token reused; (b) 1 KiB, a fresh token per request;
// (c) 100 MiB throughput; (d) peak RSS with 1,000 slow concurrent downloads. (a)-(c) run in
// rounds, every peer once per round, so drift on a shared machine hits all peers alike; the report
// gives medians and the median of per-round ratios. Writes the results into the "Serve" section
// of BENCHMARKS.md. Needs `npm run build` first; builds nothing itself.
// Knobs: BENCH_SECONDS (default 5), BENCH_ROUNDS (5), BENCH_FRESH_TOKENS (30000),
// BENCH_SLOW_CLIENTS (1000), BENCH_SCENARIOS (default abcd; a subset prints results without
// writing BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  LOAD_CPU,
  machineFacts,
  memoryOf,
  NGINX,
  NJS_MODULE,
  requireTool,
  runWrk,
  startPinned,
  writeNginxConf,
} from './serve-lib.mjs';
import { renderSection, writeResults } from './serve-report.mjs';
import { jamfToken, signTokens } from './serve-tokens.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = join(HERE, '..', 'dist', 'server', 'serve.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FRESH = Number(process.env.BENCH_FRESH_TOKENS ?? 30_000);
const SLOW_CLIENTS = Number(process.env.BENCH_SLOW_CLIENTS ?? 1000);
/** Subset of scenarios, e.g. BENCH_SCENARIOS=d; a partial run prints but does not touch BENCHMARKS.md. */
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'abcd')
  .split('')
  .filter((c) => 'abcd'.includes(c));
const FULL_RUN = ['a', 'b', 'c', 'd'].every((c) => SCENARIOS.includes(c));
const SMALL = '/small.bin';
const BIG = '/big.bin';
const BIG_BYTES = 100 * 1024 * 1024;

function preflight() {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` first');
  requireTool('wrk', 'apt-get install wrk');
  requireTool('taskset', 'apt-get install util-linux');
  if (!existsSync(NGINX)) throw new Error('nginx is required (apt-get install nginx)');
  if (!existsSync(NJS_MODULE))
    throw new Error('njs is required (apt-get install libnginx-mod-http-js)');
}

async function writeBigFile(path) {
  const file = await open(path, 'w');
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < BIG_BYTES / chunk.length; i++) await file.write(chunk);
  await file.close();
}

async function prepare(dir) {
  const root = join(dir, 'content');
  await mkdir(root);
  await writeFile(join(root, SMALL.slice(1)), randomBytes(1024));
  await writeBigFile(join(root, BIG.slice(1)));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pubFile = join(dir, 'pub.pem');
  await writeFile(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const exp = Math.floor(Date.now() / 1000) + 6 * 3600;
  const reused = jamfToken(privateKey, exp);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const count = SCENARIOS.includes('b') ? FRESH : 0;
  if (count) process.stderr.write(`signing ${count} fresh tokens…\n`);
  const fresh = await signTokens(pem, count, exp + 1);
  const tokensFile = join(dir, 'tokens.txt');
  await writeFile(tokensFile, `${fresh.join('\n')}\n`);
  const spkiBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { root, pubFile, reused, tokensFile, spkiBase64 };
}

async function startNginxPeer(dir, root, njs) {
  const port = await freePort();
  const conf = await writeNginxConf(dir, { port, root, njs });
  const global = `daemon off; master_process off; pid ${join(dir, `nginx-${port}.pid`)}; error_log stderr;`;
  return startPinned(
    njs ? 'nginx+njs' : 'nginx',
    NGINX,
    ['-p', dir, '-c', conf, '-g', global],
    port,
  );
}

async function startPortcullis(root, pubFile) {
  const port = await freePort();
  const args = [join(HERE, 'serve-portcullis.mjs'), root, pubFile, String(port)];
  return startPinned('portcullis', process.execPath, args, port);
}

/** Refuses to measure a peer that does not behave: valid token → 200, no token → 401. */
async function sanityCheck(peer, token, checks) {
  const ok = await fetch(`${peer.url}${SMALL}?token=${token}`);
  const body = await ok.text();
  if (ok.status !== 200) throw new Error(`${peer.label}: valid token got ${ok.status} ${body}`);
  if (!checks) return;
  const refused = await fetch(`${peer.url}${SMALL}`);
  await refused.arrayBuffer();
  if (refused.status !== 401) throw new Error(`${peer.label}: no token got ${refused.status}`);
}

function measure(peer, scenario, ctx) {
  const warm = { url: `${peer.url}${SMALL}?token=${ctx.reused}`, seconds: 1, connections: 32 };
  runWrk(warm);
  if (scenario === 'a') return runWrk({ ...warm, seconds: SECONDS, connections: 64 });
  if (scenario === 'c') {
    return runWrk({
      url: `${peer.url}${BIG}?token=${ctx.reused}`,
      seconds: SECONDS,
      connections: 4,
    });
  }
  const script = join(HERE, 'serve-fresh.lua');
  return runWrk({
    url: peer.url,
    seconds: SECONDS,
    connections: 64,
    script,
    scriptArgs: [SMALL, ctx.tokensFile],
  });
}

async function slowDownloads(peer, token) {
  const port = new URL(peer.url).port;
  const args = ['-c', LOAD_CPU, process.execPath, join(HERE, 'serve-slow-clients.mjs')];
  args.push(port, `${BIG}?token=${token}`, String(SLOW_CLIENTS), String(SECONDS));
  const before = memoryOf(peer.pid);
  const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((r) => child.once('exit', r));
  const clients = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  return { ...clients, baselineRss: before.rss, peakRss: memoryOf(peer.pid).hwm };
}

async function main() {
  const results = await measureAll();
  if (FULL_RUN) {
    process.stdout.write(`${await writeResults(results)}\n`);
  } else {
    process.stdout.write(
      `${renderSection(results)}\n(partial run: BENCHMARKS.md left as it was)\n`,
    );
  }
}

async function measureAll() {
  preflight();
  const facts = machineFacts();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-serve-'));
  const results = {
    facts,
    seconds: SECONDS,
    fresh: FRESH,
    slowClients: SLOW_CLIENTS,
    rounds: [],
    runs: {},
  };
  const peers = [];
  try {
    const ctx = await prepare(dir);
    const plan = [
      ['nginx', () => startNginxPeer(dir, ctx.root, null), ['a', 'c'], false],
      [
        'nginx+njs',
        () => startNginxPeer(dir, ctx.root, { script: join(HERE, 'njs', 'jwt.js'), ...ctx }),
        ['a', 'b'],
        true,
      ],
      ['portcullis', () => startPortcullis(ctx.root, ctx.pubFile), ['a', 'b', 'c'], true],
    ];
    for (let round = 1; round <= ROUNDS && SCENARIOS.some((c) => c !== 'd'); round++) {
      const runs = {};
      for (const [name, start, all, checks] of plan) {
        const scenarios = all.filter((c) => SCENARIOS.includes(c));
        if (scenarios.length === 0) continue;
        // A fresh process per round: no peer keeps a cache or a warmed heap from the last one.
        const peer = await start();
        peers.push(peer);
        await sanityCheck(peer, ctx.reused, checks);
        for (const s of scenarios) {
          process.stderr.write(
            `round ${round}/${ROUNDS} ${name}: scenario ${s} (${SECONDS}s, load ${facts.load()})\n`,
          );
          runs[`${s}:${name}`] = { ...measure(peer, s, ctx), load: facts.load() };
        }
        await peer.stop();
        peers.pop();
      }
      results.rounds.push(runs);
    }
    // (d) on a fresh process, so VmHWM is the peak of this scenario and not of (c).
    if (!SCENARIOS.includes('d')) return results;
    process.stderr.write(`portcullis: scenario d (${SLOW_CLIENTS} slow downloads)\n`);
    const fresh = await startPortcullis(ctx.root, ctx.pubFile);
    peers.push(fresh);
    await sanityCheck(fresh, ctx.reused, true);
    results.runs['d:portcullis'] = {
      ...(await slowDownloads(fresh, ctx.reused)),
      load: facts.load(),
    };
  } finally {
    for (const p of peers) await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

await main().catch((err) => {
  process.stderr.write(`bench:serve failed: ${err.message}\n`);
  process.exitCode = 1;
});
