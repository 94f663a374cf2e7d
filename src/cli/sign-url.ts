/**
 * `portcullis sign-url URL --key KEY`: prints the download URL with a fresh `token` parameter,
 * exactly as Jamf Pro would hand it to a device.
 */
import { addTokenToUrl } from '../token/url.js';
import type { Command } from './run.js';
import { CliError } from './run.js';
import { addSignOptions, type SignFlags, signFromFlags } from './sign.js';

/** What an http:// link means for devices (stderr; stdout stays the URL alone, for scripts). */
const HTTP_WARNING =
  'this is an http:// link: iPhone, iPad and Mac install apps and packages only over https:// (INSECURE_DEVICE_LINKS); use it for tests with curl only';

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
    const signed = addTokenToUrl(url, await signFromFlags(flags));
    // Devices refuse to install over plain HTTP; the URL still works for a test with curl.
    if (parsed.protocol === 'http:') process.stderr.write(`warning: ${HTTP_WARNING}\n`);
    process.stdout.write(`${signed}\n`);
  });
}
