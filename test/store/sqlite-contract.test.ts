/** Runs the shared Store contract against the SQLite implementation: real temp files and :memory:. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runStoreContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-store-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SQLite store contract (file in a data directory)', () => {
  runStoreContract(() => openSqliteStore({ dataDir: join(root, `d${++n}`) }));
});

describe('SQLite store contract (:memory:)', () => {
  runStoreContract(() => openSqliteStore({ file: ':memory:' }));
});
