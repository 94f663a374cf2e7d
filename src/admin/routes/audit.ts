/**
 * Audit log, statistics, change log and settings. The audit list answers JSON by default and
 * CSV when the client asks for `text/csv` (spreadsheet export from the console), one bounded
 * page at a time (`x-next-cursor` names the next). The store reads the list in bounded id
 * windows and the stats from rollups, so no request here holds the event loop for long.
 */

import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { auditCsvChunks } from '../../store/csv.js';
import {
  AUDIT_MAX_ROWS_SETTING,
  AUDIT_RETENTION_SETTING,
  auditMaxRows,
  auditRetentionDays,
} from '../../store/retention.js';
import type { Store } from '../../store/types.js';
import { parseDuration } from '../../token/duration.js';
import { SESSION_MAX_HOURS_SETTING, sessionMaxHours } from '../auth/session-lifetime.js';
import type { RouteDeps } from '../route-deps.js';
import {
  AuditQueryParams,
  AuditStatsParams,
  ChangesQueryParams,
  DEFAULT_KEY_ROTATION_DAYS,
  KEY_ROTATION_SETTING,
  SettingsBody,
  SettingsView,
} from '../schemas.js';

function wantsCsv(accept: string | undefined): boolean {
  return typeof accept === 'string' && /\btext\/csv\b/i.test(accept);
}

/** Registers /api/v1/audit, /api/v1/changes and /api/v1/settings. */
export const auditRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { store, recordChange } = deps;
  const read = { preHandler: deps.guards.requireRole('read-only') };
  const admin = { preHandler: deps.guards.requireRole('admin') };

  app.get(
    '/api/v1/audit',
    {
      ...read,
      schema: {
        summary: 'Download decisions (JSON, or CSV with Accept: text/csv)',
        tags: ['audit'],
        querystring: AuditQueryParams,
      },
    },
    async (request, reply) => {
      const query = definedOnly(request.query);
      const page = await store.audit.query(query);
      if (wantsCsv(request.headers.accept)) {
        if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="portcullis-audit.csv"')
          .send(Readable.from(auditCsvChunks(page.items)));
      }
      return page;
    },
  );

  app.get(
    '/api/v1/audit/stats',
    {
      ...read,
      schema: { summary: 'Dashboard aggregates', tags: ['audit'], querystring: AuditStatsParams },
    },
    async (request) => {
      const q = request.query;
      const bucketMs = parseDuration(q.bucket) * 1000;
      const now = deps.now();
      const since =
        q.since === undefined
          ? now - 24 * 3600_000
          : typeof q.since === 'number'
            ? q.since
            : Date.parse(q.since);
      // The store answers from rollups and reports the start it used (rounded to their grain).
      return { bucketMs, ...(await store.audit.stats({ since, bucketMs })) };
    },
  );

  app.get(
    '/api/v1/changes',
    {
      ...read,
      schema: { summary: 'Who changed what', tags: ['audit'], querystring: ChangesQueryParams },
    },
    async (request) => {
      return store.changes.query(definedOnly(request.query));
    },
  );

  app.get(
    '/api/v1/settings',
    {
      ...read,
      schema: { summary: 'Server settings', tags: ['settings'], response: { 200: SettingsView } },
    },
    async () => settingsView(store),
  );

  app.put(
    '/api/v1/settings',
    {
      ...admin,
      schema: {
        summary: 'Change server settings',
        tags: ['settings'],
        body: SettingsBody,
        response: { 200: SettingsView },
      },
    },
    async (request) => {
      const { body } = request;
      await store.transaction(async () => {
        if (body.auditRetentionDays !== undefined) {
          await store.settings.set(AUDIT_RETENTION_SETTING, String(body.auditRetentionDays));
        }
        if (body.auditMaxRows !== undefined) {
          await store.settings.set(AUDIT_MAX_ROWS_SETTING, String(body.auditMaxRows));
        }
        if (body.keyRotationDays !== undefined) {
          await store.settings.set(KEY_ROTATION_SETTING, String(body.keyRotationDays));
        }
        if (body.sessionMaxHours !== undefined) {
          await store.settings.set(SESSION_MAX_HOURS_SETTING, String(body.sessionMaxHours));
        }
        await recordChange(request, 'settings.update', 'settings', null, body);
      });
      return settingsView(store);
    },
  );
};

/** The query without fields that are present but undefined (the store would filter on them). */
function definedOnly<T extends object>(query: T): T {
  const out = { ...query };
  for (const [key, value] of Object.entries(out)) {
    if (value === undefined) Reflect.deleteProperty(out, key);
  }
  return out;
}

/** Settings with defaults filled in. */
async function settingsView(store: Store): Promise<z.infer<typeof SettingsView>> {
  const rotation = Number(await store.settings.get(KEY_ROTATION_SETTING));
  return {
    auditRetentionDays: await auditRetentionDays(store),
    auditMaxRows: await auditMaxRows(store),
    keyRotationDays:
      Number.isInteger(rotation) && rotation > 0 ? rotation : DEFAULT_KEY_ROTATION_DAYS,
    sessionMaxHours: await sessionMaxHours(store),
  };
}
