// Starts Portcullis for bench/serve-bucket.mjs through `startServer` (as bench/serve-portcullis.mjs
// does), serving either a directory or a bucket. Credentials come from the environment (the AWS
// SDK chain), as for `portcullis serve`. The admin listener (<admin-port>) serves /metrics,
// where the bench reads portcullis_bytes_sent_total (content bytes Portcullis sent).
// Usage: node bench/serve-bucket-portcullis.mjs <public-key-file> <port> <admin-port> <json options>
import { startServer } from '../dist/app/serve.js';

const [keyFile, port, adminPort, json] = process.argv.slice(2);
const server = await startServer({
  keys: [keyFile],
  host: '127.0.0.1',
  port: Number(port),
  adminPort: Number(adminPort),
  workers: 1,
  logLevel: 'warn',
  ...JSON.parse(json),
});
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
