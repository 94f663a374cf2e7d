/**
 * The probe client as the `ProbeRunner` port (src/contracts/probe-runner.ts), which the
 * composition root hands to the admin API: the admin API sits beside the probe and never
 * imports it.
 */
import type { ProbeRunner } from '../contracts/probe-runner.js';
import { probeDistributionPoint, probePathClaim } from './probe.js';
import { PROBE_TOKEN_SECONDS } from './tokens.js';

/** The one probe runner: the same client `portcullis probe` uses. */
export const probeRunner: ProbeRunner = {
  validTokenSeconds: PROBE_TOKEN_SECONDS,
  pathClaim: probePathClaim,
  run: (url, privateKey, opts) => probeDistributionPoint(url, privateKey, opts),
};
