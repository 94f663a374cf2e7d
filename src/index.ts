/**
 * The Node.js library API (package export `portcullis`): verify and sign Jamf Pro tokens on the
 * node:crypto fast path, read and generate keys, run the distribution point in-process, and audit
 * a distribution point from outside. Everything here is also reachable from the narrower entries
 * (`portcullis/token/node`, `portcullis/keys`); code for edge runtimes imports `portcullis/token`,
 * which needs no `node:` module. See docs/tokens.md, "Library".
 */

export { type RunningServer, type ServeOptions, startServer } from './app/serve.js';
/** The ports startServer accepts: where keys come from, where download records go, extra routes. */
export type {
  AuditSink,
  ContentExtension,
  ContentExtensionInput,
  DownloadEvent,
  KeySource,
  TokenIdentity,
} from './contracts/index.js';
/** The base class of every coded refusal (`code`, `status`); see docs/errors.md. */
export { isPortcullisError, PortcullisError } from './errors/base.js';
// Keys: every RSA form an admin may hold, JWK/JWKS export, generation, certificates.
export * from './keys/index.js';
/** Probing a distribution point with hostile tokens, as `portcullis probe` does. */
export {
  type ProbeCaseId,
  type ProbeExpectation,
  type ProbeOptions,
  type ProbeOutcome,
  type ProbeReport,
  type ProbeResult,
  probeDistributionPoint,
} from './probe/probe.js';
/** Running the content listener (and admin listener) in-process, as `portcullis serve` does. */
export {
  type LoadServeConfigInput,
  loadServeConfig,
  resolveServeConfig,
  type ServeConfig,
  type ServeConfigInput,
} from './server/config.js';
// Tokens: the runtime-neutral API plus createNodeVerifier, signToken and tokenFingerprint.
export * from './token/node-entry.js';
