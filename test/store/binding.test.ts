/**
 * The SQLite binding (src/store/sqlite/database.ts): node:sqlite's experimental-feature warning
 * stays out of users' output while every other warning still shows, and the synchronous
 * transaction helpers keep better-sqlite3's semantics (savepoints when nested, no promises).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  deferred,
  immediate,
  openDatabase,
} from '../../src/store/sqlite/database.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { CLI, ensureBuilt, ROOT } from '../helpers/dist.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-binding-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('node:sqlite warning', () => {
  it('a store command prints no ExperimentalWarning', async () => {
    await openSqliteStore({ dataDir: join(dir, 'data') }).close();
    const r = spawnSync(process.execPath, [CLI, 'admin', 'list', '--data', join(dir, 'data')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('drops only the SQLite warning: other warnings still reach stderr', () => {
    const url = pathToFileURL(join(ROOT, 'dist/store/sqlite.js')).href;
    const program = `const { openSqliteStore } = await import(${JSON.stringify(url)});
      await openSqliteStore({ file: ':memory:' }).close();
      process.emitWarning('something else is an experimental feature', 'ExperimentalWarning');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('ExperimentalWarning: something else is an experimental feature');
    expect(r.stderr).not.toContain('SQLite');
  });
});

describe('transaction helpers', () => {
  const table = () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (v INTEGER NOT NULL UNIQUE) STRICT');
    return db;
  };
  const values = (db: Database) =>
    (db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v);

  it('commits, and rolls back everything when the function throws', () => {
    const db = table();
    immediate(db, () => db.prepare('INSERT INTO t VALUES (1)').run());
    expect(() =>
      immediate(db, () => {
        db.prepare('INSERT INTO t VALUES (2)').run();
        db.prepare('INSERT INTO t VALUES (1)').run(); // unique violation
      }),
    ).toThrow(/UNIQUE/);
    expect(values(db)).toEqual([1]);
    expect(db.isTransaction).toBe(false);
  });

  it('nests as a savepoint: an inner failure keeps the outer work', () => {
    const db = table();
    deferred(db, () => {
      db.prepare('INSERT INTO t VALUES (1)').run();
      expect(() =>
        immediate(db, () => {
          db.prepare('INSERT INTO t VALUES (2)').run();
          throw new Error('inner');
        }),
      ).toThrow('inner');
      db.prepare('INSERT INTO t VALUES (3)').run();
    });
    expect(values(db)).toEqual([1, 3]);
  });

  it('refuses an async function and leaves no transaction open', () => {
    const db = table();
    expect(() => immediate(db, async () => db.prepare('INSERT INTO t VALUES (1)').run())).toThrow(
      TypeError,
    );
    expect(db.isTransaction).toBe(false);
    expect(values(db)).toEqual([]);
  });
});
