/**
 * `probeDistributionPoint`: audits any distribution point (Portcullis, nginx, IIS, a CDN) from the
 * outside by sending hostile tokens and one valid token, and reports which ones opened the door.
 * The library function is shared by the CLI and the web console; it never prints and never throws
 * for what the server did, only for unusable input (bad URL, unsuitable key).
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { ProbeOutcome, ProbeReport, ProbeResult } from '../contracts/probe-runner.js';
import { checkRequestPath } from '../http/path.js';
import { ProbeError } from './errors.js';
import { fetchUnsigned, hasSignature, originRow, unsignedUrl } from './origin.js';
import { type FetchPrefixOptions, fetchPrefix, type ProbeExchange } from './request.js';
import { type CraftOptions, craftProbeCases, type ProbeCase } from './tokens.js';

export type {
  ProbeCaseId,
  ProbeExpectation,
  ProbeOutcome,
  ProbeReport,
  ProbeResult,
} from '../contracts/probe-runner.js';

/** Options of {@link probeDistributionPoint}. */
export interface ProbeOptions {
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Accept any TLS certificate. */
  insecure?: boolean;
  /** Unix seconds used for token times (default: now). */
  now?: number;
  /** Attacker key for the foreign-key/jwk/jku cases; generated (RSA 2048) when absent. */
  attackerKey?: KeyObject;
  /** Body bytes read from a 2xx answer before hanging up (default 64). */
  maxBytes?: number;
  /**
   * The same file straight from its origin (bucket or CDN URL, no signature): it must be refused,
   * since a public origin defeats every token check.
   */
  origin?: string;
}

/** Refusal bodies are small; read a little more of them to find the error code. */
const REFUSAL_BODY_BYTES = 4096;

/** Validates and normalises the URL: absolute http(s), no credentials, any old `token` removed. */
export function normaliseProbeUrl(input: string): URL {
  const url = plainHttpUrl(input);
  url.searchParams.delete('token');
  url.hash = '';
  return url;
}

/**
 * The path claim of the probe's tokens: the probed URL's path decoded exactly as the content
 * listener decodes it. A URL that names no file (a directory, a path the listener refuses)
 * cannot be probed: no token could be bound to it.
 * @example probePathClaim('https://dp.example.com/apps/My%20App.ipa') // '/apps/My App.ipa'
 * @throws ProbeError PROBE_URL_INVALID
 */
export function probePathClaim(url: string): string {
  return pathClaimOf(normaliseProbeUrl(url));
}

function pathClaimOf(base: URL): string {
  const checked = checkRequestPath(base.pathname);
  if (!checked.ok || checked.directory) throw new ProbeError('PROBE_URL_INVALID');
  return checked.path;
}

function checkKey(key: KeyObject): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw new ProbeError('PROBE_KEY_UNSUITABLE');
  }
}

/** The URL a case requests: the token appended as the last query parameter (Jamf style). */
function caseUrl(base: URL, c: ProbeCase): URL {
  const url = new URL(base);
  if (c.token !== null && c.placement === 'query') url.searchParams.append('token', c.token);
  return url;
}

/** Pulls a refusal code from a JSON body (`{"code": ...}`) or from WWW-Authenticate. */
function refusalCode(ex: ProbeExchange): string | undefined {
  // A pattern rather than JSON.parse: the body may be cut short, and only the code matters.
  const fromBody = /"code"\s*:\s*"([A-Za-z0-9_.-]{1,64})"/.exec(ex.body.toString('utf8'))?.[1];
  if (fromBody) return fromBody;
  return /error="([A-Za-z0-9_.-]{1,64})"/.exec(ex.wwwAuthenticate ?? '')?.[1];
}

/**
 * Strips the token and any storage signature from a Location header, so reports never carry a
 * link that opens the file.
 */
function safeLocation(location: string | undefined, base: URL): string | undefined {
  if (!location) return undefined;
  try {
    return unsignedUrl(new URL(location, base)).href;
  } catch {
    return '(unparseable Location)';
  }
}

/** True when a non-2xx body starts with the same bytes as the file the valid token fetched. */
function looksLikeFile(body: Buffer, filePrefix: Buffer | null): boolean {
  if (!filePrefix || filePrefix.length === 0 || body.length === 0) return false;
  const n = Math.min(body.length, filePrefix.length);
  return body.subarray(0, n).equals(filePrefix.subarray(0, n));
}

function classify(ex: ProbeExchange, filePrefix: Buffer | null): ProbeOutcome {
  if (ex.status === null) return 'error';
  if (ex.status >= 200 && ex.status < 300) return 'allowed';
  if (looksLikeFile(ex.body, filePrefix)) return 'leak';
  if (ex.status >= 300 && ex.status < 400) return 'redirect';
  if (ex.status >= 400 && ex.status < 500) return 'refused';
  return ex.status >= 500 ? 'server-error' : 'error';
}

/**
 * Decides pass/fail. A hostile case passes only when it was refused (4xx without the file): a
 * redirect is never a refusal, because the probe cannot tell a login page from a link that
 * serves the file (a signed storage link, a public CDN URL) without following it with a forged
 * token.
 */
function judge(c: ProbeCase, r: Omit<ProbeResult, 'verdict'>): ProbeResult['verdict'] {
  if (c.expected === 'info') return 'info';
  if (c.expected === 'allowed') {
    return r.outcome === 'allowed' && (r.status === 200 || r.status === 206) ? 'pass' : 'fail';
  }
  return r.outcome === 'refused' ? 'pass' : 'fail';
}

async function exchangeFor(base: URL, c: ProbeCase, o: Omit<FetchPrefixOptions, 'headers'>) {
  const headers: Record<string, string> = {};
  if (c.token !== null && c.placement === 'bearer') headers.authorization = `Bearer ${c.token}`;
  return fetchPrefix(caseUrl(base, c), { ...o, headers });
}

/**
 * Audits a distribution point: hostile tokens must be refused (4xx without file content; any
 * redirect or 2xx fails), the valid token must get 200/206 with content.
 * @example const report = await probeDistributionPoint('https://dp.example.com/App.ipa', key);
 */
export async function probeDistributionPoint(
  url: string,
  privateKey: KeyObject,
  opts: ProbeOptions = {},
): Promise<ProbeReport> {
  const base = normaliseProbeUrl(url);
  const path = pathClaimOf(base);
  checkKey(privateKey);
  const attackerKey = opts.attackerKey ?? (await newAttackerKey());
  const craft: CraftOptions = { privateKey, attackerKey, path };
  if (opts.now !== undefined) craft.now = opts.now;
  const cases = craftProbeCases(craft);
  const fileBytes = opts.maxBytes ?? 64;
  const fetchOpts = {
    timeoutMs: opts.timeoutMs ?? 10_000,
    insecure: opts.insecure ?? false,
    maxBytes: (status: number) => (status >= 200 && status < 300 ? fileBytes : REFUSAL_BODY_BYTES),
  };
  const origin = opts.origin === undefined ? null : normaliseOriginUrl(opts.origin);
  const exchanges: ProbeExchange[] = [];
  for (const c of cases) exchanges.push(await exchangeFor(base, c, fetchOpts));
  const validIndex = cases.findIndex((c) => c.id === 'valid');
  const signedTarget = signedRedirectOf(exchanges[validIndex], base);
  // A distribution point that redirects verified downloads to a signed storage link (Portcullis
  // --delivery redirect/cloudfront): the valid case follows that one redirect.
  if (signedTarget !== null) {
    const followed = await fetchPrefix(signedTarget, fetchOpts);
    exchanges[validIndex] = { ...followed, location: exchanges[validIndex]!.location! };
  }
  const valid = exchanges[validIndex];
  const filePrefix = valid && valid.status !== null && valid.status < 300 ? valid.body : null;
  const results = cases.map((c, i): ProbeResult => {
    const ex = exchanges[i]!;
    const outcome = classify(ex, filePrefix);
    const row: Omit<ProbeResult, 'verdict'> = {
      id: c.id,
      title: c.title,
      expected: c.expected,
      placement: c.placement,
      status: ex.status,
      outcome,
      contentReturned: outcome === 'leak' || (outcome === 'allowed' && ex.body.length > 0),
    };
    const code = outcome === 'allowed' ? undefined : refusalCode(ex);
    if (code) row.code = code;
    const detail = ex.error ?? safeLocation(ex.location, base);
    if (detail) row.detail = detail;
    if (outcome === 'redirect' && signedLocation(ex.location, base)) row.signedLink = true;
    return { ...row, verdict: judge(c, row) };
  });
  if (signedTarget !== null) {
    const ex = await fetchUnsigned(signedTarget, fetchOpts);
    results.push(
      originRow('redirect-unsigned', 'redirect target without its signature', signedTarget, ex),
    );
  }
  if (origin !== null) {
    const ex = await fetchUnsigned(origin, fetchOpts);
    results.push(
      originRow('origin-unsigned', 'the origin (--origin) without a signature', origin, ex),
    );
  }
  return summarise(base, results);
}

/** True when a Location header is a signed storage link (SigV4 or CloudFront signature). */
function signedLocation(location: string | undefined, base: URL): boolean {
  if (!location) return false;
  try {
    return hasSignature(new URL(location, base));
  } catch {
    return false;
  }
}

/** The valid case's redirect target when it is a signed storage link, else null. */
function signedRedirectOf(valid: ProbeExchange | undefined, base: URL): URL | null {
  if (!valid?.location || valid.status === null || valid.status < 300 || valid.status >= 400) {
    return null;
  }
  try {
    const target = new URL(valid.location, base);
    return hasSignature(target) ? target : null;
  } catch {
    return null;
  }
}

/** The origin URL: absolute http(s), no credentials; any signature is ignored (removed). */
function normaliseOriginUrl(input: string): URL {
  return unsignedUrl(plainHttpUrl(input));
}

/**
 * Parses an absolute http(s) URL without credentials (a probe never sends them).
 * @throws ProbeError PROBE_URL_INVALID
 */
function plainHttpUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ProbeError('PROBE_URL_INVALID');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new ProbeError('PROBE_URL_INVALID');
  }
  return url;
}

function summarise(base: URL, results: ProbeResult[]): ProbeReport {
  const count = (v: ProbeResult['verdict']) => results.filter((r) => r.verdict === v).length;
  const summary = { passed: count('pass'), failed: count('fail'), info: count('info') };
  return {
    url: base.href,
    probedAt: new Date().toISOString(),
    ok: summary.failed === 0,
    summary,
    results,
  };
}

async function newAttackerKey(): Promise<KeyObject> {
  const pair = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return pair.privateKey;
}
