/**
 * The probe's look behind a distribution point that hands devices a storage link: a bucket or
 * CDN that serves without a signature defeats every token check, so the probe asks the origin
 * itself with no token and no signature (`--origin`), and asks a redirect's target again as a
 * bare URL (no signature, no query). Both must be refused. Reports never carry a signature.
 */
import type { ProbeResult } from '../contracts/probe-runner.js';
import { type FetchPrefixOptions, fetchPrefix, type ProbeExchange } from './request.js';

/** Query parameters that make a storage link valid: SigV4 presigning and CloudFront signing. */
const SIGNATURE_PARAMS = [
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'awsaccesskeyid',
  'signature',
  'expires',
  'key-pair-id',
  'policy',
  'hash-algorithm',
  'token',
];

/**
 * The URL without a token or any signature parameter (matched case-insensitively).
 * @example unsignedUrl('https://b.s3.amazonaws.com/a.pkg?X-Amz-Signature=ab&x-id=GetObject') // 'https://b.s3.amazonaws.com/a.pkg?x-id=GetObject'
 */
export function unsignedUrl(url: URL): URL {
  const out = new URL(url);
  for (const name of [...out.searchParams.keys()]) {
    if (SIGNATURE_PARAMS.includes(name.toLowerCase())) out.searchParams.delete(name);
  }
  return out;
}

/** True when `url` carried any signature parameter. */
export function hasSignature(url: URL): boolean {
  return [...url.searchParams.keys()].some(
    (k) => SIGNATURE_PARAMS.includes(k.toLowerCase()) && k.toLowerCase() !== 'token',
  );
}

/** Classifies an unsigned origin request: refused (4xx) passes; served (2xx) is the hole. */
export function originRow(
  id: 'origin-unsigned' | 'redirect-unsigned',
  title: string,
  url: URL,
  ex: ProbeExchange,
): ProbeResult {
  const status = ex.status;
  const served = status !== null && status >= 200 && status < 300;
  const refused = status !== null && status >= 400 && status < 500;
  const row: ProbeResult = {
    id,
    title,
    expected: 'refused',
    placement: 'query',
    status,
    outcome:
      ex.status === null
        ? 'error'
        : served
          ? 'allowed'
          : refused
            ? 'refused'
            : status! >= 500
              ? 'server-error'
              : 'redirect',
    contentReturned: served && ex.body.length > 0,
    verdict: refused ? 'pass' : 'fail',
    detail: ex.error ?? bareUrl(url).href,
  };
  return row;
}

/**
 * The bare object URL: no query at all. A public bucket serves exactly that, while S3 refuses
 * an anonymous request that keeps the link's `response-*` overrides (400), which would hide it.
 */
export function bareUrl(url: URL): URL {
  const out = new URL(url);
  out.search = '';
  out.hash = '';
  return out;
}

/** Requests the bare object URL: no token, no signature, no overrides. */
export function fetchUnsigned(
  url: URL,
  opts: Omit<FetchPrefixOptions, 'headers'>,
): Promise<ProbeExchange> {
  return fetchPrefix(bareUrl(url), opts);
}
