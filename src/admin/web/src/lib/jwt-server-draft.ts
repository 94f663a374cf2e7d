/**
 * The External JWT Server form as data: what the fields hold, how an existing server fills them,
 * and the API body they make. Required claims are typed one per line as `claim = value` (repeat a
 * claim for several accepted values); the shared secret is write-only, so on Edit an empty field
 * keeps the stored one.
 */
import type { JwtServer } from './types.js';

/** The form's fields, as typed. */
export interface JwtServerDraft {
  name: string;
  issuer: string;
  method: 'jwks' | 'secret';
  jwksUrl: string;
  secret: string;
  audience: string;
  role: string;
  usernameClaim: string;
  claims: string;
  minutes: string;
  enabled: boolean;
}

/** The fields for a new server, or filled from an existing one. */
export function draftOf(server?: JwtServer): JwtServerDraft {
  return {
    name: server?.name ?? '',
    issuer: server?.issuer ?? '',
    method: server && !server.jwksUrl ? 'secret' : 'jwks',
    jwksUrl: server?.jwksUrl ?? '',
    secret: '',
    audience: server?.audience ?? '',
    role: server?.role ?? 'read-only',
    usernameClaim: server?.usernameClaim ?? 'sub',
    claims: formatClaims(server?.requiredClaims ?? {}),
    minutes: String((server?.maxTokenLifetimeSeconds ?? 3600) / 60),
    enabled: server?.enabled ?? true,
  };
}

/**
 * Parses `claim = value` lines into requiredClaims; throws a message for a line without `=`.
 * Built with Object.fromEntries so a claim named `__proto__` is an own key the server refuses,
 * not a prototype change that silently drops it.
 */
export function parseClaims(text: string): Record<string, string | string[]> {
  const claims = new Map<string, string[]>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`Line ${i + 1}: write claim = value`);
    const name = line.slice(0, at).trim();
    claims.set(name, [...(claims.get(name) ?? []), line.slice(at + 1).trim()]);
  }
  return Object.fromEntries(
    [...claims].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]),
  );
}

/** The inverse of {@link parseClaims}. */
export function formatClaims(claims: Record<string, string | string[]>): string {
  return Object.entries(claims)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k} = ${x}`))
    .join('\n');
}

/** The POST/PATCH body; throws (from parseClaims) when a required-claims line is malformed. */
export function bodyOf(d: JwtServerDraft, server?: JwtServer): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name,
    issuer: d.issuer,
    audience: d.audience,
    role: d.role,
    usernameClaim: d.usernameClaim,
    requiredClaims: parseClaims(d.claims),
    maxTokenLifetimeSeconds: Math.round(Number(d.minutes) * 60),
    enabled: d.enabled,
  };
  // Sending jwksUrl switches the server to it (and clears a secret): only when new or changed.
  if (d.method === 'jwks' && (!server || d.jwksUrl !== (server.jwksUrl ?? ''))) {
    body.jwksUrl = d.jwksUrl;
  }
  if (d.method === 'secret' && (d.secret !== '' || !server?.hasSharedSecret)) {
    body.sharedSecret = d.secret;
  }
  return body;
}
