#!/usr/bin/env node
// `npm run bench:serve`: is Portcullis, run the way users run it, close to the platform's limit?
// Issue 17. Compares, in rounds on 127.0.0.1 (server pinned to core 0, load generator to core 1):
// `portcullis serve` started through the CLI as the README does (`node dist/cli/main.js serve
// --root … --key … --workers 1`, default logging: the access log on, to a file), the same with
// `--log-level warn` (what the access log costs), a bare node:http handler that sends the same
// bytes and writes the same log line (the platform's limit; also without the line, and with one
// RS256 verify per request: what the platform itself charges for the log and a fresh token), nginx with its access log on and its
// documented large-file settings, nginx + njs verifying RS256, and a raw node:crypto verify rate
// of the same key on the same core. Scenarios: (a) 1 KiB, one token reused; (b) 1 KiB, a fresh
// token per request; (c) 100 MiB; (d) 5,000 concurrent slow downloads (first byte, progress,
// memory). Each round starts every peer afresh; the report gives medians of per-round ratios and
// draws them against the goals (SVG). Writes the "Serve (Node N)" section of BENCHMARKS.md.
// Needs `npm run build` first. Knobs: BENCH_SECONDS (2), BENCH_ROUNDS (3), BENCH_FRESH_TOKENS
// (12000 per round), BENCH_FRESH_WARMUP (4000 per round, sent before (b) is measured), BENCH_SLOW_CLIENTS (5000), BENCH_SLOW_SECONDS (6), BENCH_SCENARIOS (abcd; a subset
// prints without writing BENCHMARKS.md), BENCH_LIB=1 adds the library-started peer (startServer,
// --log-level warn) to (a). Bounded: the default run takes about three minutes.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
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
  SERVER_CPU,
  startPinned,
  writeNginxConf,
} from './serve-lib.mjs';
import { renderSection, writeResults } from './serve-report.mjs';
import { jamfToken, signTokens } from './serve-tokens.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = join(HERE, '..', 'dist', 'cli', 'main.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FRESH = Number(process.env.BENCH_FRESH_TOKENS ?? 12_000);
/** Fresh tokens each peer is warmed up with before (b) is measured. */
const FRESH_WARMUP = Number(process.env.BENCH_FRESH_WARMUP ?? 4000);
const SLOW_CLIENTS = Number(process.env.BENCH_SLOW_CLIENTS ?? 5000);
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 6);
const WITH_LIB = process.env.BENCH_LIB === '1';
/** Subset of scenarios, e.g. BENCH_SCENARIOS=d; a partial run prints but does not touch BENCHMARKS.md. */
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'abcd')
  .split('')
  .filter((c) => 'abcd'.includes(c));
const FULL_RUN = ['a', 'b', 'c', 'd'].every((c) => SCENARIOS.includes(c));
const SMALL = '/small.bin';
const BIG = '/big.bin';
const BIG_BYTES = 100 * 1024 * 1024;
/** File descriptors (d) needs: a socket and an open file per download, plus headroom. */
const NOFILE = SLOW_CLIENTS * 2 + 1024;

function preflight() {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
  requireTool('wrk', 'apt-get install wrk');
  requireTool('taskset', 'apt-get install util-linux');
  requireTool('prlimit', 'apt-get install util-linux');
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
  const perRound = FRESH + FRESH_WARMUP;
  const count = SCENARIOS.includes('b') ? perRound * ROUNDS : 0;
  if (count) process.stderr.write(`signing ${count} fresh tokens…\n`);
  const fresh = await signTokens(pem, count, exp + 1);
  // Each round's peers get their own slice of tokens: a token seen in one round is never reused.
  // The first FRESH_WARMUP of a slice warm each peer up on fresh tokens before its measured run
  // (never the measured ones): a long-running server has compiled its verify path long ago.
  const tokensFiles = [];
  const warmFiles = [];
  for (let r = 0; r < ROUNDS && count; r++) {
    const slice = fresh.slice(r * perRound, (r + 1) * perRound);
    warmFiles.push(join(dir, `warm-${r}.txt`));
    await writeFile(warmFiles[r], `${slice.slice(0, FRESH_WARMUP).join('\n')}\n`);
    tokensFiles.push(join(dir, `tokens-${r}.txt`));
    await writeFile(tokensFiles[r], `${slice.slice(FRESH_WARMUP).join('\n')}\n`);
  }
  // (b)'s reference: the same script sending the reused token, so both sides of "what a fresh
  // token costs" pay the same client (wrk's Lua request() caps it below plain wrk's rate).
  const sameTokenFile = join(dir, 'tokens-same.txt');
  const same = Array(FRESH * 3).fill(reused);
  if (count) await writeFile(sameTokenFile, `${same.join('\n')}\n`);
  const spkiBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    dir,
    root,
    pubFile,
    reused,
    tokensFiles,
    warmFiles,
    sameTokenFile,
    spkiBase64,
    headersFile: join(dir, 'h.json'),
  };
}

async function startNginxPeer(ctx, njs) {
  const port = await freePort();
  const conf = await writeNginxConf(ctx.dir, { port, root: ctx.root, njs });
  const global = `daemon off; master_process off; pid ${join(ctx.dir, `nginx-${port}.pid`)}; error_log stderr;`;
  const label = njs ? 'nginx+njs' : 'nginx';
  return startPinned(label, NGINX, ['-p', ctx.dir, '-c', conf, '-g', global], port);
}

/** `portcullis serve` exactly as the README starts it, stdout (the access log) to a file. */
async function startCli(ctx, label, extra = [], nofile = undefined) {
  const port = await freePort();
  const adminPort = await freePort();
  const log = join(ctx.dir, `${label}-${port}.log`);
  const args = [CLI, 'serve', '--root', ctx.root, '--key', ctx.pubFile, '--host', '127.0.0.1'];
  args.push('--port', String(port), '--admin-port', String(adminPort), '--workers', '1', ...extra);
  const peer = await startPinned(label, process.execPath, args, port, {
    stdout: openSync(log, 'w'),
    ...(nofile ? { nofile } : {}),
  });
  return { ...peer, log };
}

async function startLib(ctx) {
  const port = await freePort();
  const args = [join(HERE, 'serve-portcullis.mjs'), ctx.root, ctx.pubFile, String(port)];
  return startPinned('portcullis-lib', process.execPath, args, port);
}

/** The bare node:http peer; `flags` pick a floor variant (`--no-log`, `--verify <pem>`). */
async function startBare(ctx, label = 'node-bare', flags = []) {
  const port = await freePort();
  const args = [join(HERE, 'serve-node-bare.mjs'), join(ctx.root, SMALL.slice(1))];
  args.push(ctx.headersFile, String(port), ...flags);
  return startPinned(label, process.execPath, args, port, {
    stdout: openSync(join(ctx.dir, `${label}-${port}.log`), 'w'),
  });
}

/** Refuses to measure a peer that does not behave: valid token → 200, no token → 401. */
async function sanityCheck(peer, token, checks) {
  const ok = await fetch(`${peer.url}${SMALL}?token=${token}`);
  const body = await ok.text();
  if (ok.status !== 200) throw new Error(`${peer.label}: valid token got ${ok.status} ${body}`);
  if (!checks) return ok;
  const refused = await fetch(`${peer.url}${SMALL}`);
  await refused.arrayBuffer();
  if (refused.status !== 401) throw new Error(`${peer.label}: no token got ${refused.status}`);
  return ok;
}

/** The headers Portcullis sends for the 1 KiB file, for the bare node:http peer to send too. */
async function captureHeaders(peer, ctx) {
  const res = await fetch(`${peer.url}${SMALL}?token=${ctx.reused}`);
  await res.arrayBuffer();
  const headers = {};
  for (const [k, v] of res.headers) {
    if (!['date', 'connection', 'keep-alive'].includes(k)) headers[k] = v;
  }
  await writeFile(ctx.headersFile, JSON.stringify(headers));
}

/**
 * wrk, counting every answered request of a peer (warm-ups too) for the log-line check, and the
 * requests that may have been in flight when each run stopped (one per connection): wrk does not
 * count those, but the server answers and logs them.
 */
function wrkCounted(peer, opts) {
  const result = runWrk(opts);
  peer.answered = (peer.answered ?? 0) + result.requests;
  peer.inFlight = (peer.inFlight ?? 0) + (opts.connections ?? 0);
  return result;
}

function measure(peer, scenario, ctx, round) {
  const runWrk = (opts) => wrkCounted(peer, opts);
  const pid = peer.pid;
  const warm = { url: `${peer.url}${SMALL}?token=${ctx.reused}`, seconds: 1, connections: 32 };
  if (scenario === 'a') runWrk(warm);
  if (scenario === 'a') return runWrk({ ...warm, seconds: SECONDS, connections: 64, pid });
  if (scenario === 'c') {
    const url = `${peer.url}${BIG}?token=${ctx.reused}`;
    runWrk({ url, seconds: 1, connections: 4 });
    return runWrk({ url, seconds: SECONDS, connections: 4, pid });
  }
  // (b): each token is used once, so the warm-up sends its own fresh tokens (this round's first
  // FRESH_WARMUP, never measured); the script measures its own window. Without it the first
  // measured requests paid the compilation of the verify path, which the reused-token reference
  // run after it did not (bare node:http + one verify: 1.66 raw verifies apart with the same
  // verify on both sides). 'b-same' is the reference: the same script and connections, the reused
  // token every time.
  const script = join(HERE, 'serve-fresh.lua');
  if (scenario === 'b')
    runWrk({
      url: peer.url,
      seconds: 2,
      connections: 64,
      script,
      scriptArgs: [SMALL, ctx.warmFiles[round]],
    });
  return runWrk({
    url: peer.url,
    seconds: SECONDS + 2,
    connections: 64,
    script,
    scriptArgs: [SMALL, scenario === 'b-same' ? ctx.sameTokenFile : ctx.tokensFiles[round]],
    pid,
  });
}

/** Raw RS256 verifications per second of the same key on the server's core, this round. */
function rawVerify(ctx) {
  return new Promise((resolve, reject) => {
    const args = ['-c', SERVER_CPU, process.execPath, join(HERE, 'serve-raw-verify.mjs')];
    args.push(ctx.pubFile, ctx.reused, '1.5');
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`raw verify exited ${code}`)),
    );
  });
}

/** Access-log lines a CLI peer wrote (goal e: one per answered request, none lost). */
function logLines(peer) {
  return readFileSync(peer.log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"request"')).length;
}

async function slowDownloads(peer, token) {
  const port = new URL(peer.url).port;
  const args = [`--nofile=${NOFILE}:${NOFILE}`, 'taskset', '-c', LOAD_CPU, process.execPath];
  args.push(join(HERE, 'serve-slow-clients.mjs'), port, `${BIG}?token=${token}`);
  args.push(String(SLOW_CLIENTS), String(SLOW_SECONDS));
  const before = memoryOf(peer.pid);
  const child = spawn('prlimit', args, { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Every peer of a round: name, start, scenarios, whether it checks tokens. Order matters: the
 * CLI peer runs first, so the bare peer can send the headers captured from it. */
function peerPlan(ctx) {
  const plan = [
    // 'b-same' (after 'b'): (b)'s script sending the reused token, the fresh-token cost's reference.
    ['portcullis', () => startCli(ctx, 'portcullis'), ['a', 'b', 'b-same', 'c'], true],
    [
      'portcullis-nolog',
      () => startCli(ctx, 'portcullis-nolog', ['--log-level', 'warn']),
      ['a'],
      true,
    ],
    // 'b-same' on the bare peer: (b)'s script sending the reused token, the floor's reference.
    ['node-bare', () => startBare(ctx), ['a', 'b-same'], false],
    // The platform's floors for (e) and (b): the bare peer without its log line, and with one
    // RS256 verify per request and nothing else (reported beside the goals, not as goals).
    ['node-bare-nolog', () => startBare(ctx, 'node-bare-nolog', ['--no-log']), ['a'], false],
    [
      'node-bare-verify',
      () => startBare(ctx, 'node-bare-verify', ['--verify', ctx.pubFile]),
      ['b'],
      true,
    ],
    ['nginx', () => startNginxPeer(ctx, null), ['a', 'c'], false],
    [
      'nginx+njs',
      () => startNginxPeer(ctx, { script: join(HERE, 'njs', 'jwt.js'), ...ctx }),
      ['b'],
      true,
    ],
  ];
  if (WITH_LIB) plan.push(['portcullis-lib', () => startLib(ctx), ['a'], true]);
  return plan;
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
    slowSeconds: SLOW_SECONDS,
    rounds: [],
    runs: {},
  };
  const peers = [];
  try {
    const ctx = await prepare(dir);
    for (let round = 0; round < ROUNDS && SCENARIOS.some((c) => c !== 'd'); round++) {
      const runs = {};
      if (SCENARIOS.includes('b'))
        runs['raw-verify'] = { ...(await rawVerify(ctx)), load: facts.load() };
      for (const [name, start, all, checks] of peerPlan(ctx)) {
        const scenarios = all.filter((c) => SCENARIOS.includes(c[0]));
        if (scenarios.length === 0) continue;
        // A fresh process per round: no peer keeps a cache or a warmed heap from the last one.
        const peer = await start();
        peers.push(peer);
        await sanityCheck(peer, ctx.reused, checks);
        if (name === 'portcullis') await captureHeaders(peer, ctx);
        for (const s of scenarios) {
          process.stderr.write(
            `round ${round + 1}/${ROUNDS} ${name}: scenario ${s} (${SECONDS}s, load ${facts.load()})\n`,
          );
          runs[`${s}:${name}`] = { ...measure(peer, s, ctx, round), load: facts.load() };
        }
        await peer.stop();
        peers.pop();
        // Sanity check (2 requests) and header capture (1) are answered requests too.
        if (name === 'portcullis') {
          runs['e:lines'] = {
            lines: logLines(peer),
            answered: (peer.answered ?? 0) + 3,
            inFlight: peer.inFlight ?? 0,
          };
        }
      }
      results.rounds.push(runs);
    }
    // (d) on a fresh process, so VmHWM is the peak of this scenario and not of (c).
    if (!SCENARIOS.includes('d')) return results;
    process.stderr.write(`portcullis: scenario d (${SLOW_CLIENTS} slow downloads)\n`);
    const fresh = await startCli(ctx, 'portcullis-d', [], NOFILE);
    peers.push(fresh);
    await sanityCheck(fresh, ctx.reused, true);
    await new Promise((r) => setTimeout(r, 500)); // let start-up garbage settle before the baseline
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
