/** SQLite repository for the administrative change log (newest first, keyset paging on id). */

import { decodeCursor, pageLimit, toEpochMs, toJson, toPage, Where } from '../sql-util.js';
import type { ChangeRecord, ChangeRepo } from '../types.js';
import type { Conn } from './conn.js';

interface Row {
  id: number;
  time: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  details: string;
}

function fromRow(r: Row): ChangeRecord {
  return {
    id: r.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/** Builds the changes repository over a shared connection. */
export function sqliteChanges(conn: Conn): ChangeRepo {
  return {
    record: (c) =>
      conn.run(() => {
        conn
          .stmt(
            `INSERT INTO changes (time, actor, action, target_type, target_id, details)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(conn.iso(), c.actor, c.action, c.targetType, c.targetId, toJson(c.details));
      }),
    query: (q) =>
      conn.run((db) => {
        const limit = pageLimit(q.limit);
        const where = new Where();
        const before = decodeCursor(q.cursor);
        if (before !== undefined) where.add('id < ?', before);
        if (q.since !== undefined) {
          where.add('time >= ?', new Date(toEpochMs(q.since, 'since')).toISOString());
        }
        if (q.actor !== undefined) where.add('actor = ?', q.actor);
        if (q.action !== undefined) where.add('action = ?', q.action);
        const sql = `SELECT * FROM changes ${where} ORDER BY id DESC LIMIT ?`;
        const rows = db.prepare(sql).all(...where.values, limit + 1) as Row[];
        return toPage(rows.map(fromRow), limit, (c) => c.id);
      }),
  };
}
