// Scenario (d) of bench/serve.mjs: opens many concurrent downloads that read slowly, to show the
// server's memory stays bounded by backpressure instead of buffering whole files per client.
// Usage: node serve-slow-clients.mjs <port> <path?token=...> <clients> <seconds>
// Prints one JSON line: { connected, ok, bytes }.
import { connect } from 'node:net';

const [port, target, clientsArg, secondsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const READ_EVERY_MS = 250;
const sockets = [];
let connected = 0;
let ok = 0;
let bytes = 0;

function open() {
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      connected++;
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      resolve();
    });
    socket.pause();
    let first = true;
    socket.on('readable', () => {
      // Read one chunk per tick only (below); the first bytes tell us the status.
      if (!first) return;
      const chunk = socket.read(64);
      if (!chunk) return;
      first = false;
      bytes += chunk.length;
      if (chunk.toString('latin1').startsWith('HTTP/1.1 200')) ok++;
    });
    socket.on('error', () => resolve());
    sockets.push(socket);
  });
}

// Connect in batches so the listen backlog never overflows.
for (let i = 0; i < clients; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, clients - i) }, open));
}
const timer = setInterval(() => {
  for (const s of sockets) {
    const chunk = s.read(16 * 1024);
    if (chunk) bytes += chunk.length;
  }
}, READ_EVERY_MS);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(timer);
process.stdout.write(`${JSON.stringify({ connected, ok, bytes })}\n`);
for (const s of sockets) s.destroy();
