import { isAbsolute, relative, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isRegisteredCode } from '../errors-table.js';

/**
 * An error meant for the person at the terminal: printed as one line, no stack trace.
 * `exitCode` follows the CLI contract: 1 = the thing checked is invalid, 2 = usage or input error.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code of a failure that is a bug in Portcullis, not in the user's input (sysexits EX_SOFTWARE). */
export const INTERNAL_EXIT_CODE = 70;

/** Node's system error codes → the phrase the CLI prints (Node's own message embeds the full path). */
const SYSTEM_PHRASES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the resource is busy',
  EXDEV: 'cannot move across file systems',
};

interface SystemError extends Error {
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

function hasRegisteredCode(err: unknown): err is Error & { code: string } {
  return err instanceof Error && isRegisteredCode((err as { code?: unknown }).code);
}

function isSystemError(err: unknown): err is SystemError {
  const e = err as Partial<SystemError> | null;
  return err instanceof Error && typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/**
 * The argument the user typed that names `path` or a directory above it (longest match), so a
 * message can name it as typed. Node's messages carry the resolved absolute path instead.
 */
export function typedPathFor(path: string, args: readonly string[]): string | undefined {
  let best: { arg: string; length: number } | undefined;
  for (const raw of args) {
    // `--root=dir` and `--root dir` both name `dir`.
    const arg = raw.startsWith('--') && raw.includes('=') ? raw.slice(raw.indexOf('=') + 1) : raw;
    if (arg === '' || arg.startsWith('-')) continue;
    const full = resolve(arg);
    const rest = relative(full, path);
    const inside = rest === '' || (!rest.startsWith('..') && !isAbsolute(rest));
    if (inside && (best === undefined || full.length > best.length)) {
      best = { arg, length: full.length };
    }
  }
  return best?.arg;
}

/** The one line for a Node system error: the phrase, and the path only as the user typed it. */
export function describeSystemError(err: SystemError, args: readonly string[]): string {
  const phrase = SYSTEM_PHRASES[err.code] ?? 'the operating system refused the operation';
  const typed = [err.path, err.dest]
    .filter((p): p is string => typeof p === 'string')
    .map((p) => typedPathFor(p, args))
    .find((p) => p !== undefined);
  return typed === undefined
    ? `a file operation failed: ${phrase}`
    : `cannot use "${typed}": ${phrase}`;
}

/**
 * Runs the program and maps errors to exit codes without stack traces. Only errors whose code is
 * in a registry (docs/errors.md) are shown verbatim: their messages are user-safe by contract.
 * Node system errors become a generic line naming the path as typed; anything else is a bug.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (str, write) => write(str) });
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`${prefixed(err.message)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    // Registered codes only (also when re-thrown as a plain Error, e.g. across cluster IPC).
    if (hasRegisteredCode(err)) {
      process.stderr.write(`${prefixed(err.message)} (${err.code})\n`);
      process.exitCode = 2;
      return;
    }
    if (isSystemError(err)) {
      // argv[0] and argv[1] are node and this script: absolute paths the user did not type.
      process.stderr.write(`portcullis: ${describeSystemError(err, argv.slice(2))}\n`);
      process.exitCode = 2;
      return;
    }
    // A bug: its message and stack may hold absolute paths; PORTCULLIS_DEBUG=1 shows them.
    const name = err instanceof Error ? err.name : typeof err;
    process.stderr.write(
      `portcullis: internal error (${name}); please report it. Run with PORTCULLIS_DEBUG=1 for details.\n`,
    );
    if (process.env.PORTCULLIS_DEBUG === '1')
      process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exitCode = INTERNAL_EXIT_CODE;
  }
}

export { Command };

/**
 * One `portcullis:` prefix on an error line. Messages that start-up code also prints on its own
 * (serve's checks, storage, config) already carry it; the CLI must not add a second one.
 */
export function prefixed(message: string): string {
  return message.startsWith('portcullis: ') ? message : `portcullis: ${message}`;
}
