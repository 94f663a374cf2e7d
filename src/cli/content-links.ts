/**
 * `portcullis content link|links|link-url|revoke-link`: manifest links from the shell, with no
 * server running. They write exactly what the admin API writes (same checks, same change-log
 * rows, actor `cli`), and the token is derived with the data directory's secret, so a link made
 * here works on every node at once and the URL printed is the one the API would show.
 */
import { AdminError } from '../admin/errors.js';
import {
  createManifestLink,
  manifestLinkUrl,
  manifestLinkView,
  revealManifestLink,
} from '../admin/manifest-links.js';
import { CreateManifestLinkBody, MANIFEST_LINK_MAX_DAYS } from '../admin/schemas/manifest-links.js';
import { CatalogError } from '../catalog/errors.js';
import { publicUrlProblem } from '../catalog/install.js';
import { ServeError } from '../server/errors.js';
import { StoreError } from '../store/errors.js';
import { linkTokenKey } from '../store/link-token.js';
import { openStoreWithSecret } from '../store/open.js';
import type { Store } from '../store/types.js';
import { CliError, type Command } from './run.js';
import { databaseOptions, type StoreFlags, storeLocation } from './store-location.js';

const DEFAULT_DATA = './portcullis-data';
const ACTOR = 'cli';

interface Flags extends StoreFlags {
  config?: string;
  label?: string;
  days?: string;
  publicUrl?: string;
  json?: boolean;
}

/** Registers the manifest-link subcommands on `portcullis content`. */
export function registerContentLinks(content: Command): void {
  const common = (c: Command) =>
    databaseOptions(
      c.option('--data <dir>', 'data directory holding portcullis.db and secret.key', DEFAULT_DATA),
    );
  common(content.command('link <path>'))
    .description(
      "Create a manifest link: a long-lived, revocable URL of the item's device manifest, for declarations.",
    )
    .requiredOption(
      '--config <id-or-name>',
      'JWT configuration that signs the download tokens inside (its id or display name)',
    )
    .requiredOption('--label <text>', 'what the link is for (shown in lists and the console)')
    .option('--days <n>', `lifetime in days, 1-${MANIFEST_LINK_MAX_DAYS}`, '365')
    .requiredOption('--public-url <url>', 'base URL devices reach the content listener at')
    .option('--json', 'print JSON')
    .action((path: string, flags: Flags) => withSecretStore(flags, (s) => create(s, path, flags)));
  common(content.command('links [path]'))
    .description('List manifest links (of one item when a path is given); never shows tokens.')
    .option('--json', 'print JSON instead of a table')
    .action((path: string | undefined, flags: Flags) =>
      withSecretStore(flags, (s) => list(s.store, path, flags)),
    );
  common(content.command('link-url <id>'))
    .description("Show an active link's URL again (recorded in the change log).")
    .requiredOption('--public-url <url>', 'base URL devices reach the content listener at')
    .action((id: string, flags: Flags) => withSecretStore(flags, (s) => showUrl(s, id, flags)));
  common(content.command('revoke-link <id>'))
    .description('Revoke a manifest link: the next manifest fetch with it is refused.')
    .action((id: string, flags: Flags) => withSecretStore(flags, (s) => revoke(s.store, id)));
}

interface Opened {
  store: Store;
  secret: Uint8Array;
}

async function withSecretStore(flags: Flags, fn: (s: Opened) => Promise<void>): Promise<void> {
  let opened: Opened;
  try {
    opened = await openStoreWithSecret(storeLocation(flags, false), flags.data);
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
  try {
    await fn(opened);
  } catch (err) {
    if (err instanceof CatalogError || err instanceof AdminError) {
      throw new CliError(`${err.message} (${err.code})`);
    }
    throw err;
  } finally {
    await opened.store.close();
  }
}

/**
 * The id of the configuration `--config` names: its id, or else its display name (unique in the
 * store) — an admin at the shell knows the name Jamf Pro's settings page shows, rarely the id.
 * A value that is neither is returned as given, so the admin layer refuses it in its own order
 * (item and type problems first); {@link unknownConfiguration} then words that refusal.
 */
export async function configurationIdOf(
  store: Store,
  value: string | undefined,
): Promise<string | undefined> {
  if (value === undefined || value === '') return value;
  const all = await store.configurations.list();
  return (all.find((c) => c.id === value) ?? all.find((c) => c.displayName === value))?.id ?? value;
}

/**
 * The admin layer's NOT_FOUND for a `--config` that names no configuration, as the CLI says it,
 * listing what exists so the next attempt is right; null for any other error.
 */
export async function unknownConfiguration(
  store: Store,
  value: string | undefined,
  err: unknown,
): Promise<CliError | null> {
  if (!(err instanceof AdminError) || err.code !== 'NOT_FOUND' || value === undefined) return null;
  const all = await store.configurations.list();
  if (all.some((c) => c.id === value || c.displayName === value)) return null;
  const known = all.map((c) => `"${c.displayName}" (${c.id})`).join(', ');
  return new CliError(
    `--config: no JWT configuration has the id or display name "${value}"; ${
      known === '' ? 'the store has none' : `the store has ${known}`
    }`,
  );
}

function publicUrlOf(flags: Flags): string {
  return checkedPublicUrl(flags.publicUrl);
}

/**
 * `--public-url` checked as the serve configuration checks `publicUrl` (src/catalog/install.ts
 * `publicUrlProblem`), without trailing slashes.
 * @throws ServeError CONFIG_INVALID naming publicUrl
 */
export function checkedPublicUrl(url: string | undefined): string {
  const problem = publicUrlProblem(url ?? '');
  if (problem !== null) {
    throw new ServeError(
      'CONFIG_INVALID',
      `invalid setting "publicUrl" (--public-url): ${problem}`,
    );
  }
  return url!.replace(/\/+$/, '');
}

async function create({ store, secret }: Opened, path: string, flags: Flags): Promise<void> {
  const publicUrl = publicUrlOf(flags);
  const days = flags.days === undefined ? undefined : Number(flags.days);
  // The API's own schema, so the shell and the API accept exactly the same input.
  const parsed = CreateManifestLinkBody.safeParse({
    path,
    configurationId: await configurationIdOf(store, flags.config),
    label: flags.label,
    ...(days === undefined ? {} : { expiresInDays: days }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = { configurationId: '--config', expiresInDays: '--days' }[String(issue.path[0])];
    throw new CliError(`${flag ?? `--${String(issue.path[0])}`}: ${issue.message}`);
  }
  let made: Awaited<ReturnType<typeof createManifestLink>>;
  try {
    made = await createManifestLink(
      { store, key: linkTokenKey(secret), now: Date.now },
      ACTOR,
      parsed.data,
      (details, id) =>
        store.changes.record({
          actor: ACTOR,
          action: 'manifest-link.create',
          targetType: 'manifest-link',
          targetId: id,
          details,
        }),
    );
  } catch (err) {
    throw (await unknownConfiguration(store, flags.config, err)) ?? err;
  }
  const { link, token } = made;
  const manifestUrl = manifestLinkUrl(publicUrl, link.contentPath, token);
  if (flags.json) {
    const out = { ...manifestLinkView(link, Date.now()), token, manifestUrl };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `created manifest link ${link.id} for ${link.contentPath} (expires ${link.expiresAt})\n` +
      `${manifestUrl}\n` +
      'Treat this URL like a password. `portcullis content link-url <id>` shows it again (recorded).\n',
  );
}

async function list(store: Store, path: string | undefined, flags: Flags): Promise<void> {
  const now = Date.now();
  const links = (
    await store.manifestLinks.list(path === undefined ? {} : { contentPath: path })
  ).map((l) => manifestLinkView(l, now));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(links, null, 2)}\n`);
    return;
  }
  if (links.length === 0) {
    process.stdout.write('no manifest links\n');
    return;
  }
  for (const l of links) {
    process.stdout.write(
      `${l.id}  ${l.status.padEnd(7)}  expires ${l.expiresAt.slice(0, 10)}  last used ${l.lastUsedAt?.slice(0, 16) ?? 'never'}  ${l.path}  ${JSON.stringify(l.label)}\n`,
    );
  }
}

async function showUrl({ store, secret }: Opened, id: string, flags: Flags): Promise<void> {
  const publicUrl = publicUrlOf(flags);
  let revealed: { manifestUrl: string };
  try {
    revealed = await revealManifestLink(
      { store, key: linkTokenKey(secret), now: Date.now },
      id,
      publicUrl,
      (details) =>
        store.changes.record({
          actor: ACTOR,
          action: 'manifest-link.reveal',
          targetType: 'manifest-link',
          targetId: id,
          details,
        }),
    );
  } catch (err) {
    if (err instanceof AdminError) throw new CliError(`no active manifest link ${id}`);
    throw err;
  }
  process.stdout.write(`${revealed.manifestUrl}\n`);
}

async function revoke(store: Store, id: string): Promise<void> {
  const after = await store.transaction(async () => {
    const before = await store.manifestLinks.get(id);
    if (!before) throw new CliError(`no manifest link ${id}`);
    const revoked = (await store.manifestLinks.revoke(id, ACTOR))!;
    if (before.revokedAt === null) {
      await store.changes.record({
        actor: ACTOR,
        action: 'manifest-link.revoke',
        targetType: 'manifest-link',
        targetId: id,
        details: { path: revoked.contentPath, fingerprint: revoked.fingerprint },
      });
    }
    return revoked;
  });
  process.stdout.write(`revoked manifest link ${id} (${after.contentPath})\n`);
}
