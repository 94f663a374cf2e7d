/** Validators derived from file metadata, identical in every worker for the same file. */

/** The file facts validators are made from. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  /** Inode number; changes when a file is replaced by rename, even with the same size and mtime. */
  ino: number;
}

/**
 * Entity-tag from size, mtime (ms) and inode, as hex.
 * @example makeEtag({ size: 26, mtimeMs: 1700000000000, ino: 42 }) // '"1a-18bcfefc800-2a"'
 */
export function makeEtag(file: FileIdentity, weak = false): string {
  const body = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}-${file.ino.toString(16)}"`;
  return weak ? `W/${body}` : body;
}

/** `Last-Modified` value (HTTP-date, second precision). */
export function formatHttpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}
