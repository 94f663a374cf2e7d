/**
 * Refusal codes of `portcullis probe` (the audit of a distribution point). These are usage errors:
 * the probe could not start. What the audited server did is a report, never an exception.
 */
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry of probe error codes → HTTP status, default message, remedy. */
export const PROBE_ERRORS = defineErrors('probe', {
  PROBE_URL_INVALID: {
    status: 400,
    message:
      'The URL to probe must be an absolute http:// or https:// URL of one file, without credentials.',
    remedy: 'Pass the download URL of a real file, e.g. https://dp.example.com/apps/App.ipa.',
  },
  PROBE_KEY_UNSUITABLE: {
    status: 400,
    message:
      'The probe needs the RSA private key (2048 bits or more) the distribution point trusts.',
    remedy:
      'Pass the private key Jamf signs with (openssl genrsa -out key.pem 2048); a public key cannot sign.',
  },
});

/** Every reason the probe refuses to start. */
export type ProbeErrorCode = keyof typeof PROBE_ERRORS;

/**
 * A probe that cannot start: bad URL or unsuitable key. The message is the registry message
 * followed by its remedy (`remedy` also stands alone): the CLI prints one line.
 */
export class ProbeError extends codedErrorClass(PROBE_ERRORS, 'cli') {}
