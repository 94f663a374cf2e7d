/**
 * JOSE header policy as data. Parameters that would let a token choose its own key (jku, x5u, jwk,
 * x5c) or demand extensions we do not implement (crit, b64) are refused; keys come only from the ring.
 */
import { TokenError } from './errors.js';
import type { ResolvedOptions } from './policy.js';

/** Header parameters that are never honoured: their presence refuses the token. */
export const FORBIDDEN_HEADER_PARAMS: readonly string[] = [
  'jku',
  'x5u',
  'jwk',
  'x5c',
  'crit',
  'b64',
  'zip',
];

/** Parameters with a required shape; all others are ignored. */
const HEADER_RULES: Readonly<Record<string, (value: unknown) => boolean>> = {
  kid: (v) => typeof v === 'string' && v.length > 0 && v.length <= 256,
  typ: (v) => typeof v === 'string' && v.toUpperCase() === 'JWT',
};

/** The parts of a checked header the pipeline needs next. */
export interface CheckedHeader {
  alg: string;
  kid: string | undefined;
}

/** Throws ALG_NOT_ALLOWED unless `alg` is a string on the allow-list. */
export function checkAlg(header: Record<string, unknown>, options: ResolvedOptions): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !options.algorithms.has(alg))
    throw new TokenError('ALG_NOT_ALLOWED');
  return alg;
}

/** Throws HEADER_NOT_ALLOWED for a forbidden parameter or a badly shaped kid/typ. */
export function checkHeaderParams(header: Record<string, unknown>): string | undefined {
  for (const name of FORBIDDEN_HEADER_PARAMS) {
    if (Object.hasOwn(header, name))
      throw new TokenError('HEADER_NOT_ALLOWED', undefined, { claim: name });
  }
  for (const name in HEADER_RULES) {
    if (Object.hasOwn(header, name) && !HEADER_RULES[name]!(header[name])) {
      throw new TokenError('HEADER_NOT_ALLOWED', undefined, { claim: name });
    }
  }
  return header.kid as string | undefined;
}

/** Checks alg against the allow-list, then header parameters. Throws ALG_NOT_ALLOWED / HEADER_NOT_ALLOWED. */
export function checkHeader(
  header: Record<string, unknown>,
  options: ResolvedOptions,
): CheckedHeader {
  const alg = checkAlg(header, options);
  return { alg, kid: checkHeaderParams(header) };
}
