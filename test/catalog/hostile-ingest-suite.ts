/**
 * The hardening issue's hostile-file suite at the public surface, shared by every place content
 * can live: the built binary (`portcullis serve --data …`) is started on a content root or a
 * bucket holding each hostile file already (the start-up rescan must read them), each file is
 * then uploaded through the admin API, and all the while the same process keeps answering 1 KiB
 * downloads. Each record must say unreadable, with the file's stable code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/dist.js';
import { type HostileFile, hostileSuite } from '../helpers/hostile-files.mjs';
import {
  adminToken,
  type DataDir,
  downloadToken,
  listContent,
  prepareDataDir,
  probeWhile,
  type ServeChild,
  startServe,
  upload,
} from '../helpers/hostile-serve.mjs';

/** Where the content lives: puts the files there and says how `serve` reaches it. */
export interface HostileIngestPlace {
  /** Temporary directory prefix. */
  prefix: string;
  /**
   * Puts each suite file under `startup/` (and, for a bucket, the 1 KiB `small.bin` that the data
   * directory's content root already holds) before the server starts; returns the extra `serve` arguments and environment (none for `--root`).
   */
  prepare(
    dir: string,
    data: DataDir,
    suite: HostileIngestFile[],
  ): Promise<{ storageArgs?: string[]; env?: Record<string, string> }>;
  /** Stops whatever `prepare` started. */
  stop?(): Promise<void>;
  /** Longest the start-up rescan may take to record every file. */
  rescanMs: number;
}

/** A suite file with its bytes. */
export type HostileIngestFile = HostileFile & { bytes: Buffer };

/** The running server and helpers, for the tests a place adds of its own. */
export interface HostileIngest {
  readonly dir: string;
  readonly data: DataDir;
  readonly suite: HostileIngestFile[];
  readonly serve: ServeChild;
  readonly admin: string;
  /** small.bin with a valid download token. */
  readonly smallUrl: string;
  records(): Promise<Map<string, Record<string, unknown>>>;
  /** Runs `fn` while downloading small.bin back to back; every download must succeed. */
  whileDownloading<T>(fn: () => Promise<T>): Promise<T>;
  /** Stops the server and starts it again on the same data directory. */
  restart(): Promise<void>;
}

/**
 * Registers the shared set-up and the two shared tests (start-up rescan, admin upload) in the
 * calling `describe`; `afterUpload` adds a place's own checks of the upload answer.
 */
export function hostileIngestSuite(
  place: HostileIngestPlace,
  afterUpload?: (f: HostileIngestFile, body: Record<string, unknown>) => void,
): HostileIngest {
  let dir = '';
  let data: DataDir;
  let serve: ServeChild;
  let admin = '';
  let smallUrl = '';
  let serveOpts: { storageArgs?: string[]; env?: Record<string, string> } = {};
  const suite: HostileIngestFile[] = [];

  const start = async () => {
    serve = await startServe(data, serveOpts);
    admin = await adminToken(serve.adminUrl);
    smallUrl = `${serve.url}/small.bin?token=${downloadToken(data.privateKey)}`;
  };
  const ctx: HostileIngest = {
    get dir() {
      return dir;
    },
    get data() {
      return data;
    },
    suite,
    get serve() {
      return serve;
    },
    get admin() {
      return admin;
    },
    get smallUrl() {
      return smallUrl;
    },
    async records() {
      return new Map((await listContent(serve.adminUrl, admin)).map((r) => [r.path as string, r]));
    },
    async whileDownloading(fn) {
      const probe = probeWhile(smallUrl, serve.pid);
      const result = await fn();
      const stats = await probe.stop();
      expect(stats.failures).toBe(0);
      expect(stats.downloads).toBeGreaterThan(0);
      expect(serve.alive()).toBe(true);
      return result;
    },
    async restart() {
      await serve.stop();
      await start();
    },
  };

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), place.prefix));
    data = prepareDataDir(dir);
    for (const f of hostileSuite()) suite.push({ ...f, bytes: f.make() });
    serveOpts = await place.prepare(dir, data, suite);
    await start();
  }, 180_000);

  afterAll(async () => {
    await serve?.stop();
    await place.stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the start-up rescan records each one as unreadable with its code, and serving goes on',
    async () => {
      await ctx.whileDownloading(async () => {
        const deadline = Date.now() + place.rescanMs;
        let found = await ctx.records();
        while (suite.some((f) => !found.has(`startup/${f.name}`)) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          found = await ctx.records();
        }
        for (const f of suite) {
          expect(found.get(`startup/${f.name}`), f.name).toMatchObject({
            readable: false,
            unreadableCode: f.code,
          });
        }
      });
    },
    place.rescanMs + 30_000,
  );

  it('an upload through the admin API is stored as unreadable with its code', async () => {
    for (const f of suite) {
      const res = await ctx.whileDownloading(() =>
        upload(serve.adminUrl, admin, `uploads/${f.name}`, f.bytes),
      );
      expect(res.status, f.name).toBe(201);
      expect(res.body, f.name).toMatchObject({ readable: false, unreadableCode: f.code });
      expect(res.body.warnings, f.name).toEqual([
        expect.objectContaining({ code: 'METADATA_UNREADABLE' }),
      ]);
      afterUpload?.(f, res.body);
    }
  }, 180_000);

  return ctx;
}
