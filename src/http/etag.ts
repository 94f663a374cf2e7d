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

const httpDates = new Map<number, string>();
const HTTP_DATE_MEMO_MAX = 1024;

/** `Last-Modified` value (HTTP-date, second precision); memoised, since files rarely change. */
export function formatHttpDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  let text = httpDates.get(seconds);
  if (text === undefined) {
    if (httpDates.size >= HTTP_DATE_MEMO_MAX) httpDates.clear();
    text = new Date(seconds * 1000).toUTCString();
    httpDates.set(seconds, text);
  }
  return text;
}
