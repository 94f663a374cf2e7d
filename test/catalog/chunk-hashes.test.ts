/**
 * The manifest's md5s/sha256s chunk lists, recomputed by tools that share no code with
 * Portcullis: python3 hashlib (several chunk sizes) and openssl dgst over `split` pieces. A
 * device compares every chunk it downloads with these; one wrong boundary fails the install.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, MANIFEST_CHUNK_BYTES } from '../../src/catalog/hash.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-chunks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file of pseudo-random bytes (a fixed seed, so a failure reproduces). */
function realFile(name: string, size: number): string {
  const bytes = Buffer.alloc(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  const file = join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}

/** Python's own chunking: read(n) until empty, md5 and sha256 of each piece. */
function pythonChunks(file: string, size: number): { md5s: string[]; sha256s: string[] } {
  const out = execFileSync('python3', [
    '-c',
    'import hashlib,json,sys\n' +
      'm=[];s=[]\n' +
      'with open(sys.argv[1],"rb") as f:\n' +
      '  while True:\n' +
      '    b=f.read(int(sys.argv[2]))\n' +
      '    if not b: break\n' +
      '    m.append(hashlib.md5(b).hexdigest()); s.append(hashlib.sha256(b).hexdigest())\n' +
      'print(json.dumps({"md5s":m,"sha256s":s}))',
    file,
    String(size),
  ]);
  return JSON.parse(out.toString('utf8'));
}

describe('manifest chunk hashes against independent tools', () => {
  // 10 MiB + 12345: two chunks at Apple's size, the last one partial.
  const file = realFile('chunks.pkg', MANIFEST_CHUNK_BYTES + 12_345);

  it.each([
    MANIFEST_CHUNK_BYTES,
    1024 * 1024,
    1_000_003, // not a divisor of the read size, so chunks straddle stream reads
    4096,
  ])('matches python3 hashlib at chunk size %i, last partial chunk included', async (size) => {
    const { chunks } = await hashFile(file, { chunkSize: size });
    const expected = pythonChunks(file, size);
    expect(chunks?.chunkSize).toBe(size);
    expect(chunks?.md5s).toEqual(expected.md5s);
    expect(chunks?.sha256s).toEqual(expected.sha256s);
    expect(chunks?.sha256s.length).toBe(Math.ceil((MANIFEST_CHUNK_BYTES + 12_345) / size));
  });

  it('matches openssl dgst over split pieces at 10 MiB (the size manifests use)', async () => {
    const dir = mkdtempSync(join(tmp, 'split-'));
    execFileSync('split', ['-b', String(MANIFEST_CHUNK_BYTES), '-a', '3', file, join(dir, 'p')]);
    const pieces = readdirSync(dir)
      .sort()
      .map((p) => join(dir, p));
    const dgst = (alg: string) =>
      pieces.map(
        (p) =>
          execFileSync('openssl', ['dgst', `-${alg}`, '-r', p])
            .toString('utf8')
            .split(' ')[0],
      );
    const { chunks, size } = await hashFile(file, { chunkSize: MANIFEST_CHUNK_BYTES });
    expect(size).toBe(MANIFEST_CHUNK_BYTES + 12_345);
    expect(pieces).toHaveLength(2);
    expect(chunks?.sha256s).toEqual(dgst('sha256'));
    expect(chunks?.md5s).toEqual(dgst('md5'));
  });

  it('a file of exactly one chunk has one hash, and an empty file has none', async () => {
    const exact = realFile('exact.pkg', 65_536);
    const { chunks } = await hashFile(exact, { chunkSize: 65_536 });
    expect(chunks?.sha256s).toEqual(pythonChunks(exact, 65_536).sha256s);
    expect(chunks?.sha256s).toHaveLength(1);
    const empty = realFile('empty.pkg', 0);
    expect((await hashFile(empty, { chunkSize: 65_536 })).chunks?.sha256s).toEqual([]);
  });
});
