// The physical floor of bench/serve.mjs scenario (b): how many raw RS256 verifications
// (node:crypto `verify`, the same key and a token of the same shape) one core does, measured on
// the server's core in the same round as the servers. A fresh token costs Portcullis at least one
// of these; the goal bounds what it costs beyond that.
// Usage: node bench/serve-raw-verify.mjs <public-key-file> <token> <seconds>
// Prints one JSON line: { perSecond (wall), perCpuSecond }.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [keyFile, token, secondsArg] = process.argv.slice(2);
const key = createPublicKey(readFileSync(keyFile));
const [h, p, s] = token.split('.');
const input = Buffer.from(`${h}.${p}`);
const signature = Buffer.from(s, 'base64url');
for (let i = 0; i < 200; i++) verify('sha256', input, key, signature); // warm-up
const deadline = performance.now() + Number(secondsArg) * 1000;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let n = 0;
while (performance.now() < deadline) {
  for (let i = 0; i < 50; i++) if (!verify('sha256', input, key, signature)) throw new Error('bad');
  n += 50;
}
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ perSecond: n / wall, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6) })}\n`,
);
