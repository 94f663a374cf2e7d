/**
 * Shared fixtures for admin API tests: a real SQLite store in a temp dir, a random store
 * secret, the admin app built with buildAdminApp, and accounts with known passwords.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type BuildAdminAppOptions, buildAdminApp } from '../../src/admin/app.js';
import { probeRunner } from '../../src/probe/runner.js';
import { hashPassword } from '../../src/store/passwords.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { AccountRole, Store } from '../../src/store/types.js';

/** Password of every fixture account. */
export const PASSWORD = 'correct horse battery staple';

/** A running admin app over a temp-dir store. */
export interface AdminFixture {
  app: FastifyInstance;
  store: Store;
  secret: Uint8Array;
  dir: string;
  close(): Promise<void>;
}

/** Builds an admin app with a fresh store; close() removes everything. */
export async function adminFixture(
  opts: Partial<BuildAdminAppOptions> = {},
): Promise<AdminFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-admin-'));
  const store = openSqliteStore({ dataDir: dir });
  const secret = new Uint8Array(randomBytes(32));
  const app = await buildAdminApp({
    store,
    secret,
    publicUrl: 'https://dist.example.test/',
    contentRoot: join(dir, 'content'),
    ...opts,
    // The real probe client, as src/app hands it in.
    probe: opts.probe ?? probeRunner,
  });
  return {
    app,
    store,
    secret,
    dir,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates an account with PASSWORD. */
export async function addAccount(
  store: Store,
  username: string,
  role: AccountRole,
  mustChangePassword = false,
): Promise<string> {
  const account = await store.accounts.create({
    username,
    passwordHash: await hashPassword(PASSWORD),
    role,
    disabled: false,
    mustChangePassword,
  });
  return account.id;
}

/** Basic authorization header value. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Signs in and returns a bearer token. */
export async function login(
  app: FastifyInstance,
  username: string,
  password = PASSWORD,
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    headers: { authorization: basic(username, password) },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json().token as string;
}

/** Bearer headers for inject(). */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Asserts nothing and returns `{status, code}` of a problem response for compact expectations. */
export function problemOf(res: LightMyRequestResponse): {
  status: number;
  code: string;
  type: string;
} {
  const body = res.json() as { code: string };
  return { status: res.statusCode, code: body.code, type: String(res.headers['content-type']) };
}
