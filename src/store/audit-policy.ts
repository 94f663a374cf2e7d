/**
 * What the audit log keeps of one download event, as pure data shared by the sink and every
 * store implementation: per-field size caps (client-chosen text is truncated with a visible
 * marker) and which refusals are folded into one counter row instead of a row each.
 *
 * An anonymous refusal is a refused request (status >= 400) whose token no key verified: the
 * sender proved nothing, so a flood of them must cost the store a bounded amount. They are
 * aggregated per (minute, method, status, outcome, via, client network); the row keeps the
 * first request's details as a sample, plus `count` and `lastTime`. Successful downloads and
 * refusals of verified tokens keep one (capped) row each.
 */
import type { AuditEventInput } from './types.js';

/** Appended to a value that was cut to fit its cap (the cap includes the marker). */
export const TRUNCATION_MARKER = '…[truncated]';

/** Longest stored text per field for rows that stand for one request. */
export const FULL_ROW_CAPS = {
  method: 16,
  path: 1024,
  outcome: 64,
  clientAddress: 64,
  tokenFingerprint: 64,
  keyLabel: 128,
  kid: 128,
  userAgent: 256,
  clientCertSubject: 256,
  clientCertSerial: 64,
  clientCertIssuer: 256,
} as const;

/** Tighter caps for the sample kept on an aggregated (anonymous refusal) row. */
export const AGGREGATE_ROW_CAPS = { ...FULL_ROW_CAPS, path: 256, userAgent: 128 } as const;

/** Width of one aggregation window. */
export const AGGREGATE_WINDOW_MS = 60_000;

/**
 * Cuts `value` to at most `max` UTF-16 units, ending in TRUNCATION_MARKER when it was cut;
 * never splits a surrogate pair.
 * @example capText('x'.repeat(5000), 1024).length === 1024
 */
export function capText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - TRUNCATION_MARKER.length);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end) + TRUNCATION_MARKER;
}

/**
 * True for a refusal whose token no key verified and with no device certificate whose chain
 * verified (see the file comment).
 */
export function isAnonymousRefusal(e: AuditEventInput): boolean {
  return e.status >= 400 && e.keyLabel === undefined && e.clientCertSerial === undefined;
}

/**
 * The network a client address aggregates under: the address itself for IPv4, its /64 for
 * IPv6 (one host commonly holds a whole /64, so per-address keys would not bound a flood).
 */
export function clientNetwork(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0')];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/**
 * The aggregation key of an anonymous refusal, or null for events that keep a row each.
 * The key holds only short, capped fields, so it is bounded whatever the client sends.
 */
export function aggregateKey(e: AuditEventInput): string | null {
  if (!isAnonymousRefusal(e)) return null;
  const window = Math.floor(e.time / AGGREGATE_WINDOW_MS) * AGGREGATE_WINDOW_MS;
  const caps = AGGREGATE_ROW_CAPS;
  return [
    window,
    capText(e.method, caps.method),
    e.status,
    capText(e.outcome, caps.outcome),
    e.via,
    capText(clientNetwork(e.clientAddress), caps.clientAddress),
  ].join('|');
}

/**
 * Applies the caps that fit the event's kind; returns a new object and leaves absent optional
 * fields absent (undefined required fields stay undefined, so the store still refuses them).
 */
export function capEvent<E extends AuditEventInput>(e: E): E {
  const caps = isAnonymousRefusal(e) ? AGGREGATE_ROW_CAPS : FULL_ROW_CAPS;
  const out = { ...e };
  for (const field of Object.keys(caps) as Array<keyof typeof caps>) {
    const value = out[field];
    if (typeof value === 'string')
      (out as Record<string, unknown>)[field] = capText(value, caps[field]);
  }
  return out;
}
