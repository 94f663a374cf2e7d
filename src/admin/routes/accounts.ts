/**
 * Local accounts (admin only): list, create, read, change role/disabled/password, delete.
 * The last enabled admin can be neither deleted, demoted nor disabled — that would lock
 * everyone out of the admin API.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountRecord } from '../../store/types.js';
import { hashNewPassword } from '../auth/password-work.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { AccountView, CreateAccountBody, IdParams, listOf, PatchAccountBody } from '../schemas.js';
import { accountView, assertNotLastAdmin } from './account-view.js';

export { accountView } from './account-view.js';

const BASE = '/api/v1/accounts';
const TAGS = ['accounts'];

/** Registers /api/v1/accounts routes. */
export const accountRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { store, recordChange } = deps;
  const admin = { preHandler: deps.guards.requireRole('admin') };
  const get = async (id: string) => {
    const account = await store.accounts.get(id);
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
        response: { 200: listOf(AccountView) },
      },
    },
    async () => ({
      items: (await store.accounts.list()).map(accountView),
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
      const body = request.body;
      const passwordHash = await hashNewPassword(body.password);
      const created = await store.transaction(async () => {
        const account = await store.accounts.create({
          username: body.username,
          passwordHash,
          role: body.role,
          disabled: false,
          mustChangePassword: body.mustChangePassword,
        });
        await recordChange(request, 'account.create', 'account', account.id, {
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
      return accountView(await get(request.params.id));
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
      const { id } = request.params;
      const { body } = request;
      const passwordHash =
        body.password === undefined ? undefined : await hashNewPassword(body.password);
      const updated = await store.transaction(async () => {
        const account = await get(id);
        if (body.role === 'read-only' || body.disabled === true)
          await assertNotLastAdmin(store, account);
        const patch: Partial<AccountRecord> = {
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
          // An admin-set password is one-time: the user must choose their own at next sign-in.
          ...(passwordHash === undefined ? {} : { passwordHash, mustChangePassword: true }),
        };
        const result = await store.accounts.update(id, patch);
        if (!result) throw new AdminError('NOT_FOUND', 'No account with this id.');
        await recordChange(request, 'account.update', 'account', id, {
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
      const { id } = request.params;
      await store.transaction(async () => {
        const account = await get(id);
        await assertNotLastAdmin(store, account);
        await store.accounts.delete(id);
        await recordChange(request, 'account.delete', 'account', id, {
          username: account.username,
        });
      });
      return reply.code(204).send();
    },
  );
};
