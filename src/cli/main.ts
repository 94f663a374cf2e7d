#!/usr/bin/env node
/**
 * The `portcullis` command line. Each command lives in its own file under
 * `src/cli/` and exports `register(program)`; this file only wires them up.
 *
 * Command modules are imported lazily: a run of `portcullis verify` loads the token
 * code, not the admin API, SQLite and the catalog readers (start-up time matters to
 * scripts that call the CLI in a loop). `--help` and unknown commands load them all.
 */
import type { Command as CommandType } from 'commander';
import { Command } from 'commander';
import { runCli } from './run.js';
import { unsupportedNode } from './runtime.js';

const runtimeProblem = unsupportedNode(process.versions.node);
if (runtimeProblem !== null) {
  process.stderr.write(`portcullis: ${runtimeProblem}\n`);
  process.exit(1);
}

type Registrar = (program: CommandType) => void;

/** Command name → its module, in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<{ register: Registrar }>> = {
  sign: () => import('./sign.js'),
  'sign-url': () => import('./sign-url.js'),
  verify: () => import('./verify.js'),
  inspect: () => import('./inspect.js'),
  probe: () => import('./probe.js'),
  keygen: () => import('./keygen.js'),
  key: () => import('./key.js'),
  cert: () => import('./cert.js'),
  serve: () => import('./serve.js'),
  'test-connection': () => import('./test-connection.js'),
  admin: () => import('./admin.js'),
  content: () => import('./content.js'),
  edge: () => import('./edge.js'),
};

const program = new Command();
program
  .name('portcullis')
  .description(
    'Secure downloads of Apple in-house apps, packages and books with JSON Web Tokens (Jamf Pro compatible).',
  )
  .version('0.1.0');

const requested = process.argv[2];
const names =
  requested !== undefined && Object.hasOwn(COMMANDS, requested)
    ? [requested]
    : Object.keys(COMMANDS);
const modules = await Promise.all(names.map((name) => COMMANDS[name]!()));
for (const mod of modules) mod.register(program);

await runCli(program, process.argv);
