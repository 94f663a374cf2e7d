#!/usr/bin/env node
// `npm run bench:serve` (second part): the three performance lines of object storage (issue 13),
// measured in one run on 127.0.0.1 against a real S3-protocol server (s3rver in its own process):
// (e) redirect delivery with a fresh token per request vs local-disk serving with fresh tokens —
//     presigning (reused per object and minute, see src/storage/link-cache.ts) must cost little
//     next to RSA: goal ≥ 0.9×;
// (f) stream delivery of a 100 MiB object vs fetching the same object straight from s3rver:
//     goal ≥ 0.8×;
// (g) content bytes sent by Portcullis in redirect and cloudfront modes, from its own
//     portcullis_bytes_sent_total after a (e)-sized run: goal 0.
// (f) also runs stream delivery a second time with glibc's heap trimming relaxed
// (STREAM_ALLOCATOR below): CPU per MiB of any Node relay here swings 1.5–9 ms with the minor
// page faults it takes (docs/decisions.md, "Bucket stream relay"), and that run shows the floor.
// Portcullis pinned to core 0, wrk to core 1, s3rver unpinned (it is the "store", not measured).
// (e)/(f) run in rounds, both peers once per round; medians and the median of per-round ratios.
// Writes the "Serve from a bucket" section of BENCHMARKS.md. Needs `npm run build` first.
// Knobs: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_FRESH_TOKENS (30000), BENCH_BUCKET_ONLY=f.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  LOAD_CPU,
  machineFacts,
  requireTool,
  runWrk,
  SERVER_CPU,
  startPinned,
} from './serve-lib.mjs';
import { jamfToken, signTokens } from './serve-tokens.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FRESH = Number(process.env.BENCH_FRESH_TOKENS ?? 30_000);
/** BENCH_BUCKET_ONLY=f runs only (f) (for profiling the stream path); the report needs both. */
const ONLY = process.env.BENCH_BUCKET_ONLY ?? '';
const BIG_BYTES = 100 * 1024 * 1024;
/** (f) runs longer: at s3rver's speed a 100 MiB download takes about a second per connection. */
const BIG_SECONDS = Math.max(10, 2 * SECONDS);
const FILE = join(ROOT, 'BENCHMARKS.md');
/**
 * glibc malloc settings for the second stream run: keep up to 64 MiB of freed heap instead of
 * returning it to the kernel at once, and grow the heap 16 MiB at a time, so the 64 KiB buffers
 * node:http allocates per chunk land in memory already mapped (no fault per page).
 */
const STREAM_ALLOCATOR = {
  MALLOC_TRIM_THRESHOLD_: String(64 * 1024 * 1024),
  MALLOC_TOP_PAD_: String(16 * 1024 * 1024),
};
const CLI = join(ROOT, 'dist/cli/main.js');

/** s3rver in a child process (test/helpers/s3rver-child.cjs), request reporting off. */
async function startStore(dir) {
  const { fork } = await import('node:child_process');
  const child = fork(join(ROOT, 'test/helpers/s3rver-child.cjs'), [join(dir, 's3'), 'content'], {
    execArgv: ['--openssl-legacy-provider'],
    env: { ...process.env, S3RVER_COUNT: '0' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`s3rver exited ${c}`)));
    child.on('message', (m) => m?.type === 'ready' && resolve(m.port));
  });
  child.removeAllListeners('exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => child.kill('SIGTERM'),
  };
}

async function putObject(endpoint, key, body) {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true });
  await client.send(new PutObjectCommand({ Bucket: 'content', Key: key, Body: body }));
  client.destroy();
}

/**
 * `portcullis serve` through the CLI as the README starts it (default logging, the access log on
 * stdout to a file), `--workers 1`, credentials from the environment (the AWS SDK chain); the
 * admin listener serves /metrics, where the bench reads portcullis_bytes_sent_total.
 */
async function startPortcullis(dir, pubFile, shape, opts = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const args = [CLI, 'serve', '--key', pubFile, '--host', '127.0.0.1', '--port', String(port)];
  args.push('--admin-port', String(adminPort), '--workers', '1', ...shape.args);
  const peer = await startPinned(shape.label, process.execPath, args, port, {
    stdout: openSync(join(dir, `access-${port}.log`), 'w'),
    ...opts,
  });
  return { ...peer, admin: `http://127.0.0.1:${adminPort}` };
}

async function bytesSent(peer) {
  const text = await (await fetch(`${peer.admin}/metrics`)).text();
  return Number(/^portcullis_bytes_sent_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)];
};

function fresh(peer, tokensFile) {
  return runWrk({
    url: peer.url,
    seconds: SECONDS,
    connections: 64,
    script: join(HERE, 'serve-fresh.lua'),
    scriptArgs: ['/small.bin', tokensFile],
  });
}

async function main() {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  requireTool('wrk', 'apt-get install wrk');
  requireTool('taskset', 'apt-get install util-linux');
  const facts = machineFacts();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-bucket-'));
  const stops = [];
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    await mkdir(join(dir, 's3'));
    const store = await startStore(dir);
    stops.push(store.stop);
    const root = join(dir, 'content');
    await mkdir(root);
    const small = randomBytes(1024);
    const big = randomBytes(BIG_BYTES);
    await writeFile(join(root, 'small.bin'), small);
    await putObject(store.endpoint, 'small.bin', small);
    await putObject(store.endpoint, 'big.bin', big);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pubFile = join(dir, 'pub.pem');
    await writeFile(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const exp = Math.floor(Date.now() / 1000) + 6 * 3600;
    const reused = jamfToken(privateKey, exp);
    process.stderr.write(`signing ${FRESH} fresh tokens…\n`);
    const tokens = await signTokens(
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
      FRESH,
      exp + 1,
    );
    const tokensFile = join(dir, 'tokens.txt');
    await writeFile(tokensFile, `${tokens.join('\n')}\n`);
    execFileSync('openssl', ['genrsa', '-out', join(dir, 'cf.pem'), '2048'], { stdio: 'ignore' });
    const bucket = [
      '--storage',
      's3://content',
      '--s3-endpoint',
      store.endpoint,
      '--s3-path-style',
    ];
    const shapes = {
      disk: { label: 'portcullis --root', args: ['--root', root] },
      redirect: {
        label: 'portcullis --delivery redirect',
        args: [...bucket, '--delivery', 'redirect'],
      },
      cloudfront: {
        label: 'portcullis --delivery cloudfront',
        args: [
          ...bucket,
          '--delivery',
          'cloudfront',
          '--cloudfront-domain',
          'd111111abcdef8.cloudfront.net',
          '--cloudfront-key-pair-id',
          'K2JCJMDEHXQW5F',
          '--cloudfront-private-key-file',
          join(dir, 'cf.pem'),
        ],
      },
      stream: { label: 'portcullis --delivery stream', args: [...bucket, '--delivery', 'stream'] },
    };
    const rounds = [];
    const bytes = {};
    for (let round = 1; round <= ROUNDS; round++) {
      const r = {};
      for (const name of ONLY === 'f' ? [] : ['disk', 'redirect', 'cloudfront']) {
        process.stderr.write(`round ${round}/${ROUNDS}: (e) ${name} (load ${facts.load()})\n`);
        const peer = await startPortcullis(dir, pubFile, shapes[name]);
        try {
          r[`e:${name}`] = fresh(peer, tokensFile);
          if (name !== 'disk') bytes[name] = Math.max(bytes[name] ?? 0, await bytesSent(peer));
        } finally {
          await peer.stop();
        }
      }
      process.stderr.write(
        `round ${round}/${ROUNDS}: (f) direct and stream (load ${facts.load()})\n`,
      );
      // A 100 MiB download takes longer than wrk's default 2 s timeout, which would count it
      // as a socket error.
      const wrkBig = (url, pid) =>
        runWrk({ url, seconds: BIG_SECONDS, connections: 4, timeout: 60, pid });
      r['f:direct'] = wrkBig(`${store.endpoint}/content/big.bin`);
      const relayPort = await freePort();
      const relay = await startPinned(
        'node relay',
        process.execPath,
        [join(HERE, 'serve-bucket-relay.mjs'), store.endpoint, String(relayPort)],
        relayPort,
      );
      try {
        r['f:relay'] = wrkBig(`${relay.url}/big.bin`, relay.pid);
      } finally {
        await relay.stop();
      }
      const streamPeer = await startPortcullis(dir, pubFile, shapes.stream);
      try {
        r['f:stream'] = wrkBig(`${streamPeer.url}/big.bin?token=${reused}`, streamPeer.pid);
      } finally {
        await streamPeer.stop();
      }
      const tunedPeer = await startPortcullis(dir, pubFile, shapes.stream, {
        env: { ...process.env, ...STREAM_ALLOCATOR },
      });
      try {
        r['f:stream-tuned'] = wrkBig(`${tunedPeer.url}/big.bin?token=${reused}`, tunedPeer.pid);
      } finally {
        await tunedPeer.stop();
      }
      r.load = facts.load();
      rounds.push(r);
    }
    const section = render(facts, rounds, bytes);
    process.stdout.write(`${section}\n`);
    await writeSection(section);
  } finally {
    for (const stop of stops) stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';

function render(facts, rounds, bytes) {
  const med = (key, field) => median(rounds.map((r) => r[key]?.[field]));
  const ratio = (a, b, field) => median(rounds.map((r) => r[a]?.[field] / r[b]?.[field]));
  const MiB = 1024 * 1024;
  const eRedirect = ratio('e:redirect', 'e:disk', 'rps');
  const eCloudfront = ratio('e:cloudfront', 'e:disk', 'rps');
  const f = ratio('f:stream', 'f:direct', 'bytesPerSec');
  const fRelay = ratio('f:relay', 'f:direct', 'bytesPerSec');
  const fOfRelay = ratio('f:stream', 'f:relay', 'bytesPerSec');
  // CPU ms the hop spent per MiB it relayed (from /proc; less sensitive to a busy machine).
  const cpuPerMiB = (key) => med(key, 'cpuUsPerMiB') / 1000;
  const cpuOfRelay = ratio('f:relay', 'f:stream', 'cpuUsPerMiB');
  const faults = (key) => fmt(med(key, 'faultsPerMiB'));
  const cpuRounds = (key) => rounds.map((r) => fmt(r[key]?.cpuUsPerMiB / 1000, 2)).join(', ');
  const zero = bytes.redirect === 0 && bytes.cloudfront === 0;
  const failed = (key) =>
    rounds.flatMap((r, i) => (r[key]?.failures ?? []).map((f) => `round ${i + 1} ${key}: ${f}`));
  const allFailures = [...new Set(rounds.flatMap((r) => Object.keys(r)))].flatMap(failed);
  const failuresText = allFailures.length === 0 ? 'none' : allFailures.join('; ');
  const met = (ok, ...keys) => (ok && keys.every((k) => failed(k).length === 0) ? 'yes' : '**no**');
  const perRound = (a, b, field) =>
    rounds.map((r) => fmt(r[a]?.[field] / r[b]?.[field], 2)).join(', ');
  return `## Serve from a bucket

\`npm run bench:serve\` second part (bench/serve-bucket.mjs), ${rounds.length} rounds on 127.0.0.1. The store is
s3rver 3.7 in its own process, a JavaScript S3 server on the same 2 cores: on loopback it sends
0.4–1.2 GiB/s (it varies run to run), faster than a network link to a real store, so the store is
never the bottleneck in (f). Portcullis runs as the README
starts it: \`node dist/cli/main.js serve --storage s3://… --key … --workers 1\` with default logging,
its stdout (the access log) to a file, the admin listener on (for /metrics). (e) Portcullis on core
${SERVER_CPU}, wrk 1 thread on core ${LOAD_CPU}, the store unpinned; 64 connections, ${fmt(FRESH)} distinct pre-signed
tokens (bench/serve-fresh.lua: no verification cache can answer; rate over the script's own window),
1 KiB file from \`--root\` vs the same object redirected (302 to a presigned or CloudFront link, links
reused per object and minute: src/storage/link-cache.ts). (f) 4 connections, ${BIG_SECONDS} s, a 100 MiB
object, wrk straight from the store vs through \`--delivery stream\` (one HeadObject + one ranged
GetObject per download), and a bare node:http relay (bench/serve-bucket-relay.mjs: no token, no
checks): on loopback s3rver sends as fast as memory copies, so any process in between (even the
bare relay, which does nothing but copy) is measured against a store that is never the bottleneck,
on 2 cores that the store, the hop and wrk share; "stream ÷ relay" is what Portcullis itself costs
over that floor. CPU per MiB of any Node relay swings with the minor page faults it takes (glibc
returning its heap to the kernel and growing it again under node:http's 64 KiB buffer per chunk),
so (f'') gives the faults beside it and (f''') runs stream delivery again with that trimming relaxed. wrk's timeout is 60 s in (f) (a 100 MiB download takes longer than its default 2 s,
which it would count as an error). (g) \`portcullis_bytes_sent_total\` after the
(e) runs. Ratios are medians of per-round ratios; a goal is met only when the median meets it and
no run of the scenario failed (non-2xx answers, socket errors).

- Date: ${facts.date}
- CPU: ${facts.cpu}
- Node.js ${facts.node}, ${facts.wrk}
- Load average per round (1, 5, 15 min): ${rounds.map((r) => r.load).join(' · ')}
- Failures: ${failuresText}
- CPU ms per MiB per round: relay ${cpuRounds('f:relay')}; stream ${cpuRounds('f:stream')}; stream, heap trimming relaxed ${cpuRounds('f:stream-tuned')}
- Per-round ratios: (e) ${perRound('e:redirect', 'e:disk', 'rps')}; (e') ${perRound('e:cloudfront', 'e:disk', 'rps')}; (f) ${perRound('f:stream', 'f:direct', 'bytesPerSec')}; (f') ${perRound('f:relay', 'f:direct', 'bytesPerSec')}

| Scenario | Local disk / direct | Bucket | Ratio | Goal | Met |
| --- | --- | --- | --- | --- | --- |
| (e) fresh token per request, redirect | ${fmt(med('e:disk', 'rps'))} req/s (\`--root\`) | ${fmt(med('e:redirect', 'rps'))} req/s | ${fmt(eRedirect, 2)}× | ≥ 0.9× | ${met(eRedirect >= 0.9, 'e:redirect', 'e:disk')} |
| (e') fresh token per request, cloudfront | ${fmt(med('e:disk', 'rps'))} req/s (\`--root\`) | ${fmt(med('e:cloudfront', 'rps'))} req/s | ${fmt(eCloudfront, 2)}× | (≥ 0.9×) | ${met(eCloudfront >= 0.9, 'e:cloudfront', 'e:disk')} |
| (f) 100 MiB, stream | ${fmt(med('f:direct', 'bytesPerSec') / MiB)} MiB/s (s3rver direct) | ${fmt(med('f:stream', 'bytesPerSec') / MiB)} MiB/s | ${fmt(f, 2)}× | ≥ 0.8× | ${met(f >= 0.8, 'f:stream', 'f:direct')} |
| (f') 100 MiB, bare Node relay (no checks; the ceiling of any Node hop here) | ${fmt(med('f:direct', 'bytesPerSec') / MiB)} MiB/s (s3rver direct) | ${fmt(med('f:relay', 'bytesPerSec') / MiB)} MiB/s | ${fmt(fRelay, 2)}× (stream is ${fmt(fOfRelay, 2)}× of the relay) | – | – |
| (f'') CPU per MiB relayed (minor page faults per MiB) | – | relay ${fmt(cpuPerMiB('f:relay'), 2)} ms (${faults('f:relay')}), stream ${fmt(cpuPerMiB('f:stream'), 2)} ms (${faults('f:stream')}) | relay ÷ stream ${fmt(cpuOfRelay, 2)}× | – | – |
| (f''') stream, glibc heap trimming relaxed (\`MALLOC_TRIM_THRESHOLD_=64 MiB\`, \`MALLOC_TOP_PAD_=16 MiB\`) | ${fmt(med('f:direct', 'bytesPerSec') / MiB)} MiB/s (s3rver direct) | ${fmt(med('f:stream-tuned', 'bytesPerSec') / MiB)} MiB/s, ${fmt(cpuPerMiB('f:stream-tuned'), 2)} ms CPU per MiB (${faults('f:stream-tuned')} faults) | ${fmt(ratio('f:stream-tuned', 'f:direct', 'bytesPerSec'), 2)}× | – | – |
| (g) content bytes through Portcullis | – | redirect ${fmt(bytes.redirect)} B, cloudfront ${fmt(bytes.cloudfront)} B | – | 0 | ${zero ? 'yes' : '**no**'} |
`;
}

const START = '<!-- bench:serve-bucket:start -->';
const END = '<!-- bench:serve-bucket:end -->';

async function writeSection(section) {
  const text = await readFile(FILE, 'utf8');
  const block = `${START}\n${section.trimEnd()}\n${END}`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const next =
    a >= 0 && b > a
      ? `${text.slice(0, a)}${block}${text.slice(b + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(FILE, next);
}

await main().catch((err) => {
  process.stderr.write(`bench:serve (bucket) failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
