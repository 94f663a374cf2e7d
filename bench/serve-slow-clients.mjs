// Scenario (d) of bench/serve.mjs: many concurrent downloads that read slowly, to show that every
// one is answered promptly (time to first byte), keeps moving at the client's pace, and that the
// server's memory stays bounded by backpressure instead of buffering whole files per client.
// Usage: node serve-slow-clients.mjs <port> <path?token=...> <clients> <seconds>
// Prints one JSON line: connected, firstByte (clients that got a first byte), ok (of those, 200),
// ttfb percentiles in ms, progressed (clients whose reads found data at least 80 % of the time
// after the first byte), bytes, errors (connect/socket errors by code).
import { connect } from 'node:net';

const [port, target, clientsArg, secondsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const READ_EVERY_MS = 250;
const READ_BYTES = 16 * 1024;
const all = [];
const errors = {};

function open() {
  return new Promise((resolve) => {
    const c = { socket: null, sent: 0, ttfb: -1, ok: false, bytes: 0, reads: 0, fed: 0 };
    const socket = connect(Number(port), '127.0.0.1', () => {
      c.sent = performance.now();
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      resolve();
    });
    c.socket = socket;
    socket.pause();
    socket.on('readable', () => {
      // Only the first bytes are read here (status line); after that the timer reads at the
      // client's pace.
      if (c.ttfb >= 0) return;
      const chunk = socket.read(64);
      if (!chunk) return;
      c.ttfb = performance.now() - c.sent;
      c.bytes += chunk.length;
      c.ok = chunk.toString('latin1').startsWith('HTTP/1.1 200');
    });
    socket.on('error', (err) => {
      errors[err.code ?? 'ERROR'] = (errors[err.code ?? 'ERROR'] ?? 0) + 1;
      resolve();
    });
    all.push(c);
  });
}

// Connect in batches so the listen backlog never overflows.
for (let i = 0; i < clients; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, clients - i) }, open));
}
const timer = setInterval(() => {
  for (const c of all) {
    if (c.ttfb < 0) continue;
    c.reads++;
    const chunk = c.socket.read(READ_BYTES) ?? c.socket.read();
    if (chunk) {
      c.bytes += chunk.length;
      c.fed++;
    }
  }
}, READ_EVERY_MS);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(timer);
const got = all.filter((c) => c.ttfb >= 0);
const ttfb = got.map((c) => c.ttfb).sort((a, b) => a - b);
const pct = (p) =>
  ttfb.length ? ttfb[Math.min(ttfb.length - 1, Math.floor(p * ttfb.length))] : null;
const progressed = got.filter((c) => c.reads >= 2 && c.fed >= 0.8 * c.reads).length;
process.stdout.write(
  `${JSON.stringify({
    clients,
    connected: all.filter((c) => c.sent > 0).length,
    firstByte: got.length,
    ok: got.filter((c) => c.ok).length,
    ttfbP50: pct(0.5),
    ttfbP99: pct(0.99),
    ttfbMax: ttfb.at(-1) ?? null,
    progressed,
    bytes: all.reduce((a, c) => a + c.bytes, 0),
    errors,
  })}\n`,
);
for (const c of all) c.socket.destroy();
