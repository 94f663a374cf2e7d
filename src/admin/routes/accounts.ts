/**
 * Local accounts (admin only): list, create, read, change role/disabled/password, delete.
 * The last enabled admin can be neither deleted, demoted nor disabled — that would lock
 * everyone out of the admin API.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountRecord } from '../../store/types.js';
import { hashNewPassword } from '../auth/password-work.js';
import { AdminError } from '../errors.js';
import { AccountView, CreateAccountBody, IdParams, PatchAccountBody } from '../schemas.js';

const BASE = '/api/v1/accounts';
const TAGS = ['accounts'];

/** The API view of an account (never the password hash). */
export function accountView(a: AccountRecord): z.infer<typeof AccountView> {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    disabled: a.disabled,
    mustChangePassword: a.mustChangePassword,
    createdAt: a.createdAt,
    lastLoginAt: a.lastLoginAt,
  };
}

async function assertNotLastAdmin(app: FastifyInstance, target: AccountRecord): Promise<void> {
  if (target.role !== 'admin' || target.disabled) return;
  const admins = (await app.store.accounts.list()).filter((a) => a.role === 'admin' && !a.disabled);
  if (admins.length <= 1) {
    throw new AdminError(
      'CONFLICT',
      'This is the last enabled admin account; create another admin first.',
    );
  }
}

/** Registers /api/v1/accounts routes. */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const admin = { preHandler: app.requireRole('admin') };
  const get = async (id: string) => {
    const account = await app.store.accounts.get(id);
    if (!account) throw new AdminError('NOT_FOUND', 'No account with this id.');
    return account;
  };

  app.get(
    BASE,
    {
      ...admin,
      schema: {
        summary: 'List accounts',
        tags: TAGS,
        response: { 200: z.object({ items: z.array(AccountView) }) },
      },
    },
    async () => ({
      items: (await app.store.accounts.list()).map(accountView),
    }),
  );

  app.post(
    BASE,
    {
      ...admin,
      schema: {
        summary: 'Create an account',
        tags: TAGS,
        body: CreateAccountBody,
        response: { 201: AccountView },
      },
    },
    async (request, reply) => {
      const body = request.body as z.infer<typeof CreateAccountBody>;
      const passwordHash = await hashNewPassword(body.password);
      const created = await app.store.transaction(async () => {
        const account = await app.store.accounts.create({
          username: body.username,
          passwordHash,
          role: body.role,
          disabled: false,
          mustChangePassword: body.mustChangePassword,
        });
        await app.recordChange(request, 'account.create', 'account', account.id, {
          username: account.username,
          role: account.role,
        });
        return account;
      });
      return reply.code(201).header('location', `${BASE}/${created.id}`).send(accountView(created));
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      ...admin,
      schema: {
        summary: 'Read an account',
        tags: TAGS,
        params: IdParams,
        response: { 200: AccountView },
      },
    },
    async (request) => {
      return accountView(await get((request.params as z.infer<typeof IdParams>).id));
    },
  );

  app.patch(
    `${BASE}/:id`,
    {
      ...admin,
      schema: {
        summary: 'Set role, disable/enable, or reset the password (one-time)',
        tags: TAGS,
        params: IdParams,
        body: PatchAccountBody,
        response: { 200: AccountView },
      },
    },
    async (request) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      const body = request.body as z.infer<typeof PatchAccountBody>;
      const passwordHash =
        body.password === undefined ? undefined : await hashNewPassword(body.password);
      const updated = await app.store.transaction(async () => {
        const account = await get(id);
        if (body.role === 'read-only' || body.disabled === true)
          await assertNotLastAdmin(app, account);
        const patch: Partial<AccountRecord> = {
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
          // An admin-set password is one-time: the user must choose their own at next sign-in.
          ...(passwordHash === undefined ? {} : { passwordHash, mustChangePassword: true }),
        };
        const result = await app.store.accounts.update(id, patch);
        if (!result) throw new AdminError('NOT_FOUND', 'No account with this id.');
        await app.recordChange(request, 'account.update', 'account', id, {
          username: account.username,
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
          passwordReset: passwordHash !== undefined,
        });
        return result;
      });
      return accountView(updated);
    },
  );

  app.delete(
    `${BASE}/:id`,
    { ...admin, schema: { summary: 'Delete an account', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      await app.store.transaction(async () => {
        const account = await get(id);
        await assertNotLastAdmin(app, account);
        await app.store.accounts.delete(id);
        await app.recordChange(request, 'account.delete', 'account', id, {
          username: account.username,
        });
      });
      return reply.code(204).send();
    },
  );
}
