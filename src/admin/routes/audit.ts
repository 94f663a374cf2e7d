/**
 * Audit log, statistics, change log and settings. The audit list answers JSON by default and
 * CSV when the client asks for `text/csv` (spreadsheet export from the console), one bounded
 * page at a time (`x-next-cursor` names the next). The store reads the list in bounded id
 * windows and the stats from rollups, so no request here holds the event loop for long.
 */

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { auditCsvChunks } from '../../store/csv.js';
import {
  AUDIT_MAX_ROWS_SETTING,
  AUDIT_RETENTION_SETTING,
  auditMaxRows,
  auditRetentionDays,
} from '../../store/retention.js';
import type { AuditQuery } from '../../store/types.js';
import { parseDuration } from '../../token/duration.js';
import { SESSION_MAX_HOURS_SETTING, sessionMaxHours } from '../auth/session-lifetime.js';
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
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const read = { preHandler: app.requireRole('read-only') };
  const admin = { preHandler: app.requireRole('admin') };

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
      const q = request.query as z.infer<typeof AuditQueryParams>;
      const query = Object.fromEntries(
        Object.entries(q).filter(([, v]) => v !== undefined),
      ) as AuditQuery;
      const page = await app.store.audit.query(query);
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
      const q = request.query as z.infer<typeof AuditStatsParams>;
      const bucketMs = parseDuration(q.bucket) * 1000;
      const now = app.adminServices.now();
      const since =
        q.since === undefined
          ? now - 24 * 3600_000
          : typeof q.since === 'number'
            ? q.since
            : Date.parse(q.since);
      // The store answers from rollups and reports the start it used (rounded to their grain).
      return { bucketMs, ...(await app.store.audit.stats({ since, bucketMs })) };
    },
  );

  app.get(
    '/api/v1/changes',
    {
      ...read,
      schema: { summary: 'Who changed what', tags: ['audit'], querystring: ChangesQueryParams },
    },
    async (request) => {
      const q = request.query as z.infer<typeof ChangesQueryParams>;
      return app.store.changes.query(
        Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)),
      );
    },
  );

  app.get(
    '/api/v1/settings',
    {
      ...read,
      schema: { summary: 'Server settings', tags: ['settings'], response: { 200: SettingsView } },
    },
    async () => settingsView(app),
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
      const body = request.body as z.infer<typeof SettingsBody>;
      await app.store.transaction(async () => {
        if (body.auditRetentionDays !== undefined) {
          await app.store.settings.set(AUDIT_RETENTION_SETTING, String(body.auditRetentionDays));
        }
        if (body.auditMaxRows !== undefined) {
          await app.store.settings.set(AUDIT_MAX_ROWS_SETTING, String(body.auditMaxRows));
        }
        if (body.keyRotationDays !== undefined) {
          await app.store.settings.set(KEY_ROTATION_SETTING, String(body.keyRotationDays));
        }
        if (body.sessionMaxHours !== undefined) {
          await app.store.settings.set(SESSION_MAX_HOURS_SETTING, String(body.sessionMaxHours));
        }
        await app.recordChange(request, 'settings.update', 'settings', null, body);
      });
      return settingsView(app);
    },
  );
}

/** Settings with defaults filled in. */
async function settingsView(app: FastifyInstance): Promise<z.infer<typeof SettingsView>> {
  const rotation = Number(await app.store.settings.get(KEY_ROTATION_SETTING));
  return {
    auditRetentionDays: await auditRetentionDays(app.store),
    auditMaxRows: await auditMaxRows(app.store),
    keyRotationDays:
      Number.isInteger(rotation) && rotation > 0 ? rotation : DEFAULT_KEY_ROTATION_DAYS,
    sessionMaxHours: await sessionMaxHours(app.store),
  };
}
