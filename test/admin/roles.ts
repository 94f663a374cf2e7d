/**
 * Every kind of caller the admin API knows, as request headers: local admin and read-only
 * accounts, external JWT servers (HS256 shared secret) configured with either role, and anonymous.
 * Authorization tests walk all of them so an external role can never differ from a local one.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { type AdminFixture, addAccount, bearer, login } from './helpers.js';

/** Caller names, as the columns of docs/authorization.md use them. */
export type CallerName =
  | 'anonymous'
  | 'read-only'
  | 'admin'
  | 'external read-only'
  | 'external admin';

/** Headers per caller, plus the ids of the external servers (for change-log actors). */
export interface Callers {
  headers: Record<CallerName, Record<string, string>>;
  serverIds: { admin: string; readOnly: string };
  serverNames: { admin: string; readOnly: string };
}

async function externalServer(
  fx: AdminFixture,
  adminHeaders: Record<string, string>,
  role: 'admin' | 'read-only',
): Promise<{ id: string; name: string; token: string }> {
  const secret = randomBytes(32).toString('base64url');
  const issuer = `ci-${role}-${randomBytes(4).toString('hex')}`;
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-servers',
    headers: adminHeaders,
    payload: { name: issuer, issuer, sharedSecret: secret, audience: 'portcullis', role },
  });
  if (res.statusCode !== 201) throw new Error(`jwt server: ${res.statusCode} ${res.body}`);
  const token = await new SignJWT({ sub: `pipeline-${role}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(issuer)
    .setAudience('portcullis')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
  return { id: res.json().id as string, name: issuer, token };
}

/** Creates the accounts and JWT servers and signs each caller in. */
export async function makeCallers(fx: AdminFixture): Promise<Callers> {
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  const admin = bearer(await login(fx.app, 'alice'));
  const readOnly = bearer(await login(fx.app, 'rita'));
  const extAdmin = await externalServer(fx, admin, 'admin');
  const extReader = await externalServer(fx, admin, 'read-only');
  return {
    headers: {
      anonymous: {},
      'read-only': readOnly,
      admin,
      'external read-only': bearer(extReader.token),
      'external admin': bearer(extAdmin.token),
    },
    serverIds: { admin: extAdmin.id, readOnly: extReader.id },
    serverNames: { admin: extAdmin.name, readOnly: extReader.name },
  };
}
