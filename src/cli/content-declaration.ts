/**
 * `portcullis content declaration <path>`: the declaration JSON of one catalog item from the
 * shell, with no server running — exactly what POST /api/v1/declarations answers (the same
 * schema checks the flags, the same export code, the same change-log rows with actor `cli`).
 * stdout carries only the declaration, so `> agent.json` gives a file an MDM imports; what a
 * person should know (a link was created, warnings) goes to stderr.
 */
import { type DeclarationRequest, exportDeclaration } from '../admin/declaration-export.js';
import { AdminError } from '../admin/errors.js';
import { ExportDeclarationBody } from '../admin/schemas/declarations.js';
import { MANIFEST_LINK_MAX_DAYS } from '../admin/schemas/manifest-links.js';
import { CatalogError } from '../catalog/errors.js';
import { StoreError } from '../store/errors.js';
import { linkTokenKey } from '../store/link-token.js';
import { openStoreWithSecret } from '../store/open.js';
import { checkedPublicUrl, configurationIdOf, unknownConfiguration } from './content-links.js';
import { CliError, type Command } from './run.js';
import { databaseOptions, type StoreFlags, storeLocation } from './store-location.js';

const ACTOR = 'cli';

interface Flags extends StoreFlags {
  type?: string;
  link?: string;
  newLink?: boolean;
  config?: string;
  label?: string;
  days?: string;
  identifier?: string;
  install?: string;
  automaticAppUpdates?: string;
  includeInBackup?: string;
  publicUrl?: string;
  json?: boolean;
}

/** `--include-in-backup` words; anything else goes to the schema as typed and is refused there. */
const BOOLEAN_FLAG: Record<string, boolean> = { true: true, false: false };

/** The flag that sets each request field, for messages that name what the admin typed. */
const FLAG_OF: Record<string, string> = {
  type: '--type',
  linkId: '--link',
  newLink: '--new-link',
  configurationId: '--config',
  label: '--label',
  expiresInDays: '--days',
  identifier: '--identifier',
  install: '--install',
  automaticAppUpdates: '--automatic-app-updates',
  includeInBackup: '--include-in-backup',
};

/** Registers `portcullis content declaration`. */
export function registerContentDeclaration(content: Command): void {
  databaseOptions(
    content
      .command('declaration <path>')
      .description(
        'Print the declaration JSON of an item for an MDM (package, app.managed or asset.data).',
      )
      .option(
        '--data <dir>',
        'data directory holding portcullis.db and secret.key',
        './portcullis-data',
      )
      .requiredOption(
        '--type <type>',
        'package (.pkg), app.managed (.ipa) or asset.data (any file)',
      )
      .option(
        '--link <id>',
        "an active manifest link of this item for the declaration's ManifestURL",
      )
      .option(
        '--new-link',
        'create a manifest link for this declaration (with --config and --label)',
      )
      .option(
        '--config <id-or-name>',
        'with --new-link: JWT configuration that signs the download tokens (its id or display name)',
      )
      .option('--label <text>', 'with --new-link: what the link is for')
      .option('--days <n>', `with --new-link: lifetime in days, 1-${MANIFEST_LINK_MAX_DAYS}`)
      .option(
        '--identifier <id>',
        'declaration Identifier (default: portcullis.<type>.<path hash>)',
      )
      .option('--install <mode>', 'InstallBehavior: Optional or Required')
      .option('--automatic-app-updates <mode>', 'app.managed: AlwaysOn, AlwaysOff or StoreSettings')
      .option('--include-in-backup <bool>', 'app.managed: true or false')
      .requiredOption('--public-url <url>', 'base URL devices reach the content listener at')
      .option('--json', 'print { declaration, link, warnings } instead of the declaration alone'),
  ).action((path: string, flags: Flags) => declaration(path, flags));
}

/** The schema's cross-field messages (worded after an API field label) in the CLI's terms. */
function cliWording(message: string): string {
  if (message.startsWith('or a new link')) return 'give exactly one of --link <id> or --new-link';
  if (message.startsWith('is not used by asset.data'))
    return 'asset.data takes no manifest link (the device authenticates with its MDM identity)';
  if (message === 'applies to app.managed only') return 'applies to --type app.managed only';
  if (message === 'does not apply to asset.data') return 'does not apply to --type asset.data';
  return message;
}

function requestOf(path: string, flags: Flags): DeclarationRequest {
  const days = flags.days === undefined ? undefined : Number(flags.days);
  const backup = flags.includeInBackup;
  const parsed = ExportDeclarationBody.safeParse({
    path,
    type: flags.type,
    ...(flags.link === undefined ? {} : { linkId: flags.link }),
    ...(flags.newLink
      ? {
          newLink: {
            configurationId: flags.config,
            label: flags.label,
            ...(days === undefined ? {} : { expiresInDays: days }),
          },
        }
      : {}),
    ...(flags.identifier === undefined ? {} : { identifier: flags.identifier }),
    ...(flags.install === undefined ? {} : { install: flags.install }),
    ...(flags.automaticAppUpdates === undefined
      ? {}
      : { automaticAppUpdates: flags.automaticAppUpdates }),
    ...(backup === undefined ? {} : { includeInBackup: BOOLEAN_FLAG[backup] ?? backup }),
  });
  if (!parsed.success) {
    // Every problem at once, each naming the flag the admin typed.
    const lines = parsed.error.issues.map((issue) => {
      const field = String(issue.path[issue.path.length - 1] ?? '');
      const flag = FLAG_OF[field] ?? (field || 'declaration');
      return `${flag}: ${issue.code === 'custom' ? cliWording(issue.message) : issue.message}`;
    });
    throw new CliError(lines.join('\n'));
  }
  if (!flags.newLink && (flags.config ?? flags.label ?? flags.days) !== undefined)
    throw new CliError('--config, --label and --days go with --new-link');
  return parsed.data;
}

function publicUrlOf(flags: Flags): string {
  return checkedPublicUrl(flags.publicUrl);
}

async function declaration(path: string, flags: Flags): Promise<void> {
  const req = requestOf(path, flags);
  const publicUrl = publicUrlOf(flags);
  let opened: Awaited<ReturnType<typeof openStoreWithSecret>>;
  try {
    opened = await openStoreWithSecret(storeLocation(flags, false), flags.data);
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
  const { store, secret } = opened;
  try {
    if (req.newLink !== undefined)
      req.newLink.configurationId =
        (await configurationIdOf(store, req.newLink.configurationId)) ?? '';
    const out = await exportDeclaration(
      { store, linkKey: linkTokenKey(secret), publicUrl, now: Date.now },
      ACTOR,
      req,
      (action, targetType, targetId, details) =>
        store.changes.record({ actor: ACTOR, action, targetType, targetId, details }),
    );
    process.stdout.write(`${JSON.stringify(flags.json ? out : out.declaration, null, 2)}\n`);
    if (out.link?.created) {
      process.stderr.write(
        `created manifest link ${out.link.id} (expires ${out.link.expiresAt}); the declaration holds it like a password. Revoke: portcullis content revoke-link ${out.link.id}\n`,
      );
    }
    for (const w of out.warnings) process.stderr.write(`warning: ${w.code}: ${w.message}\n`);
  } catch (err) {
    const unknown = await unknownConfiguration(store, flags.config, err);
    if (unknown !== null) throw unknown;
    if (err instanceof CatalogError || err instanceof AdminError)
      throw new CliError(`${err.message} (${err.code})`);
    throw err;
  } finally {
    await store.close();
  }
}
