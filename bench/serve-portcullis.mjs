// Starts Portcullis for bench/serve.mjs through the library entry point (`startServer` from dist),
// the same call `portcullis serve` makes, minus the CLI's composition of store, audit and admin
// parts, which would measure SQLite and the admin API rather than the content path.
// Usage: node bench/serve-portcullis.mjs <root> <public-key-file> <port>
import { startServer } from '../dist/app/serve.js';

const [root, keyFile, port] = process.argv.slice(2);
const server = await startServer({
  root,
  keys: [keyFile],
  host: '127.0.0.1',
  port: Number(port),
  workers: 1,
  admin: false,
  logLevel: 'warn',
});
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
