/**
 * `portcullis content add|list|show|remove|rescan`: manage the content catalog of a data
 * directory from the shell (manifest links: content-links.ts; declarations:
 * content-declaration.ts), writing exactly like the admin API does (the same library: the
 * bytes into the content storage — a folder, or a bucket with `--storage s3://…` — hashed on the
 * way, then the metadata into the store), so a running `serve --data` sees the result at once.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { withContentLibrary } from '../app/offline.js';
import { CatalogError } from '../catalog/errors.js';
import { type ContentLibrary, contentEtag } from '../catalog/library.js';
import type { ContentStorage } from '../contracts/content-storage.js';
import { parseStorageLocation } from '../storage/location.js';
import { openS3Storage } from '../storage/open.js';
import type { ContentRecord, Store } from '../store/types.js';
import { registerContentDeclaration } from './content-declaration.js';
import { registerContentLinks } from './content-links.js';
import { CliError, type Command } from './run.js';
import { databaseOptions, openCliStore, type StoreFlags, storeLocation } from './store-location.js';

const DEFAULT_DATA = './portcullis-data';

interface Flags extends StoreFlags {
  root?: string;
  storage?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  path?: string;
  json?: boolean;
  maxUploadBytes?: string;
}

/** Registers `portcullis content` and its subcommands. */
export function register(program: Command): void {
  const content = program
    .command('content')
    .description('Manage the content catalog (apps, packages, books) of a data directory.');
  const common = (c: Command) =>
    databaseOptions(
      c
        .option('--data <dir>', 'data directory holding portcullis.db', DEFAULT_DATA)
        .option('--root <dir>', 'content root (default: <data>/content, as serve --data uses)')
        .option(
          '--storage <location>',
          'content in a bucket: s3://BUCKET[/PREFIX] (credentials from the AWS SDK chain), or a directory',
        )
        .option('--s3-endpoint <url>', 'S3-compatible endpoint (MinIO, Cloudflare R2); default AWS')
        .option('--s3-region <region>', 'bucket region (default AWS_REGION; R2: auto)')
        .option('--s3-path-style', 'path-style bucket URLs (MinIO and most self-hosted stores)'),
    );
  common(content.command('add <file>'))
    .description(
      'Copy a file into the content storage and catalogue it (replaces an existing path).',
    )
    .option('--path <path>', 'content path to store it under (default: the file name)')
    .action((file: string, flags: Flags) =>
      withLibrary(flags, true, (lib, store) => add(lib, store, file, flags)),
    );
  common(content.command('list'))
    .description('List catalogued content.')
    .option('--json', 'print JSON instead of a table')
    .action((flags: Flags) => withLibrary(flags, false, (lib) => list(lib, flags)));
  common(content.command('show <path>'))
    .description('Show one record with its metadata.')
    .option('--json', 'print JSON')
    .action((path: string, flags: Flags) =>
      withLibrary(flags, false, (lib) => show(lib, path, flags)),
    );
  common(content.command('remove <path>'))
    .description('Delete a file from the content storage and forget its record.')
    .action((path: string, flags: Flags) =>
      withLibrary(flags, false, (lib, store) => remove(lib, store, path)),
    );
  common(content.command('rescan'))
    .description(
      'Catalogue files copied into the root or bucket by other means; forget deleted ones.',
    )
    .option('--json', 'print JSON')
    .action((flags: Flags) => withLibrary(flags, false, (lib) => rescan(lib, flags)));
  registerContentLinks(content);
  registerContentDeclaration(content);
}

async function withLibrary(
  flags: Flags,
  mayCreate: boolean,
  fn: (lib: ContentLibrary, store: Store) => Promise<void>,
): Promise<void> {
  try {
    await withContentLibrary(
      storeLocation(flags, mayCreate),
      await contentOf(flags),
      fn,
      openCliStore,
    );
  } catch (err) {
    if (err instanceof CatalogError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
}

/**
 * Where the content lives: `--storage` (a bucket, opened by the storage factory, whose S3 code
 * loads only then) or `--root` (default `<data>/content`), never both.
 */
async function contentOf(flags: Flags): Promise<string | ContentStorage> {
  if (flags.storage === undefined) {
    if (flags.s3Endpoint || flags.s3Region || flags.s3PathStyle) {
      throw new CliError('--s3-endpoint, --s3-region and --s3-path-style need --storage s3://…');
    }
    const root = flags.root ?? join(flags.data, 'content');
    checkRootIsFolder(root);
    return root;
  }
  if (flags.root !== undefined) throw new CliError('give either --root or --storage, not both');
  const location = parseStorageLocation(flags.storage);
  if (location.kind === 'disk') {
    checkRootIsFolder(location.root);
    return location.root;
  }
  const storage = await openS3Storage(location, {
    ...(flags.s3Endpoint ? { endpoint: flags.s3Endpoint } : {}),
    ...(flags.s3Region ? { region: flags.s3Region } : {}),
    ...(flags.s3PathStyle ? { forcePathStyle: true } : {}),
  });
  // Credentials, region and bucket checked up front, as serve does: one coded line, not a
  // half-done command. Loaded only for a bucket, like the rest of the S3 code.
  const { checkS3Storage } = await import('../storage/s3/check.js');
  await checkS3Storage(storage);
  return storage;
}

/**
 * A root that exists but is no folder is the user's mistake: said here as a system error with
 * the path as typed (the storage's own errors name no path).
 */
function checkRootIsFolder(root: string): void {
  const info = statSync(root, { throwIfNoEntry: false });
  // Listing a file fails with Node's own ENOTDIR, which the CLI prints with the path as typed.
  if (info && !info.isDirectory()) readdirSync(root);
}

async function add(lib: ContentLibrary, store: Store, file: string, flags: Flags): Promise<void> {
  let size: number;
  try {
    const s = statSync(file);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch {
    throw new CliError(`cannot read ${file} (not a regular file?)`);
  }
  const { record, created } = await lib.ingest(
    createReadStream(file),
    flags.path ?? basename(file),
    {
      uploadedBy: 'cli',
      expectedLength: size,
    },
  );
  await store.changes.record({
    actor: 'cli',
    action: created ? 'content.upload' : 'content.replace',
    targetType: 'content',
    targetId: record.path,
    details: { size: record.size, sha256: record.sha256, kind: record.kind },
  });
  process.stdout.write(
    `${created ? 'added' : 'replaced'} ${record.path} (${record.kind}, ${record.size} bytes, sha256 ${record.sha256})\n`,
  );
  for (const w of warningsOf(record)) process.stdout.write(`warning: ${w.code}: ${w.message}\n`);
}

async function list(lib: ContentLibrary, flags: Flags): Promise<void> {
  const records = await lib.list();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(records.map(summary), null, 2)}\n`);
    return;
  }
  if (records.length === 0) {
    process.stdout.write('no content\n');
    return;
  }
  const rows = records.map((r) => [
    r.kind,
    String(r.size),
    str(r.metadata.bundleId) ?? str(r.metadata.identifier) ?? '-',
    str(r.metadata.version) ?? '-',
    r.path,
  ]);
  const header = ['KIND', 'SIZE', 'ID', 'VERSION', 'PATH'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`,
    );
  }
}

async function show(lib: ContentLibrary, path: string, flags: Flags): Promise<void> {
  const record = await lib.get(path);
  if (!record) throw new CliError(`no content at ${path}`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(detail(record), null, 2)}\n`);
    return;
  }
  const d = detail(record);
  for (const [k, v] of Object.entries(d)) {
    if (k === 'metadata') continue;
    process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  }
}

async function remove(lib: ContentLibrary, store: Store, path: string): Promise<void> {
  if (!(await lib.remove(path))) throw new CliError(`no content at ${path}`);
  // As the API does: deleting an item ends its manifest links.
  const revokedLinks = await store.manifestLinks.revokeForContent(path, 'cli');
  await store.changes.record({
    actor: 'cli',
    action: 'content.delete',
    targetType: 'content',
    targetId: path,
    details: revokedLinks > 0 ? { revokedLinks } : {},
  });
  process.stdout.write(`removed ${path}\n`);
}

async function rescan(lib: ContentLibrary, flags: Flags): Promise<void> {
  const result = await lib.rescan();
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else
    process.stdout.write(
      `added ${result.added.length}, updated ${result.updated.length}, removed ${result.removed.length}, unchanged ${result.unchanged}\n`,
    );
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function warningsOf(record: ContentRecord): Array<{ code: string; message: string }> {
  return Array.isArray(record.metadata.warnings)
    ? (record.metadata.warnings as Array<{ code: string; message: string }>)
    : [];
}

function summary(r: ContentRecord): Record<string, unknown> {
  return {
    path: r.path,
    kind: r.kind,
    size: r.size,
    sha256: r.sha256,
    revision: r.version,
    updatedAt: r.updatedAt,
    ...pick(r.metadata),
  };
}

function pick(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [
    'bundleId',
    'version',
    'buildVersion',
    'title',
    'author',
    'identifier',
    'minimumOsVersion',
    'profileExpiresAt',
    'warnings',
  ]) {
    if (m[k] !== undefined) out[k] = m[k];
  }
  return out;
}

function detail(r: ContentRecord): Record<string, unknown> {
  const { chunkHashes, ...metadata } = r.metadata as {
    chunkHashes?: { sha256s?: unknown[] };
  } & Record<string, unknown>;
  return {
    ...summary(r),
    etag: contentEtag(r),
    uploadedBy: r.uploadedBy,
    createdAt: r.createdAt,
    metadata: chunkHashes
      ? { ...metadata, chunkCount: chunkHashes.sha256s?.length ?? 0 }
      : metadata,
  };
}
