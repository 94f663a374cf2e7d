/**
 * Writing an upload safely: bytes go to a private temp file inside the content root
 * (`<root>/.portcullis-tmp/`, a dot-directory serve never hands out), hashed and counted on the
 * way, and only a complete file is ever renamed into place. A failed or aborted upload leaves
 * nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, realpath, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CatalogError } from './errors.js';

/** Name of the temp directory inside the content root. */
export const TEMP_DIR_NAME = '.portcullis-tmp';

/** A completely written temp file. */
export interface TempUpload {
  tempPath: string;
  size: number;
  sha256: string;
}

class Meter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new CatalogError('UPLOAD_TOO_LARGE', `The upload exceeds ${this.maxBytes} bytes.`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/**
 * Streams `source` into a new temp file under `<root>/.portcullis-tmp/`.
 * @throws CatalogError UPLOAD_TOO_LARGE / UPLOAD_INCOMPLETE; stream errors are rethrown. The temp
 *   file is removed on every failure.
 */
export async function writeTempUpload(
  root: string,
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  opts: { maxBytes: number; expectedLength?: number },
): Promise<TempUpload> {
  const dir = join(root, TEMP_DIR_NAME);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tempPath = join(dir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  const meter = new Meter(opts.maxBytes);
  try {
    await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx', mode: 0o644 }));
    if (opts.expectedLength !== undefined && meter.size !== opts.expectedLength) {
      throw new CatalogError('UPLOAD_INCOMPLETE');
    }
  } catch (err) {
    await unlink(tempPath).catch(() => {});
    throw err;
  }
  return { tempPath, size: meter.size, sha256: meter.hash.digest('hex') };
}

/** Removes temp files older than `maxAgeMs` (left by a crash); returns how many were removed. */
export async function purgeStaleTemp(
  root: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  const dir = join(root, TEMP_DIR_NAME);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.part')) continue;
    const file = join(dir, name);
    const s = await stat(file).catch(() => null);
    if (s && now - s.mtimeMs > maxAgeMs) {
      await unlink(file).catch(() => {});
      removed++;
    }
  }
  return removed;
}

/** True when `real` (a resolved path) is `realRoot` itself or below it. */
function isInside(realRoot: string, real: string): boolean {
  const rel = relative(realRoot, real);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep));
}

const leavesRoot = () =>
  new CatalogError('PATH_INVALID', 'The content path leaves the content root.');
const throughFile = () =>
  new CatalogError('PATH_INVALID', 'The content path runs through an existing file.');

/**
 * Makes the directory `segments` (relative to `root`) exist, and returns its real path. The
 * nearest ancestor that already exists is resolved first and must lie inside the root: only
 * then are the missing directories created, below that real ancestor. So a symlink in the root
 * (`linkdir -> /outside`) can never make an upload to `linkdir/new/deep/x.ipa` create anything
 * outside the root, even when the upload is refused.
 * @throws CatalogError PATH_INVALID
 */
export async function createDirectoryInRoot(root: string, segments: string[]): Promise<string> {
  const realRoot = await realpath(root);
  let found = segments.length;
  let realAncestor: string;
  for (;;) {
    try {
      realAncestor = await realpath(join(root, ...segments.slice(0, found)));
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw throughFile();
      // A dangling symlink resolves to nothing: walk up, and mkdir below will refuse it.
      if (code !== 'ENOENT' || found === 0) throw leavesRoot();
      found--;
    }
  }
  if (!isInside(realRoot, realAncestor)) throw leavesRoot();
  const info = await stat(realAncestor).catch(() => null);
  if (!info?.isDirectory()) throw throughFile();
  const missing = segments.slice(found);
  const real = join(realAncestor, ...missing);
  if (missing.length > 0) {
    try {
      await mkdir(real, { recursive: true });
    } catch {
      throw throughFile();
    }
  }
  return real;
}
