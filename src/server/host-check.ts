/**
 * The admin listener answers only to Host names it was told about. Without this, a web page on
 * attacker.example whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) becomes
 * same-origin with a loopback admin listener and can drive the API from the victim's browser.
 * A browser always sends the name it resolved, so checking Host against a list closes that.
 */
import { networkInterfaces } from 'node:os';

/** Names every admin listener answers to: the loopback ones, which no page can rebind to. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** One allowed name, with the port it is limited to (null: any port). */
interface AllowedHost {
  name: string;
  port: string | null;
}

/** Lower-cases a name and brackets IPv6 literals, so `::1` and `[::1]` compare equal. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Splits `name[:port]` (IPv6 literals in brackets); null when it is not a plausible Host. */
export function parseHostHeader(value: string): AllowedHost | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return null;
  return { name: normalizeName(m[1]!), port: m[2] ?? null };
}

/** The names a wildcard bind (`0.0.0.0`, `::`) is reachable by: every local interface address. */
function interfaceNames(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => normalizeName(i.address.replace(/%.*$/, '')));
}

/**
 * Builds the Host check of an admin listener bound to `bindHost:port`. Allowed: the loopback
 * names and the bind address (every interface address for a wildcard bind) at the listener's
 * port, plus each configured entry (`name` for any port, `name:port` for that port only).
 * @example const allowed = hostChecker('127.0.0.1', 8081, ['admin.example.com']); allowed('admin.example.com') // true
 */
export function hostChecker(
  bindHost: string,
  port: number,
  configured: readonly string[] = [],
): (hostHeader: string | undefined) => boolean {
  const own = ['0.0.0.0', '::', '[::]'].includes(bindHost)
    ? interfaceNames()
    : [normalizeName(bindHost)];
  const allowed: AllowedHost[] = [...LOOPBACK_NAMES, ...own].map((name) => ({
    name,
    port: String(port),
  }));
  for (const entry of configured) {
    const parsed = parseHostHeader(entry);
    if (parsed) allowed.push(parsed);
  }
  // Host headers repeat: one lookup per distinct value, bounded.
  const seen = new Map<string, boolean>();
  return (hostHeader) => {
    if (hostHeader === undefined || hostHeader === '') return false;
    const known = seen.get(hostHeader);
    if (known !== undefined) return known;
    const parsed = parseHostHeader(hostHeader);
    // The admin listener speaks plain HTTP: a Host without a port means port 80.
    const hostPort = parsed?.port ?? '80';
    const ok =
      parsed !== null &&
      allowed.some((a) => a.name === parsed.name && (a.port === null || a.port === hostPort));
    if (seen.size < 1000) seen.set(hostHeader, ok);
    return ok;
  };
}

/**
 * The authority a request is addressed to, or null when it names none or more than one.
 * Two Host headers are refused (Node keeps only the first in `headers.host`, a front server
 * may route by the last); an absolute-form target (`GET http://evil.example/x`) names its own
 * authority, which RFC 9112 §3.2.2 says wins over Host, so that is the one to check.
 * @example requestAuthority(['Host', 'localhost:8081'], '/api/v1/auth') // 'localhost:8081'
 */
export function requestAuthority(
  rawHeaders: readonly string[],
  target: string | undefined,
): string | null {
  let host: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'host') continue;
    if (host !== null) return null;
    host = rawHeaders[i + 1] ?? '';
  }
  if (host === null) return null;
  if (target === undefined || target.startsWith('/')) return host;
  // Anything else (absolute-form, asterisk-form, garbage) must carry an http authority that
  // is itself allowed, and agree with Host so logs and routing see one name.
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || url.username !== '' || url.password !== '') return null;
  return url.host.toLowerCase() === host.trim().toLowerCase() ? host : null;
}

/**
 * Checks that every entry of `--admin-allowed-hosts` is a host name or IP literal, with an
 * optional port; returns the entries that are not.
 */
export function invalidAllowedHosts(entries: readonly string[]): string[] {
  return entries.filter((e) => parseHostHeader(e) === null);
}
