/**
 * A TCP forwarder in front of a real server (the test PostgreSQL) that a test can close, stall
 * and open again on the same port. What sits behind the gate sees exactly what a crash or a
 * failover looks like from the client side — connections reset and new ones refused (`close`),
 * or a peer that takes bytes and answers nothing (`stall`) — while the real server, and every
 * other test using it, carries on untouched.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A gate between a client and `target`. */
export interface TcpGate {
  /** The loopback port clients connect to (the same across close/open). */
  readonly port: number;
  /** Resets every connection and stops listening: new connections are refused. */
  close(): Promise<void>;
  /** Keeps connections (and accepts new ones) but forwards nothing until {@link open}. */
  stall(): void;
  /** Forwards again: listens on the same port after {@link close}; held bytes go first. */
  open(): Promise<void>;
  /** Ends the gate for good. */
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Array<[Socket, Buffer]>;
}

/** Opens a gate on an ephemeral loopback port forwarding to `target`. */
export async function tcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const pairs = new Set<Pair>();
  let stalled = false;
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (stalled) pair.held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', () => {});
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as { port: number }).port;
  const close = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const p of [...pairs]) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
    await closed;
  };
  return {
    port,
    close,
    stall() {
      stalled = true;
    },
    async open() {
      stalled = false;
      for (const p of pairs) for (const [to, chunk] of p.held.splice(0)) to.write(chunk);
      if (!server.listening) await listen(port);
    },
    async stop() {
      if (server.listening) await close();
    },
  };
}
