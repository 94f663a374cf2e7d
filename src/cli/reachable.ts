/**
 * One TCP connection before `probe` and `test-connection` send anything: when nothing answers at
 * the URL's host and port, the admin gets one line saying so, instead of a table whose every row
 * reads "no answer (ECONNREFUSED)" (and, for a host that drops packets, a wait of one timeout per
 * row). Only a connection is opened and closed: no request, no token leaves the machine.
 */
import { connect } from 'node:net';

/** Network error codes → words for the one line (the code itself follows in brackets). */
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be looked up',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer in time',
};

/** The `host:port` a URL connects to (default ports filled in; IPv6 in brackets). */
export function endpointOf(url: URL): { host: string; port: number; label: string } {
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, label: `${url.hostname}:${port}` };
}

/**
 * Opens and closes one TCP connection to the URL's host and port.
 * @returns null when something accepted the connection, else one line saying nothing answers there
 * @example await unreachableReason(new URL('http://127.0.0.1:1/a.ipa'), 10_000)
 *   // 'nothing answers at 127.0.0.1:1 (connection refused, ECONNREFUSED)'
 */
export function unreachableReason(url: URL, timeoutMs: number): Promise<string | null> {
  const { host, port, label } = endpointOf(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason === null ? null : `nothing answers at ${label} (${reason})`);
    };
    socket.setTimeout(timeoutMs, () =>
      done(`${REASONS.ETIMEDOUT} (${Math.round(timeoutMs / 1000)}s)`),
    );
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = typeof err.code === 'string' ? err.code : 'NETWORK_ERROR';
      done(`${REASONS[code] ?? 'the connection failed'}, ${code}`);
    });
  });
}
