// Runs s3rver in its own process for test/helpers/s3rver.ts. A child because s3rver's
// ListObjectsV2 continuation tokens use DES, which OpenSSL 3 offers only with
// --openssl-legacy-provider (a flag for this process, not for the test runner); and because a
// store on its own event loop measures like a store (bench:serve). Reports each request it
// receives to the parent over IPC, in order, and answers 'flush' after the ones before it.
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const count = process.env.S3RVER_COUNT !== '0';
server.run().then((address) => {
  if (count) {
    server.httpServer.on('request', (req) => {
      process.send({
        type: 'request',
        method: req.method,
        url: req.url,
        ifMatch: req.headers['if-match'],
        authorization: req.headers.authorization !== undefined,
      });
    });
  }
  process.send({ type: 'ready', port: address.port });
});
process.on('message', (m) => {
  if (m && m.type === 'flush') process.send({ type: 'flushed', id: m.id });
  if (m && m.type === 'stop') {
    server.httpServer.closeAllConnections();
    server.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
