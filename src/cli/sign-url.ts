/**
 * `portcullis sign-url URL --key KEY`: prints the download URL with a fresh `token` parameter,
 * exactly as Jamf Pro would hand it to a device.
 */
import { addTokenToUrl } from '../token/url.js';
import type { Command } from './run.js';
import { CliError } from './run.js';
import { addSignOptions, type SignFlags, signFromFlags } from './sign.js';

/** Registers `portcullis sign-url`. */
export function register(program: Command): void {
  addSignOptions(
    program
      .command('sign-url')
      .description('Print URL with a signed token added as the `token` query parameter.')
      .argument('<url>', 'download URL (http or https)'),
  ).action(async (url: string, flags: SignFlags) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError('invalid URL: give an absolute http(s) URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError('invalid URL: only http and https are supported');
    }
    process.stdout.write(`${addTokenToUrl(url, await signFromFlags(flags))}\n`);
  });
}
