/**
 * Refusal codes of `portcullis probe` (the audit of a distribution point). These are usage errors:
 * the probe could not start. What the audited server did is a report, never an exception.
 */
import { PortcullisError } from '../errors/base.js';

/** Every reason the probe refuses to start. */
export type ProbeErrorCode = 'PROBE_URL_INVALID' | 'PROBE_KEY_UNSUITABLE';

/** Registry of probe error codes → HTTP status, default message, remedy. */
export const PROBE_ERRORS: Record<
  ProbeErrorCode,
  { status: number; message: string; remedy: string }
> = {
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
};

/** A probe that cannot start: bad URL or unsuitable key. */
export class ProbeError extends PortcullisError {
  declare readonly code: ProbeErrorCode;

  /** The remedy from the registry, for callers that show it apart from the message. */
  readonly remedy: string;

  /** The message is the registry message followed by its remedy: the CLI prints one line. */
  constructor(code: ProbeErrorCode) {
    const info = PROBE_ERRORS[code];
    super(code, info.status, `${info.message} ${info.remedy}`);
    this.remedy = info.remedy;
  }
}
