/**
 * "Test connection" for an external JWT server, the step after configuring one: does its JWKS URL
 * answer now (one fresh fetch through the verifier's bounded fetch — same deadline, byte cap and
 * no redirects; the URL is the admin-configured one, never taken from the request) and which
 * keys does it offer, or does its stored shared secret decrypt; and, with a pasted token, would
 * that token be accepted under the server's policy and as whom, or which check refuses it.
 * Admin only (the role that edits JWT servers). It mints nothing, stores nothing, and the token
 * is neither logged nor echoed: the report names checks and claims, never the token.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { JwtServerRecord } from '../../store/types.js';
import type { ExternalJwtVerifier } from '../auth/external.js';
import type { JwksResolver } from '../auth/remote-jwks.js';
import { sessionMaxSeconds } from '../auth/session-lifetime.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { IdParams } from '../schemas.js';

const TAGS = ['jwt-servers'];
/** Longest token accepted for a test; real IdP tokens are 1–4 KiB. */
const MAX_TEST_TOKEN = 16_384;

const TestBody = z.strictObject({
  token: z
    .string()
    .trim()
    .min(1, 'Paste a token, or leave the field out to test the keys only')
    .max(MAX_TEST_TOKEN, `A token longer than ${MAX_TEST_TOKEN} characters is not a JWT`)
    .optional(),
});

const KeyInfo = z.object({
  kid: z.string().nullable(),
  kty: z.string(),
  alg: z.string().nullable(),
  /** An RSA or P-256 EC signing key, which is what this server's tokens may use. */
  usable: z.boolean(),
});

/** The report (codes: docs/admin-api.md "Test connection"). */
export const JwtServerTestView = z.object({
  keys: z.object({
    ok: z.boolean(),
    source: z.enum(['jwks', 'shared-secret']),
    code: z.enum([
      'JWKS_OK',
      'JWKS_UNREACHABLE',
      'JWKS_INVALID',
      'JWKS_NO_USABLE_KEY',
      'SECRET_OK',
      'SECRET_UNREADABLE',
    ]),
    message: z.string(),
    keys: z.array(KeyInfo),
  }),
  token: z
    .object({
      accepted: z.boolean(),
      code: z.string(),
      message: z.string(),
      principal: z
        .object({ username: z.string(), role: z.enum(['admin', 'read-only']) })
        .nullable(),
      expiresAt: z.string().nullable(),
    })
    .nullable(),
});
type TestView = z.infer<typeof JwtServerTestView>;
type KeysReport = TestView['keys'];

/** Options of {@link jwtServerTestRoutes}: the verifier and a check that a stored secret opens. */
export interface JwtServerTestRoutesOptions extends RouteDeps {
  /** The external JWT verifier (its bounded JWKS fetch and its policy checks). */
  external: ExternalJwtVerifier;
  /** Whether a server's stored shared secret decrypts with this store's secret (never the bytes). */
  sharedSecretReadable(server: JwtServerRecord): boolean;
}

/** Registers POST /api/v1/jwt-servers/:id/test. */
export const jwtServerTestRoutes: FastifyPluginAsyncZod<JwtServerTestRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, external } = deps;
  app.post(
    '/api/v1/jwt-servers/:id/test',
    {
      preHandler: deps.guards.requireRole('admin'),
      schema: {
        summary:
          'Test a JWT server: its keys now, and optionally whether a token would be accepted',
        tags: TAGS,
        params: IdParams,
        body: TestBody,
        response: { 200: JwtServerTestView },
      },
    },
    async (request): Promise<TestView> => {
      const { id } = request.params;
      const { token } = request.body;
      const server = await store.jwtServers.get(id);
      if (!server) throw new AdminError('NOT_FOUND', 'No JWT server with this id.');
      const { report, resolver } = server.jwksUrl
        ? await testJwks(external, server.jwksUrl)
        : testSecret(deps.sharedSecretReadable(server));
      if (token === undefined) return { keys: report, token: null };
      // Without usable keys every token fails the same way; say that once, not per token.
      if (!report.ok) {
        const message = 'Not checked: fix the keys first (see above).';
        return { keys: report, token: tokenRefused(report.code, message) };
      }
      const now = new Date();
      const result = await external.evaluate(
        server,
        token,
        now,
        await sessionMaxSeconds(store),
        resolver,
      );
      if (!result.accepted) {
        return { keys: report, token: tokenRefused(result.refusal.code, result.refusal.reason) };
      }
      const { identity } = result;
      const principal = { username: identity.username, role: identity.role };
      const expiresAt =
        identity.exp === undefined ? null : new Date(identity.exp * 1000).toISOString();
      if (!server.enabled) {
        const message =
          'The token passes every check, but this server is disabled: enable it first.';
        return {
          keys: report,
          token: { accepted: false, code: 'SERVER_DISABLED', message, principal, expiresAt },
        };
      }
      const message = `Accepted as ${identity.username} with the ${identity.role} role.`;
      return {
        keys: report,
        token: { accepted: true, code: 'TOKEN_ACCEPTED', message, principal, expiresAt },
      };
    },
  );
};

function tokenRefused(code: string, message: string): NonNullable<TestView['token']> {
  return { accepted: false, code, message, principal: null, expiresAt: null };
}

/** One fresh fetch of the JWKS; the cache the verifier serves from is left alone. */
async function testJwks(
  external: ExternalJwtVerifier,
  url: string,
): Promise<{ report: KeysReport; resolver?: JwksResolver }> {
  const fail = (code: KeysReport['code'], message: string, keys: KeysReport['keys'] = []) => ({
    report: { ok: false, source: 'jwks' as const, code, message, keys },
  });
  let doc: unknown;
  try {
    doc = await external.fetchJwks(url);
  } catch (err) {
    // fetchJwksDocument's reasons are short and never include the body.
    return fail('JWKS_UNREACHABLE', `The JWKS URL ${(err as Error).message}.`);
  }
  const listed = keysOf(doc);
  if (!listed) return fail('JWKS_INVALID', 'The JWKS URL answered JSON that is not a JWK set.');
  let resolver: JwksResolver;
  try {
    resolver = createLocalJWKSet(doc as JSONWebKeySet);
  } catch {
    return fail('JWKS_INVALID', 'The JWKS URL answered a JWK set jose refuses.', listed);
  }
  if (!listed.some((k) => k.usable)) {
    const message = 'The JWK set offers no RSA or P-256 signing key (RS256/ES256).';
    return fail('JWKS_NO_USABLE_KEY', message, listed);
  }
  const count = listed.filter((k) => k.usable).length;
  const message = `The JWKS URL answered with ${count} usable ${count === 1 ? 'key' : 'keys'}.`;
  return { report: { ok: true, source: 'jwks', code: 'JWKS_OK', message, keys: listed }, resolver };
}

/** The keys of a JWK set (public parameters only: kid, kty, alg), or undefined if it is none. */
function keysOf(doc: unknown): KeysReport['keys'] | undefined {
  if (!doc || typeof doc !== 'object' || !('keys' in doc) || !Array.isArray(doc.keys)) {
    return undefined;
  }
  // A JWKS may be large (256 KiB cap); the report lists at most 50 keys.
  return doc.keys.slice(0, 50).map((k: unknown) => {
    const o: Record<string, unknown> = k && typeof k === 'object' ? { ...k } : {};
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
    const kty = str(o.kty) ?? 'unknown';
    const alg = str(o.alg);
    const signing = o.use === undefined || o.use === 'sig';
    const usable =
      signing &&
      ((kty === 'RSA' && (alg === null || alg === 'RS256')) ||
        (kty === 'EC' && o.crv === 'P-256' && (alg === null || alg === 'ES256')));
    return { kid: str(o.kid), kty, alg, usable };
  });
}

function testSecret(readable: boolean): { report: KeysReport; resolver?: JwksResolver } {
  const base = { source: 'shared-secret' as const, keys: [] };
  if (!readable) {
    const message =
      'The stored shared secret cannot be decrypted with this server secret: set it again.';
    return { report: { ...base, ok: false, code: 'SECRET_UNREADABLE', message } };
  }
  const message = 'The shared secret is stored and readable (HS256).';
  return { report: { ...base, ok: true, code: 'SECRET_OK', message } };
}
