// The platform's limit for bench/serve.mjs: a bare node:http handler that sends the bytes
// Portcullis sends for a 1 KiB download (status, headers captured from a Portcullis answer,
// body) and writes the same access-log line through the same logger Portcullis uses
// (dist/server/logger.js: writeAccessLine, to the asynchronous stdout), with no token, path or file work.
// What Portcullis costs beyond this is ours to cut; what this costs is Node's.
// Two variants measure what the platform itself charges for the two things issue 17's goals price:
//   --no-log        the same handler without the log line: what writing one line costs in Node at all
//                   (goal e's floor);
//   --verify <pem>  one RS256 `crypto.verify` of the request's token against the key, and nothing
//                   else (no claims, no cache, no fingerprint): what a fresh token costs a process that
//                   also does HTTP (goal b's floor, against the raw verify loop on the same core).
// Usage: node bench/serve-node-bare.mjs <file> <headers.json> <port> [--no-log] [--verify <pem>]
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServeLogger, writeAccessLine } from '../dist/server/logger.js';
import { redactUrl } from '../dist/server/redact.js';

const [file, headersFile, port, ...flags] = process.argv.slice(2);
const body = readFileSync(file);
const headers = JSON.parse(readFileSync(headersFile, 'utf8'));
const log = !flags.includes('--no-log');
const pem = flags.includes('--verify') ? flags[flags.indexOf('--verify') + 1] : undefined;
const key = pem === undefined ? null : createPublicKey(readFileSync(pem));
const logger = createServeLogger('info');
// A fingerprint-shaped constant: computing it is part of what Portcullis does, not of the floor.
const FP = 'f'.repeat(16);

/** True when the request's `token` parameter carries a good RS256 signature by `key`. */
function signed(url) {
  const at = url.indexOf('token=');
  if (at < 0) return false;
  const end = url.indexOf('&', at);
  const token = url.slice(at + 6, end < 0 ? url.length : end);
  const dot = token.lastIndexOf('.');
  if (dot < 0) return false;
  const input = Buffer.from(token.slice(0, dot), 'latin1');
  return verify('sha256', input, key, Buffer.from(token.slice(dot + 1), 'base64url'));
}

const server = createServer({ requestTimeout: 0 }, (req, res) => {
  const started = performance.now();
  if (log)
    res.on('close', () => {
      writeAccessLine(logger, {
        method: req.method,
        url: redactUrl(req.url ?? ''),
        path: '/small.bin',
        status: res.statusCode,
        outcome: res.statusCode === 200 ? 'OK' : 'SIGNATURE_INVALID',
        bytes: res.statusCode === 200 ? body.length : 0,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        client: req.socket.remoteAddress ?? '',
        fp: FP,
        kid: undefined,
        cert: undefined,
        via: 'file',
      });
    });
  if (key !== null && !signed(req.url ?? '')) {
    res.writeHead(401, { 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(Number(port), '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
