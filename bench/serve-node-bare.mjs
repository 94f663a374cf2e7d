// The platform's limit for bench/serve.mjs scenario (a): a bare node:http handler that sends the
// bytes Portcullis sends for a 1 KiB download (status, headers captured from a Portcullis answer,
// body) and writes the same access-log line through the same logger Portcullis uses
// (dist/server/logger.js: writeAccessLine, to the asynchronous stdout), with no token, path or file work.
// What Portcullis costs beyond this is ours to cut; what this costs is Node's.
// Usage: node bench/serve-node-bare.mjs <file> <headers.json> <port>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServeLogger, writeAccessLine } from '../dist/server/logger.js';
import { redactUrl } from '../dist/server/redact.js';

const [file, headersFile, port] = process.argv.slice(2);
const body = readFileSync(file);
const headers = JSON.parse(readFileSync(headersFile, 'utf8'));
const logger = createServeLogger('info');
// A fingerprint-shaped constant: computing it is part of what Portcullis does, not of the floor.
const FP = 'f'.repeat(16);

const server = createServer({ requestTimeout: 0 }, (req, res) => {
  const started = performance.now();
  res.on('close', () => {
    writeAccessLine(logger, {
      method: req.method,
      url: redactUrl(req.url ?? ''),
      path: '/small.bin',
      status: res.statusCode,
      outcome: 'OK',
      bytes: body.length,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      client: req.socket.remoteAddress ?? '',
      fp: FP,
      kid: undefined,
      cert: undefined,
      via: 'file',
    });
  });
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(Number(port), '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
