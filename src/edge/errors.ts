/**
 * Refusals of `portcullis edge build`. They concern the build (its keys, options and the bundle
 * it produced); a deployed bundle answers requests with the listener's own token and serve codes.
 * Messages name the option or file as typed, never key material.
 */
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry of edge build codes → status, message, remedy. */
export const EDGE_ERRORS = defineErrors('edge', {
  EDGE_PRIVATE_KEY: {
    status: 400,
    message: 'A private key was given; an edge bundle embeds public keys only.',
    remedy:
      'Give the public key, certificate or JWKS instead (`portcullis key show KEY --pem` prints the public half).',
  },
  EDGE_NO_KEYS: {
    status: 400,
    message: 'No verification key was given.',
    remedy: 'Give at least one --key (file or https JWKS URL) or a --jwks-url.',
  },
  EDGE_OPTION_INVALID: {
    status: 400,
    message: 'An edge build option is invalid.',
    remedy: 'See `portcullis edge build --help` and docs/edge.md for the accepted values.',
  },
  EDGE_KEY_FETCH_FAILED: {
    status: 502,
    message: 'The JWKS URL given as --key could not be read.',
    remedy:
      'Check the URL in a browser (it must answer 200 with a JWKS within 10 s), or download it and pass the file.',
  },
  EDGE_BUNDLE_UNSAFE: {
    status: 500,
    message: 'The Worker bundle would need Node.js built-ins, which Workers do not provide.',
    remedy: 'This is a Portcullis bug: report it with the output of `portcullis --version`.',
  },
});

/** Every reason an edge build can be refused. */
export type EdgeErrorCode = keyof typeof EDGE_ERRORS;

/** A refused edge build. */
export class EdgeError extends codedErrorClass(EDGE_ERRORS, 'cli') {}
