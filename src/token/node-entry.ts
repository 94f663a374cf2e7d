/**
 * Node.js token API (package export `portcullis/token/node`): everything of the runtime-neutral
 * `portcullis/token`, plus the node:crypto fast path — the synchronous verifier backend the server
 * uses (measured fastest, see BENCHMARKS.md), the KeyObject signer and the sync fingerprint.
 * A separate entry so that importing the neutral one never pulls node:crypto in.
 */
export * from './index.js';
export { createNodeVerifier, nodeSignatureBackend, tokenFingerprint } from './node.js';
export { assertRsaSigningKey, signToken } from './sign.js';
