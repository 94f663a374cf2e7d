/**
 * The client address the sign-in throttle counts against. It is the TCP peer (`request.ip`
 * with Fastify's `trustProxy: false`, which every admin listener uses): X-Forwarded-For is
 * never read, because a client could name any address there and get a fresh budget with
 * each request. Behind a reverse proxy every client therefore shares the proxy's budget; the
 * per-username budget still applies to each account.
 */
import { isIPv6 } from 'node:net';

/**
 * The throttle key of a peer address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64
 * prefix, since one host usually holds a whole /64 and could otherwise rotate addresses.
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
