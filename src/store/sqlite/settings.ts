/** SQLite repository for free-form key/value settings. */
import type { SettingsRepo } from '../types.js';
import type { Conn } from './conn.js';

/** Builds the settings repository over a shared connection. */
export function sqliteSettings(conn: Conn): SettingsRepo {
  return {
    get: (key) =>
      conn.run(() => {
        const row = conn.stmt('SELECT value FROM settings WHERE key = ?').get(key) as
          | { value: string }
          | undefined;
        return row?.value;
      }),
    set: (key, value) =>
      conn.run(() => {
        conn
          .stmt(
            `INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          )
          .run(key, value);
      }),
  };
}
