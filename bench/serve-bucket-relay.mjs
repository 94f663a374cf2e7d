// The ceiling of any Node.js hop for bench/serve-bucket.mjs (f): a bare relay that pipes one
// object from the store to the client with node:http — no token, no HeadObject, no SDK. Pinned
// like Portcullis, it shows how much of (f)'s gap is the extra process copying bytes at all.
// Usage: node bench/serve-bucket-relay.mjs <store-endpoint> <port>
import { createServer, request } from 'node:http';

const [endpoint, port] = process.argv.slice(2);
const store = new URL(endpoint);
const server = createServer((req, res) => {
  const up = request(
    { host: store.hostname, port: store.port, path: `/content${req.url.split('?')[0]}` },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        'content-length': answer.headers['content-length'],
      });
      answer.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  res.on('close', () => up.destroy());
  up.end();
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
