/**
 * Finds content files under the root (bounded walk: no dot entries, no symlinks, depth and
 * count capped). The library compares what it finds with the store to pick up files dropped
 * into the root by other means (rsync, a shared volume) and to forget deleted ones.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeContentPath } from './content-path.js';
import { CatalogError } from './errors.js';

/** A regular file found under the root. */
export interface FoundFile {
  /** Content path ('/'-separated, relative). */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Limits for {@link walkContentRoot}. */
export interface WalkLimits {
  maxFiles?: number;
  maxDepth?: number;
}

/** Lists regular files under `root` whose names are valid content paths. */
export async function walkContentRoot(
  root: string,
  limits: WalkLimits = {},
): Promise<{ files: FoundFile[]; truncated: boolean }> {
  const maxFiles = limits.maxFiles ?? 100_000;
  const maxDepth = limits.maxDepth ?? 32;
  const files: FoundFile[] = [];
  let truncated = false;
  const walk = async (dir: string, rel: string[], depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (files.length >= maxFiles) {
        truncated = true;
        return;
      }
      // Dot entries (our temp dir, .git, .DS_Store) are never content; symlinks are skipped
      // because following them could catalogue files outside the root.
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) await walk(full, [...rel, entry.name], depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      const path = [...rel, entry.name].join('/');
      if (!isStorablePath(path)) continue;
      const s = await lstat(full).catch(() => null);
      if (s?.isFile()) files.push({ path, size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
    }
  };
  // An unreadable root (unmounted volume, typo) must not look like "every file was deleted".
  const top = await lstat(root).catch(() => null);
  if (!top?.isDirectory()) throw new CatalogError('CONTENT_ROOT_UNAVAILABLE');
  await walk(root, [], 0);
  return { files, truncated };
}

/** A file name the catalog can record as-is (valid and already in NFC form). */
function isStorablePath(path: string): boolean {
  try {
    return normalizeContentPath(path) === path;
  } catch {
    return false;
  }
}
