/**
 * The ContentStorage contract: what the listener and the catalog rely on from any backend.
 * Run against local disk (disk.test.ts) and a real S3-protocol server (s3.test.ts), so a
 * backend that passes here can carry content. Each run gets an empty storage from `make`.
 */
import { describe, expect, it } from 'vitest';
import type { ContentStorage } from '../../src/contracts/content-storage.js';

/** A fresh, empty storage and how to throw it away. */
export interface StorageUnderTest {
  storage: ContentStorage;
  cleanup(): Promise<void>;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(Buffer.from(c));
  return Buffer.concat(out).toString('utf8');
}

/** The whole object as text, or undefined; closes what it opened. */
async function readAll(storage: ContentStorage, key: string): Promise<string | undefined> {
  const o = await storage.open(key);
  if (!o) return undefined;
  try {
    return await collect(o.stream());
  } finally {
    await o.close();
  }
}

async function listAll(storage: ContentStorage, options?: { prefix?: string; limit?: number }) {
  const out: string[] = [];
  for await (const o of storage.list(options)) out.push(o.path);
  return out.sort();
}

async function* failingBody(): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode('half of a file');
  throw new Error('client went away');
}

/** What a run of the contract may not be able to prove, and why (each listed in the test file). */
export interface ContractOptions {
  /**
   * False when the server under the backend ignores If-Match on GET (s3rver does), so a read of
   * a replaced object cannot be shown to keep the old bytes there.
   */
  serverPinsVersions?: boolean;
  /**
   * Contract clauses this backend is known to break today. They run as `it.fails`: the run
   * stays green while the gap is there and turns red the day it is fixed, so the entry is
   * removed then rather than forgotten.
   */
  knownGaps?: Array<'body-error-unchanged' | 'dot-segments'>;
}

/** Registers the contract suite for one backend. */
export function storageContract(
  name: string,
  make: () => Promise<StorageUnderTest>,
  options: ContractOptions = {},
): void {
  const gap = (clause: NonNullable<ContractOptions['knownGaps']>[number]) =>
    options.knownGaps?.includes(clause) ? it.fails : it;
  const withStorage = async (fn: (s: ContentStorage) => Promise<void>) => {
    const t = await make();
    try {
      await fn(t.storage);
    } finally {
      await t.cleanup();
    }
  };

  describe(`ContentStorage contract: ${name}`, () => {
    it('put then stat, open, read ranges and stream (awkward names too)', () =>
      withStorage(async (s) => {
        for (const key of ['a.ipa', 'dir with space/ünïcode é.pkg', 'x/y/z/..name.pdf']) {
          const info = await s.put(key, chunks('0123', '456789'));
          expect(info).toMatchObject({ path: key, size: 10 });
          expect(info.identity).not.toBe('');
          const st = await s.stat(key);
          expect(st).toMatchObject({ path: key, size: 10, identity: info.identity });
          expect(Math.abs((st?.mtimeMs ?? 0) - Date.now())).toBeLessThan(120_000);
          const o = await s.open(key);
          if (!o) throw new Error('not opened');
          try {
            expect(o.info.size).toBe(10);
            expect(Buffer.from(await o.read(2, 3)).toString()).toBe('234');
            expect(Buffer.from(await o.read(8, 100)).toString()).toBe('89');
            expect((await o.read(10, 5)).length).toBe(0);
            expect(await collect(o.stream())).toBe('0123456789');
            expect(await collect(o.stream({ start: 3, end: 5 }))).toBe('345');
            // The serving relay's readable: the same bytes, piped.
            expect(await collect(await o.readable())).toBe('0123456789');
            expect(await collect(await o.readable({ start: 3, end: 5 }))).toBe('345');
            expect(await collect(await o.readable({ start: 9, end: 9 }))).toBe('9');
          } finally {
            await o.close();
          }
        }
      }));

    it('a readable destroyed part-way stops reading and leaves the object readable', () =>
      withStorage(async (s) => {
        const big = Buffer.alloc(3 * 1024 * 1024, 7);
        await s.put('big.bin', chunks(big));
        const o = await s.open('big.bin');
        if (!o) throw new Error('not opened');
        try {
          const body = await o.readable();
          let got = 0;
          for await (const c of body) {
            got += (c as Uint8Array).length;
            break; // the device went away after the first chunk
          }
          expect(got).toBeGreaterThan(0);
          expect(got).toBeLessThan(big.length);
          // Closed, not drained: a bucket's body aborts its request (closing a moment later).
          if (!body.closed) await new Promise((r) => body.once('close', r));
          expect(body.readableEnded).toBe(false);
          expect(Buffer.from(await o.read(big.length - 2, 2))).toEqual(Buffer.from([7, 7]));
        } finally {
          await o.close();
        }
      }));

    it('absence is undefined/false, never an error', () =>
      withStorage(async (s) => {
        expect(await s.stat('missing.ipa')).toBeUndefined();
        expect(await s.open('missing.ipa')).toBeUndefined();
        expect(await s.delete('missing.ipa')).toBe(false);
        expect(await listAll(s)).toEqual([]);
      }));

    it('a folder is not an object', () =>
      withStorage(async (s) => {
        await s.put('apps/a.ipa', chunks('x'));
        await s.createFolder('empty/folder');
        expect(await s.stat('apps')).toBeUndefined();
        expect(await s.open('apps')).toBeUndefined();
        expect(await listAll(s)).toEqual(['apps/a.ipa']);
      }));

    it('lists every object, by prefix, and within a limit', () =>
      withStorage(async (s) => {
        for (const k of ['a/1.ipa', 'a/2.ipa', 'ab/3.pkg', 'b/c/4.pdf', 'top.epub']) {
          await s.put(k, chunks(k));
        }
        expect(await listAll(s)).toEqual([
          'a/1.ipa',
          'a/2.ipa',
          'ab/3.pkg',
          'b/c/4.pdf',
          'top.epub',
        ]);
        expect(await listAll(s, { prefix: 'a/' })).toEqual(['a/1.ipa', 'a/2.ipa']);
        expect(await listAll(s, { prefix: 'b/' })).toEqual(['b/c/4.pdf']);
        expect((await listAll(s, { limit: 2 })).length).toBe(2);
        for await (const o of s.list({ prefix: 'b/' })) {
          expect(o).toMatchObject({ path: 'b/c/4.pdf', size: 'b/c/4.pdf'.length });
        }
      }));

    it('replaces an object whole; a reader opened before keeps the old bytes', () =>
      withStorage(async (s) => {
        await s.put('f.pkg', chunks('old bytes!'));
        const before = await s.open('f.pkg');
        if (!before) throw new Error('not opened');
        try {
          const info = await s.put('f.pkg', chunks('brand new bytes'));
          expect(info.size).toBe(15);
          expect(await readAll(s, 'f.pkg')).toBe('brand new bytes');
          // The opened object still reads as it was (disk: the old inode; bucket: its ETag).
          expect(before.info.size).toBe(10);
          const old = await before.read(0, 10).then(
            (b) => Buffer.from(b).toString(),
            () => 'refused',
          );
          // A bucket may refuse a read of a replaced object (If-Match), but never mixes versions.
          if (options.serverPinsVersions !== false)
            expect(['old bytes!', 'refused']).toContain(old);
        } finally {
          await before.close();
        }
      }));

    it('a failed put leaves nothing (or the previous object) visible', () =>
      withStorage(async (s) => {
        await expect(s.put('new.ipa', failingBody())).rejects.toThrow();
        expect(await s.stat('new.ipa')).toBeUndefined();
        expect(await listAll(s)).toEqual([]);
        await s.put('kept.ipa', chunks('previous'));
        await expect(s.put('kept.ipa', failingBody())).rejects.toThrow();
        expect(await readAll(s, 'kept.ipa')).toBe('previous');
      }));

    gap('body-error-unchanged')('the body’s own error reaches the caller unchanged', () =>
      withStorage(async (s) => {
        const mine = new Error('over the limit');
        async function* body(): AsyncIterable<Uint8Array> {
          yield new Uint8Array(4);
          throw mine;
        }
        await expect(s.put('x.ipa', body())).rejects.toBe(mine);
      }),
    );

    it('delete removes an object once', () =>
      withStorage(async (s) => {
        await s.put('d/e.ipa', chunks('x'));
        expect(await s.delete('d/e.ipa')).toBe(true);
        expect(await s.delete('d/e.ipa')).toBe(false);
        expect(await s.stat('d/e.ipa')).toBeUndefined();
      }));

    it('an empty object is an object', () =>
      withStorage(async (s) => {
        await s.put('empty.pdf', chunks());
        expect(await s.stat('empty.pdf')).toMatchObject({ size: 0 });
        expect(await readAll(s, 'empty.pdf')).toBe('');
      }));

    gap('dot-segments')('keys with dot segments never reach outside', () =>
      withStorage(async (s) => {
        await s.put('inside.ipa', chunks('x'));
        for (const k of ['../inside.ipa', 'a/../inside.ipa', './inside.ipa']) {
          expect(await s.stat(k)).toBeUndefined();
          expect(await s.open(k)).toBeUndefined();
        }
      }),
    );

    it('describe names the backend without secrets', () =>
      withStorage(async (s) => {
        expect(s.describe()).not.toMatch(/secret|AKIA|\/tmp\//i);
      }));
  });
}
