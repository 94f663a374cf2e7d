/**
 * Where one-time secrets go (the first admin's password, the sample signed URL). A person at a
 * terminal sees them on stderr, as before; under a service manager stderr ends up in journald or
 * a log collector, readable by far more people than the data directory, so there they are
 * written to a 0600 file in the data directory and stderr only says where.
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** File names of the secrets, inside the data directory. */
export const SECRET_FILES = {
  firstAdmin: 'first-admin-password.txt',
  sampleUrl: 'sample-signed-url.txt',
} as const;

/** Options of {@link revealSecret}. */
export interface RevealOptions {
  /** Whether stderr is a terminal; default process.stderr.isTTY. */
  isTTY?: boolean;
  /** Where terminal text and the pointer line go; default process.stderr. */
  write?: (text: string) => void;
}

/**
 * Shows `text` on a terminal, or else writes it to `<dataDir>/<fileName>` (mode 0600, replacing
 * an older copy) and prints only the file's path and what it holds.
 * @returns the file written, or null when the text went to the terminal
 * @example await revealSecret(config.data, SECRET_FILES.firstAdmin, banner, 'the one-time admin password')
 */
export async function revealSecret(
  dataDir: string,
  fileName: string,
  text: string,
  what: string,
  opts: RevealOptions = {},
): Promise<string | null> {
  const write = opts.write ?? ((t: string) => process.stderr.write(t));
  if (opts.isTTY ?? process.stderr.isTTY === true) {
    write(text);
    return null;
  }
  const path = join(dataDir, fileName);
  // A fresh file: an old one (perhaps made with a looser mode by hand) is never reused.
  await unlink(path).catch(() => {});
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(text);
  } finally {
    await file.close();
  }
  write(`portcullis: ${what} was written to ${path} (mode 0600; stderr is not a terminal)\n`);
  return path;
}
