/**
 * The disk backend: the shared contract, plus what only a filesystem can do to it — symlinks
 * out of the root, FIFOs, a parent swapped for a file, crash leftovers — and that no error
 * names an absolute path.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskStorage, DISK_TEMP_DIR } from '../../src/storage/disk.js';
import { storageContract } from './contract.js';

storageContract('disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-disk-'));
  return {
    storage: createDiskStorage(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

async function* bytes(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

describe('disk storage: hostile filesystem', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const base = mkdtempSync(join(tmpdir(), 'portcullis-disk-h-'));
    dirs.push(base);
    const root = join(base, 'root');
    const outside = join(base, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.ipa'), 'secret');
    return { root, outside, storage: createDiskStorage(root) };
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('never reads, lists or writes through a symlink that leaves the root', async () => {
    const { root, outside, storage } = fresh();
    symlinkSync(join(outside, 'secret.ipa'), join(root, 'link.ipa'));
    symlinkSync(outside, join(root, 'linkdir'));
    expect(await storage.stat('link.ipa')).toBeUndefined();
    expect(await storage.open('link.ipa')).toBeUndefined();
    expect(await storage.stat('linkdir/secret.ipa')).toBeUndefined();
    expect(await storage.open('linkdir/secret.ipa')).toBeUndefined();
    const listed: string[] = [];
    for await (const o of storage.list()) listed.push(o.path);
    expect(listed).toEqual([]);
    await expect(storage.put('linkdir/new/deep/x.ipa', bytes('x'))).rejects.toMatchObject({
      code: 'STORAGE_PATH_REFUSED',
    });
    await expect(storage.put('linkdir/x.ipa', bytes('x'))).rejects.toMatchObject({
      code: 'STORAGE_PATH_REFUSED',
    });
    // Nothing was created outside, not even the folders of the refused write.
    expect(readdirSync(outside)).toEqual(['secret.ipa']);
    // Deleting the link removes the link, never its target.
    expect(await storage.delete('link.ipa')).toBe(true);
    expect(existsSync(join(outside, 'secret.ipa'))).toBe(true);
    expect(await storage.delete('linkdir/secret.ipa')).toBe(false);
    expect(existsSync(join(outside, 'secret.ipa'))).toBe(true);
  });

  it('a symlink that stays inside the root is followed', async () => {
    const { root, storage } = fresh();
    writeFileSync(join(root, 'real.ipa'), 'real');
    symlinkSync(join(root, 'real.ipa'), join(root, 'alias.ipa'));
    expect(await storage.stat('alias.ipa')).toMatchObject({ size: 4 });
  });

  it('a FIFO never hangs a stat, an open or a listing', async () => {
    const { root, storage } = fresh();
    execFileSync('mkfifo', [join(root, 'pipe.ipa')]);
    const started = Date.now();
    expect(await storage.stat('pipe.ipa')).toBeUndefined();
    expect(await storage.open('pipe.ipa')).toBeUndefined();
    for await (const o of storage.list()) throw new Error(`listed ${o.path}`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a write through an existing file, without naming a path', async () => {
    const { root, storage } = fresh();
    writeFileSync(join(root, 'file'), 'x');
    const err = await storage.put('file/below.ipa', bytes('x')).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STORAGE_PATH_REFUSED' });
    expect(String((err as Error).message)).not.toContain(root);
  });

  it('fs failures carry the errno, never the absolute path', async () => {
    const { root, storage } = fresh();
    mkdirSync(join(root, 'taken.ipa'));
    const err = (await storage.put('taken.ipa', bytes('x')).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).not.toContain(root);
    expect(err.message).not.toContain(tmpdir());
  });

  it('writes aside in its temp folder and leaves nothing there', async () => {
    const { root, storage } = fresh();
    await storage.put('a.ipa', bytes('x'));
    expect(readdirSync(join(root, DISK_TEMP_DIR))).toEqual([]);
    // Its temp folder is not content: not listed, not reachable by key.
    writeFileSync(join(root, DISK_TEMP_DIR, 'leftover.part'), 'x');
    expect(await storage.stat(`${DISK_TEMP_DIR}/leftover.part`)).toBeUndefined();
    const listed: string[] = [];
    for await (const o of storage.list()) listed.push(o.path);
    expect(listed).toEqual(['a.ipa']);
  });

  it('a full listing removes temp files a crash left an hour ago, not fresh ones', async () => {
    const { root, storage } = fresh();
    mkdirSync(join(root, DISK_TEMP_DIR));
    const old = join(root, DISK_TEMP_DIR, 'old.part');
    const recent = join(root, DISK_TEMP_DIR, 'recent.part');
    writeFileSync(old, 'x');
    writeFileSync(recent, 'x');
    const twoHoursAgo = (Date.now() - 7_200_000) / 1000;
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    for await (const _ of storage.list()) {
      // drain
    }
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it('an unavailable root fails a listing instead of listing nothing', async () => {
    const storage = createDiskStorage(join(tmpdir(), 'portcullis-no-such-root-x'));
    const err = await (async () => {
      for await (const _ of storage.list()) {
        // drain
      }
    })().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain(tmpdir());
  });
});
