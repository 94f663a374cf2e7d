import { Command, CommanderError } from 'commander';

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

/** Runs the program and maps errors to exit codes without stack traces for user errors. */
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
      process.stderr.write(`portcullis: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    if (
      err &&
      typeof err === 'object' &&
      'code' in err &&
      typeof err.code === 'string' &&
      err instanceof Error
    ) {
      // Coded library errors (token, key) are user-facing by design.
      process.stderr.write(`portcullis: ${err.message} (${err.code})\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

export { Command };
