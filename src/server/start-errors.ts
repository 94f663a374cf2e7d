/**
 * Start-up failures in words an operator can act on: which listener, which address or path
 * (exactly as given, never resolved), and which flag changes it. These messages go only to the
 * terminal of whoever started the server; HTTP refusals never carry them.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { ServeError } from './errors.js';
import { formatHost } from './format-host.js';

/** The two kinds of listener and the flags that move them. */
const LISTENERS = {
  content: { name: 'content', host: '--host', port: '--port', off: '' },
  admin: { name: 'admin', host: '--admin-host', port: '--admin-port', off: ' (or --no-admin)' },
} as const;

/** Which listener failed to start. */
export type ListenerKind = keyof typeof LISTENERS;

/**
 * Maps a listen() failure (single process, or `bind` done by the cluster primary) to PORT_IN_USE
 * or LISTEN_FAILED naming the address and the flag to change.
 * @example throw listenFailure(err, 'admin', '127.0.0.1', 8081)
 */
export function listenFailure(
  err: unknown,
  kind: ListenerKind,
  host: string,
  port: number,
): ServeError {
  const l = LISTENERS[kind];
  const address = `${formatHost(host)}:${port}`;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return new ServeError(
      'PORT_IN_USE',
      `the ${l.name} port ${address} is already in use; stop the program using it or use ${l.port} to choose another${l.off}`,
      { cause: err },
    );
  }
  const reason =
    code === 'EACCES'
      ? `permission denied (ports below 1024 need privileges); use ${l.port} to choose another`
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the address is not on this machine; use ${l.host} to choose another`
        : `${typeof code === 'string' ? code : 'unknown error'}; check ${l.host} and ${l.port}`;
  return new ServeError(
    'LISTEN_FAILED',
    `the ${l.name} listener cannot start on ${address}: ${reason}${l.off}`,
    {
      cause: err,
    },
  );
}

/**
 * ROOT_UNAVAILABLE naming the root as configured and why it cannot be served.
 * @example throw rootUnavailable('/srv/content', err)
 */
export function rootUnavailable(root: string, cause: unknown): ServeError {
  const code = (cause as { code?: unknown } | null)?.code;
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read by this user'
        : code === undefined || code === 'ENOTDIR'
          ? 'is not a directory'
          : `cannot be opened (${String(code)})`;
  return new ServeError(
    'ROOT_UNAVAILABLE',
    `the content root "${root}" ${why}; ${code === 'ENOENT' ? 'create it or ' : ''}point --root at a directory the server user can read (without --root, the content folder of --data is served)`,
    { cause },
  );
}

/**
 * Checks at start-up that the content root is a directory this process can list and read.
 * @throws ServeError ROOT_UNAVAILABLE naming the root as configured.
 */
export async function checkContentRoot(root: string): Promise<void> {
  try {
    const real = await realpath(root);
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    await access(real, constants.R_OK | constants.X_OK);
  } catch (cause) {
    throw rootUnavailable(root, cause);
  }
}

/** Binds and releases `host:port` (port 0: nothing to check), failing as the real listen would. */
async function probePort(kind: ListenerKind, host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure(err, kind, host, port)));
    server.listen({ host, port }, () => server.close(() => resolve()));
  });
}

/**
 * Checks, before anything is built or forked, that the content and admin ports can be bound,
 * so the common failure (a port in use) is reported in well under a second and before a
 * cluster forks workers or a first start prints its one-time password. The real listen still
 * maps its own failure the same way (another program may take the port in between).
 * @throws ServeError PORT_IN_USE or LISTEN_FAILED naming the address and the flag.
 */
export async function checkListenAddresses(config: {
  host: string;
  port: number;
  admin: boolean;
  adminHost: string;
  adminPort: number;
}): Promise<void> {
  await probePort('content', config.host, config.port);
  if (config.admin) await probePort('admin', config.adminHost, config.adminPort);
}
