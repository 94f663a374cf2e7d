/**
 * `portcullis admin create|list|reset-password|delete|backup|migrate-store`: manage console/admin-
 * API accounts in the store (a data directory, or PostgreSQL with `--database`), back a data
 * directory up offline or while serve runs (SQLite WAL allows both at once), and copy it into
 * PostgreSQL when a site grows to several nodes.
 * Passwords come from a file (first line) or stdin (`-`), never from argv, where other users
 * of the machine could read them in the process list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasStore, withStore as withDataStore } from '../app/offline.js';
import { StoreError } from '../store/errors.js';
import { migrateSqliteToPostgres, type TableCount } from '../store/migrate-store.js';
import { hashPassword } from '../store/passwords.js';
import { redactDatabaseUrl } from '../store/postgres.js';
import { backupSqliteStore } from '../store/sqlite/backup.js';
import type { AccountRecord, AccountRole, Store } from '../store/types.js';
import { CliError, type Command } from './run.js';
import { databaseOptions, openCliStore, type StoreFlags, storeLocation } from './store-location.js';

const DEFAULT_DATA = './portcullis-data';
const ROLES: readonly AccountRole[] = ['admin', 'read-only'];
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

interface Flags extends StoreFlags {
  username?: string;
  passwordFile?: string;
  role?: string;
  json?: boolean;
  force?: boolean;
  mustChange?: boolean;
}

/** Registers `portcullis admin` and its subcommands. */
export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('Manage console and admin-API accounts stored in the data directory.');
  const data = (c: Command) =>
    databaseOptions(c.option('--data <dir>', 'data directory holding portcullis.db', DEFAULT_DATA));
  data(admin.command('create'))
    .description('Create an account (refuses an existing username).')
    .requiredOption('--username <name>', 'login name (letters, digits, . _ @ -; up to 64)')
    .requiredOption('--password-file <file>', "file whose first line is the password ('-' = stdin)")
    .option('--role <role>', 'admin or read-only', 'admin')
    .option('--must-change', 'require a password change at first login')
    .action((flags: Flags) => withStore(flags, true, (s) => create(s, flags)));
  data(admin.command('list'))
    .description('List accounts (never shows password hashes).')
    .option('--json', 'print JSON instead of a table')
    .action((flags: Flags) => withStore(flags, false, (s) => list(s, flags)));
  data(admin.command('reset-password'))
    .description("Set a new password for an account (and clear 'must change').")
    .requiredOption('--username <name>', 'the account')
    .requiredOption('--password-file <file>', "file whose first line is the password ('-' = stdin)")
    .option('--must-change', 'require another change at next login')
    .action((flags: Flags) => withStore(flags, false, (s) => resetPassword(s, flags)));
  data(admin.command('delete'))
    .description('Delete an account (refuses the last enabled admin unless --force).')
    .requiredOption('--username <name>', 'the account')
    .option('--force', 'allow deleting the last enabled admin')
    .action((flags: Flags) => withStore(flags, false, (s) => remove(s, flags)));
  admin
    .command('backup')
    .option('--data <dir>', 'data directory holding portcullis.db', DEFAULT_DATA)
    .description('Write a consistent copy of the database (safe while serve runs).')
    .requiredOption('--out <file>', 'backup file to create (mode 0600)')
    .option('--force', 'replace <file> if it exists')
    .action((flags: Flags & { out: string }) => backup(flags));
  admin
    .command('migrate-store')
    .description(
      'Copy a SQLite data directory into an empty PostgreSQL database (keys stay encrypted; counts compared).',
    )
    .requiredOption('--from <dir>', 'data directory holding portcullis.db')
    .requiredOption('--to <url>', 'postgres://user@host:5432/db of a new, empty database')
    .option('--database-ca <file>', 'PEM CA certificates the database server must chain to')
    .action((flags: MigrateFlags) => migrateStore(flags));
}

interface MigrateFlags {
  from: string;
  to: string;
  databaseCa?: string;
}

async function migrateStore(flags: MigrateFlags): Promise<void> {
  storeLocation({ data: flags.from }, false); // refuses a directory without a store
  let counts: TableCount[];
  try {
    counts = await migrateSqliteToPostgres({
      dataDir: flags.from,
      databaseUrl: flags.to,
      ...(flags.databaseCa ? { caFile: flags.databaseCa } : {}),
    });
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
  const width = Math.max(...counts.map((c) => c.table.length));
  const lines = counts.map((c) => `${c.table.padEnd(width)}  ${c.source} → ${c.target}`);
  process.stdout.write(
    `Copied into ${redactDatabaseUrl(flags.to)}:\n${lines.join('\n')}\n` +
      'Every count matches. Give every node the secret of this data directory ' +
      `(${join(flags.from, 'secret.key')} or PORTCULLIS_SECRET): the keys are still encrypted with it.\n`,
  );
}

async function backup(flags: Flags & { out: string }): Promise<void> {
  if (!hasStore(flags.data)) {
    throw new CliError(`no Portcullis store in ${flags.data} (wrong --data?)`);
  }
  const { pages } = await backupSqliteStore(flags.data, flags.out, { force: flags.force === true });
  process.stdout.write(
    `Wrote ${flags.out} (${pages} pages). It does not contain the secret: back up ` +
      `${join(flags.data, 'secret.key')} (or PORTCULLIS_SECRET) separately.\n`,
  );
}

async function withStore(
  flags: Flags,
  mayCreate: boolean,
  fn: (store: Store) => Promise<void>,
): Promise<void> {
  await withDataStore(storeLocation(flags, mayCreate), fn, openCliStore);
}

/** Reads the first line of the password file, or of stdin for '-'. */
function readPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch {
    throw new CliError(`cannot read --password-file ${file}`);
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new CliError('the password file is empty (the first line is used)');
  return line;
}

function username(flags: Flags): string {
  const name = flags.username ?? '';
  if (!USERNAME.test(name)) {
    throw new CliError(
      '--username: use 1-64 letters, digits, . _ @ or -, starting with a letter or digit',
    );
  }
  return name;
}

async function findAccount(store: Store, name: string): Promise<AccountRecord> {
  const account = await store.accounts.getByUsername(name);
  if (!account) throw new CliError(`no account named ${name}`);
  return account;
}

async function create(store: Store, flags: Flags): Promise<void> {
  const name = username(flags);
  const role = flags.role as AccountRole;
  if (!ROLES.includes(role)) throw new CliError('--role must be admin or read-only');
  const passwordHash = await hashPassword(readPassword(flags.passwordFile!));
  if (await store.accounts.getByUsername(name)) {
    throw new CliError(`an account named ${name} already exists`);
  }
  const account = await store.accounts.create({
    username: name,
    passwordHash,
    role,
    disabled: false,
    mustChangePassword: flags.mustChange === true,
  });
  await record(store, 'account.create', account, { role });
  process.stdout.write(`Created ${role} account ${account.username}\n`);
}

async function list(store: Store, flags: Flags): Promise<void> {
  const accounts = (await store.accounts.list()).map(({ passwordHash: _, ...rest }) => rest);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
    return;
  }
  const rows = [['USERNAME', 'ROLE', 'STATUS', 'MUST-CHANGE', 'CREATED', 'LAST-LOGIN']];
  for (const a of accounts) {
    rows.push([
      a.username,
      a.role,
      a.disabled ? 'disabled' : 'enabled',
      a.mustChangePassword ? 'yes' : 'no',
      a.createdAt,
      a.lastLoginAt ?? '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function resetPassword(store: Store, flags: Flags): Promise<void> {
  const account = await findAccount(store, username(flags));
  const passwordHash = await hashPassword(readPassword(flags.passwordFile!));
  await store.accounts.update(account.id, {
    passwordHash,
    mustChangePassword: flags.mustChange === true,
  });
  await record(store, 'account.reset-password', account, {});
  process.stdout.write(`Password of ${account.username} changed\n`);
}

async function remove(store: Store, flags: Flags): Promise<void> {
  const account = await findAccount(store, username(flags));
  const enabledAdmins = (await store.accounts.list()).filter(
    (a) => a.role === 'admin' && !a.disabled,
  );
  const isLastAdmin = enabledAdmins.length === 1 && enabledAdmins[0]!.id === account.id;
  if (isLastAdmin && !flags.force) {
    throw new CliError(
      `${account.username} is the last enabled admin; use --force to delete it anyway`,
    );
  }
  await store.accounts.delete(account.id);
  await record(store, 'account.delete', account, {});
  process.stdout.write(`Deleted account ${account.username}\n`);
}

function record(
  store: Store,
  action: string,
  account: AccountRecord,
  details: Record<string, unknown>,
): Promise<void> {
  return store.changes.record({
    actor: 'cli',
    action,
    targetType: 'account',
    targetId: account.id,
    details: { username: account.username, ...details },
  });
}
