/**
 * The shared Store contract suite. Every Store implementation runs it:
 *   runStoreContract(() => openSqliteStore({ dataDir: fresh temp dir }))
 * Each test gets a fresh, empty store and closes it afterwards.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { encryptSecret } from '../../src/store/secret.js';
import type { JwtConfigurationRecord, Store } from '../../src/store/types.js';
import { registerAuditContract } from './contract-audit.js';

/** A valid configuration input; override fields per test. */
export function configInput(
  over: Partial<JwtConfigurationRecord> = {},
): Omit<JwtConfigurationRecord, 'createdAt' | 'updatedAt' | 'rotatedAt'> {
  return {
    id: randomUUID(),
    displayName: `Jamf ${randomUUID().slice(0, 8)}`,
    privateKeyCiphertext: 'v1:opaque',
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    kid: 'kid-1',
    fingerprint: 'SHA256:abc',
    keyBits: 2048,
    certificatePem: null,
    tokenExpirySeconds: 300,
    enabled: true,
    createdBy: 'alice',
    ...over,
  };
}

/**
 * A configuration that can sign, stored as the admin stores one: `keys`' private key encrypted
 * under the data directory's `secret` for this configuration's id, its public key beside it.
 */
export function signingConfigInput(
  secret: Uint8Array,
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  over: Partial<JwtConfigurationRecord> = {},
): ReturnType<typeof configInput> {
  const id = over.id ?? randomUUID();
  const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return configInput({
    ...over,
    id,
    privateKeyCiphertext: encryptSecret(secret, pem, `configuration:${id}`),
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  });
}

/** A download event; override fields per test. */
export function downloadEvent(over: Partial<DownloadEvent> = {}): DownloadEvent {
  return {
    time: 1_700_000_000_000,
    method: 'GET',
    path: '/apps/App.ipa',
    status: 200,
    outcome: 'OK',
    bytesSent: 1234,
    clientAddress: '127.0.0.1',
    durationMs: 3,
    via: 'file',
    ...over,
  };
}

/** Asserts that `p` rejects with a coded store error. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

/** Runs the whole contract against stores produced by `makeStore`. */
export function runStoreContract(makeStore: () => Store | Promise<Store>): void {
  const ctx = {} as { store: Store };
  beforeEach(async () => {
    ctx.store = await makeStore();
  });
  afterEach(async () => {
    await ctx.store.close();
  });

  describe('configurations', () => {
    it('creates, reads, lists, updates and deletes, bumping the generation on writes', async () => {
      const { store } = ctx;
      const g0 = await store.configurations.generation();
      const input = configInput();
      const created = await store.configurations.create(input);
      expect(created).toMatchObject({ ...input, rotatedAt: null });
      expect(Date.parse(created.createdAt)).not.toBeNaN();
      expect(await store.configurations.get(input.id)).toEqual(created);
      expect(await store.configurations.list()).toEqual([created]);
      const g1 = await store.configurations.generation();
      expect(g1).toBeGreaterThan(g0);
      await store.configurations.list();
      expect(await store.configurations.generation()).toBe(g1);

      const rotatedAt = new Date().toISOString();
      const updated = await store.configurations.update(input.id, { enabled: false, rotatedAt });
      expect(updated).toMatchObject({ enabled: false, rotatedAt, createdAt: created.createdAt });
      const g2 = await store.configurations.generation();
      expect(g2).toBeGreaterThan(g1);

      expect(await store.configurations.delete(input.id)).toBe(true);
      expect(await store.configurations.generation()).toBeGreaterThan(g2);
      expect(await store.configurations.get(input.id)).toBeUndefined();
      expect(await store.configurations.delete(input.id)).toBe(false);
      expect(await store.configurations.update(input.id, { enabled: true })).toBeUndefined();
    });

    it('refuses a duplicate display name (case-insensitively) or id with STORE_CONFLICT', async () => {
      const { store } = ctx;
      const first = await store.configurations.create(configInput({ displayName: 'Jamf Prod' }));
      await expectCode(
        store.configurations.create(configInput({ displayName: 'jamf PROD' })),
        'STORE_CONFLICT',
      );
      await expectCode(
        store.configurations.create(configInput({ id: first.id })),
        'STORE_CONFLICT',
      );
      const other = await store.configurations.create(configInput({ displayName: 'Jamf Test' }));
      await expectCode(
        store.configurations.update(other.id, { displayName: 'Jamf Prod' }),
        'STORE_CONFLICT',
      );
      expect((await store.configurations.get(other.id))?.displayName).toBe('Jamf Test');
    });
  });

  describe('accounts', () => {
    it('creates with a generated id, finds by username case-insensitively, counts', async () => {
      const { store } = ctx;
      expect(await store.accounts.count()).toBe(0);
      const a = await store.accounts.create({
        username: 'Alice',
        passwordHash: 'scrypt$x',
        role: 'admin',
        disabled: false,
        mustChangePassword: true,
      });
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(a).toMatchObject({ username: 'Alice', lastLoginAt: null, mustChangePassword: true });
      expect(await store.accounts.getByUsername('alice')).toEqual(a);
      expect(await store.accounts.get(a.id)).toEqual(a);
      expect(await store.accounts.count()).toBe(1);
      await expectCode(
        store.accounts.create({ ...a, id: undefined, username: 'ALICE' }),
        'STORE_CONFLICT',
      );
      const at = new Date().toISOString();
      const u = await store.accounts.update(a.id, { lastLoginAt: at, mustChangePassword: false });
      expect(u).toMatchObject({ lastLoginAt: at, mustChangePassword: false, role: 'admin' });
      expect(await store.accounts.list()).toEqual([u]);
      expect(await store.accounts.delete(a.id)).toBe(true);
      expect(await store.accounts.delete(a.id)).toBe(false);
      expect(await store.accounts.count()).toBe(0);
      expect(await store.accounts.update(a.id, { disabled: true })).toBeUndefined();
    });

    it('bumps the session epoch on a password, role or disabled change, not on other fields', async () => {
      const { store } = ctx;
      const a = await store.accounts.create({
        username: 'bob',
        passwordHash: 'scrypt$one',
        role: 'admin',
        disabled: false,
        mustChangePassword: false,
      });
      expect(a.sessionEpoch).toBe(0);
      const epochAfter = async (patch: Parameters<typeof store.accounts.update>[1]) =>
        (await store.accounts.update(a.id, patch))!.sessionEpoch;
      // Bookkeeping and no-op changes keep sessions alive.
      expect(await epochAfter({ lastLoginAt: new Date().toISOString() })).toBe(0);
      expect(await epochAfter({ role: 'admin', disabled: false, mustChangePassword: true })).toBe(
        0,
      );
      // Each change of what a session was granted on ends the sessions issued before it.
      expect(await epochAfter({ passwordHash: 'scrypt$two' })).toBe(1);
      expect(await epochAfter({ role: 'read-only' })).toBe(2);
      expect(await epochAfter({ disabled: true })).toBe(3);
      expect(await epochAfter({ disabled: false, passwordHash: 'scrypt$three' })).toBe(4);
      expect((await store.accounts.get(a.id))!.sessionEpoch).toBe(4);
      // A re-created username is a new account: new id, epoch from the start.
      await store.accounts.delete(a.id);
      const b = await store.accounts.create({
        username: 'BOB',
        passwordHash: 'scrypt$x',
        role: 'admin',
        disabled: false,
        mustChangePassword: false,
      });
      expect(b.id).not.toBe(a.id);
      expect(b.sessionEpoch).toBe(0);
    });
  });

  describe('revokedTokens', () => {
    it('remembers revoked ids until purged after expiry', async () => {
      const { store } = ctx;
      await store.revokedTokens.revoke('jti-1', 1000);
      await store.revokedTokens.revoke('jti-1', 1000);
      await store.revokedTokens.revoke('jti-2', 3000);
      expect(await store.revokedTokens.isRevoked('jti-1')).toBe(true);
      expect(await store.revokedTokens.isRevoked('jti-3')).toBe(false);
      expect(await store.revokedTokens.purgeExpired(2000)).toBe(1);
      expect(await store.revokedTokens.isRevoked('jti-1')).toBe(false);
      expect(await store.revokedTokens.isRevoked('jti-2')).toBe(true);
    });
  });

  describe('jwtServers', () => {
    it('creates, finds by issuer, refuses duplicates, updates and deletes', async () => {
      const { store } = ctx;
      const s = await store.jwtServers.create({
        name: 'IdP',
        issuer: 'https://idp.example',
        jwksUrl: 'https://idp.example/jwks.json',
        sharedSecretCiphertext: null,
        audience: 'portcullis',
        role: 'read-only',
        usernameClaim: '',
        enabled: true,
      });
      expect(s.usernameClaim).toBe('sub');
      expect(await store.jwtServers.getByIssuer('https://idp.example')).toEqual(s);
      expect(await store.jwtServers.getByIssuer('https://other.example')).toBeUndefined();
      await expectCode(
        store.jwtServers.create({ ...s, id: undefined, name: 'x' }),
        'STORE_CONFLICT',
      );
      await expectCode(
        store.jwtServers.create({ ...s, id: undefined, issuer: 'https://b.example', name: 'idp' }),
        'STORE_CONFLICT',
      );
      const u = await store.jwtServers.update(s.id, { role: 'admin', enabled: false });
      expect(u).toMatchObject({ role: 'admin', enabled: false, createdAt: s.createdAt });
      expect(await store.jwtServers.list()).toEqual([u]);
      expect(await store.jwtServers.delete(s.id)).toBe(true);
      expect(await store.jwtServers.get(s.id)).toBeUndefined();
    });

    it('defaults to no required claims and a one-hour lifetime, and keeps both through updates', async () => {
      const { store } = ctx;
      const base = {
        name: 'GitHub',
        issuer: 'https://token.actions.githubusercontent.com',
        jwksUrl: 'https://token.actions.githubusercontent.com/.well-known/jwks',
        sharedSecretCiphertext: null,
        audience: 'portcullis',
        role: 'admin' as const,
        usernameClaim: 'repository',
        enabled: true,
      };
      const plain = await store.jwtServers.create(base);
      expect(plain).toMatchObject({ requiredClaims: {}, maxTokenLifetimeSeconds: 3600 });
      await store.jwtServers.delete(plain.id);
      const pinned = await store.jwtServers.create({
        ...base,
        requiredClaims: { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/tags/v1'] },
        maxTokenLifetimeSeconds: 900,
      });
      expect(await store.jwtServers.get(pinned.id)).toEqual(pinned);
      expect(pinned.requiredClaims).toEqual({
        repository_owner: 'acme',
        ref: ['refs/heads/main', 'refs/tags/v1'],
      });
      const renamed = await store.jwtServers.update(pinned.id, { name: 'GitHub Actions' });
      expect(renamed).toMatchObject({
        requiredClaims: pinned.requiredClaims,
        maxTokenLifetimeSeconds: 900,
      });
      const changed = await store.jwtServers.update(pinned.id, {
        requiredClaims: { repository: 'acme/app' },
        maxTokenLifetimeSeconds: 7200,
      });
      expect(changed).toMatchObject({
        requiredClaims: { repository: 'acme/app' },
        maxTokenLifetimeSeconds: 7200,
      });
      expect(await store.jwtServers.getByIssuer(base.issuer)).toEqual(changed);
      await store.jwtServers.delete(pinned.id);
    });
  });

  registerAuditContract(ctx);

  describe('changes', () => {
    it('records changes and pages them newest first with filters', async () => {
      const { store } = ctx;
      for (let i = 0; i < 5; i++) {
        await store.changes.record({
          actor: i % 2 ? 'bob' : 'alice',
          action: i === 4 ? 'account.delete' : 'configuration.create',
          targetType: 'configuration',
          targetId: `c${i}`,
          details: { i, nested: { ok: true } },
        });
      }
      const p1 = await store.changes.query({ limit: 2 });
      expect(p1.items.map((c) => c.targetId)).toEqual(['c4', 'c3']);
      expect(p1.items[0]!.details).toEqual({ i: 4, nested: { ok: true } });
      const p2 = await store.changes.query({ limit: 2, cursor: p1.nextCursor! });
      const p3 = await store.changes.query({ limit: 2, cursor: p2.nextCursor! });
      expect([...p2.items, ...p3.items].map((c) => c.targetId)).toEqual(['c2', 'c1', 'c0']);
      expect(p3.nextCursor).toBeNull();
      expect((await store.changes.query({ actor: 'bob' })).items).toHaveLength(2);
      expect((await store.changes.query({ action: 'account.delete' })).items).toHaveLength(1);
      expect((await store.changes.query({ since: Date.now() + 60_000 })).items).toHaveLength(0);
      expect((await store.changes.query({ since: Date.now() - 60_000 })).items).toHaveLength(5);
    });
  });

  describe('content', () => {
    it('upserts, bumping version only when sha256 changes, keeping createdAt', async () => {
      const { store } = ctx;
      const base = {
        path: 'apps/My App ü/../x.ipa',
        size: 10,
        sha256: 'a'.repeat(64),
        kind: 'app' as const,
        metadata: { bundleId: 'com.example.app', versions: ['1.0'] },
        mtimeMs: 1_700_000_000_123.5,
        uploadedBy: null,
      };
      const v1 = await store.content.upsert(base);
      expect(v1).toMatchObject({ ...base, version: 1 });
      const same = await store.content.upsert({ ...base, size: 11 });
      expect(same).toMatchObject({ version: 1, size: 11, createdAt: v1.createdAt });
      const v2 = await store.content.upsert({ ...base, sha256: 'b'.repeat(64), uploadedBy: 'bob' });
      expect(v2).toMatchObject({ version: 2, uploadedBy: 'bob', createdAt: v1.createdAt });
      expect(await store.content.get(base.path)).toEqual(v2);
      expect(await store.content.list()).toEqual([v2]);
      expect(await store.content.delete(base.path)).toBe(true);
      expect(await store.content.delete(base.path)).toBe(false);
      expect(await store.content.get(base.path)).toBeUndefined();
    });
  });

  describe('manifestLinks', () => {
    const link = (over: Partial<Parameters<Store['manifestLinks']['create']>[0]> = {}) => ({
      id: randomUUID(),
      contentPath: 'apps/My App ü.ipa',
      configurationId: randomUUID(),
      label: 'DDM: Sales iPads',
      fingerprint: 'fp-1',
      createdBy: 'alice',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      ...over,
    });

    it('creates, reads and lists (all, or those of one item)', async () => {
      const { store } = ctx;
      const a = await store.manifestLinks.create(link());
      const b = await store.manifestLinks.create(link({ contentPath: 'pkgs/Agent.pkg' }));
      expect(a).toMatchObject({ revokedAt: null, revokedBy: null, lastUsedAt: null });
      expect(Date.parse(a.createdAt)).not.toBeNaN();
      expect(await store.manifestLinks.get(a.id)).toEqual(a);
      expect(await store.manifestLinks.get(randomUUID())).toBeUndefined();
      expect((await store.manifestLinks.list()).map((l) => l.id).sort()).toEqual(
        [a.id, b.id].sort(),
      );
      expect(await store.manifestLinks.list({ contentPath: 'pkgs/Agent.pkg' })).toEqual([b]);
      expect(await store.manifestLinks.list({ contentPath: 'nothing' })).toEqual([]);
      await expectCode(store.manifestLinks.create(link({ id: a.id })), 'STORE_CONFLICT');
    });

    it('revokes once (a second revoke keeps the first actor) and per item', async () => {
      const { store } = ctx;
      const a = await store.manifestLinks.create(link());
      const b = await store.manifestLinks.create(link());
      const c = await store.manifestLinks.create(link({ contentPath: 'other.ipa' }));
      const revoked = await store.manifestLinks.revoke(a.id, 'bob');
      expect(revoked).toMatchObject({ id: a.id, revokedBy: 'bob' });
      expect(revoked!.revokedAt).not.toBeNull();
      expect(await store.manifestLinks.revoke(a.id, 'carol')).toEqual(revoked);
      expect(await store.manifestLinks.revoke(randomUUID(), 'bob')).toBeUndefined();
      expect(await store.manifestLinks.revokeForContent('apps/My App ü.ipa', 'dave')).toBe(1);
      expect(await store.manifestLinks.get(b.id)).toMatchObject({ revokedBy: 'dave' });
      expect(await store.manifestLinks.get(c.id)).toMatchObject({ revokedAt: null });
    });

    it('counts only unrevoked, unexpired links of an item', async () => {
      const { store } = ctx;
      await store.manifestLinks.create(link());
      const gone = await store.manifestLinks.create(link());
      await store.manifestLinks.create(
        link({ expiresAt: new Date(Date.now() - 1000).toISOString() }),
      );
      await store.manifestLinks.create(link({ contentPath: 'other.ipa' }));
      await store.manifestLinks.revoke(gone.id, 'bob');
      expect(await store.manifestLinks.countActive('apps/My App ü.ipa')).toBe(1);
    });

    it('records the last use at most once per interval', async () => {
      const { store } = ctx;
      const a = await store.manifestLinks.create(link());
      await store.manifestLinks.markUsed(a.id, 60_000);
      const first = (await store.manifestLinks.get(a.id))!.lastUsedAt;
      expect(first).not.toBeNull();
      await new Promise((r) => setTimeout(r, 5));
      await store.manifestLinks.markUsed(a.id, 60_000);
      expect((await store.manifestLinks.get(a.id))!.lastUsedAt).toBe(first);
      await store.manifestLinks.markUsed(a.id, 0);
      expect(Date.parse((await store.manifestLinks.get(a.id))!.lastUsedAt!)).toBeGreaterThan(
        Date.parse(first!),
      );
    });
  });

  describe('settings', () => {
    it('stores and overwrites values', async () => {
      const { store } = ctx;
      expect(await store.settings.get('auditRetentionDays')).toBeUndefined();
      await store.settings.set('auditRetentionDays', '30');
      await store.settings.set('auditRetentionDays', '45');
      expect(await store.settings.get('auditRetentionDays')).toBe('45');
    });
  });

  describe('transaction', () => {
    it('commits together, and rolls back everything when the function rejects', async () => {
      const { store } = ctx;
      const a = configInput();
      const b = configInput();
      await store.transaction(async () => {
        await store.configurations.create(a);
        await store.settings.set('k', 'v');
      });
      expect(await store.settings.get('k')).toBe('v');
      await expect(
        store.transaction(async () => {
          await store.configurations.create(b);
          await store.settings.set('k', 'changed');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.configurations.get(b.id)).toBeUndefined();
      expect(await store.settings.get('k')).toBe('v');
      expect(await store.configurations.list()).toHaveLength(1);
    });

    it('nests: a failing inner transaction rolls back only its own writes', async () => {
      const { store } = ctx;
      await store.transaction(async () => {
        await store.settings.set('outer', '1');
        await expect(
          store.transaction(async () => {
            await store.settings.set('inner', '1');
            throw new Error('inner failed');
          }),
        ).rejects.toThrow('inner failed');
        await store.settings.set('after', '1');
      });
      expect(await store.settings.get('outer')).toBe('1');
      expect(await store.settings.get('inner')).toBeUndefined();
      expect(await store.settings.get('after')).toBe('1');
    });

    it('does not roll back unrelated writes made while it was open', async () => {
      const { store } = ctx;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      // Started outside the transaction, so it is not part of it even though it runs meanwhile.
      const unrelated = (async () => {
        await gate;
        await store.audit.insert([downloadEvent()]);
      })();
      await expect(
        store.transaction(async () => {
          await store.settings.set('inside', '1');
          release();
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await unrelated;
      expect(await store.settings.get('inside')).toBeUndefined();
      expect((await store.audit.query({})).items).toHaveLength(1);
    });
  });

  describe('close', () => {
    it('rejects calls after close with STORE_UNAVAILABLE', async () => {
      const { store } = ctx;
      await store.close();
      await expectCode(store.settings.get('x'), 'STORE_UNAVAILABLE');
      await expectCode(store.accounts.count(), 'STORE_UNAVAILABLE');
      // afterEach closes again: close must be idempotent.
    });
  });
}
