#!/usr/bin/env node
/**
 * The `portcullis` command line. Each command lives in its own file under
 * `src/cli/` and exports `register(program)`; this file only wires them up.
 */
import { Command } from 'commander';
import { register as registerAdmin } from './admin.js';
import { register as registerCert } from './cert.js';
import { register as registerContent } from './content.js';
import { register as registerInspect } from './inspect.js';
import { register as registerKey } from './key.js';
import { register as registerKeygen } from './keygen.js';
import { register as registerProbe } from './probe.js';
import { runCli } from './run.js';
import { register as registerServe } from './serve.js';
import { register as registerSign } from './sign.js';
import { register as registerSignUrl } from './sign-url.js';
import { register as registerTestConnection } from './test-connection.js';
import { register as registerVerify } from './verify.js';

const program = new Command();
program
  .name('portcullis')
  .description(
    'Secure downloads of Apple in-house apps, packages and books with JSON Web Tokens (Jamf Pro compatible).',
  )
  .version('0.1.0');

// Command registrations (one line per command file).
registerSign(program);
registerSignUrl(program);
registerVerify(program);
registerInspect(program);
registerProbe(program);
registerKeygen(program);
registerKey(program);
registerCert(program);
registerServe(program);
registerTestConnection(program);
registerAdmin(program);
registerContent(program);

await runCli(program, process.argv);
