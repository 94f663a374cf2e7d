/**
 * "API access with JWT": bearer tokens minted by an external issuer (Okta, Entra ID, GitHub Actions
 * OIDC, a CI system with a shared secret). The token's `iss` selects the configured JWT server;
 * JWKS servers allow RS256/ES256 only, shared-secret servers HS256 only, and the audience is always
 * checked. Fetch failures become JWT_SERVER_UNREACHABLE, broken entries JWT_SERVER_MISCONFIGURED:
 * an external problem is a 401 with a clear detail, never a 500.
 */
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { decryptSecret } from '../../store/secret.js';
import type { AccountRole, JwtServerRecord } from '../../store/types.js';
import { AdminError } from '../errors.js';

/** Identity produced by an external JWT. */
export interface ExternalIdentity {
  username: string;
  role: AccountRole;
  serverId: string;
  exp: number | undefined;
}

/** Tunables for remote JWKS fetching. */
export interface RemoteJwksOptions {
  /** Abort a JWKS fetch after this many ms (default 5000). */
  timeoutMs?: number;
  /** Minimum ms between refetches triggered by an unknown kid (default 30000). */
  cooldownMs?: number;
  /** Refetch the JWKS after this many ms even when kids match (default 10 minutes). */
  cacheMaxAgeMs?: number;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

/** Verifies external bearer tokens against configured JWT servers; caches one JWKS per server. */
export class ExternalJwtVerifier {
  readonly #sets = new Map<string, { url: string; set: RemoteSet }>();

  constructor(
    private readonly secret: Uint8Array,
    private readonly opts: RemoteJwksOptions = {},
  ) {}

  #jwks(server: JwtServerRecord, url: string): RemoteSet {
    const cached = this.#sets.get(server.id);
    if (cached && cached.url === url) return cached.set;
    // jose refetches on an unknown kid (respecting cooldown), so key rotation at the IdP just works.
    const set = createRemoteJWKSet(new URL(url), {
      timeoutDuration: this.opts.timeoutMs ?? 5000,
      cooldownDuration: this.opts.cooldownMs ?? 30_000,
      cacheMaxAge: this.opts.cacheMaxAgeMs ?? 600_000,
    });
    this.#sets.set(server.id, { url, set });
    return set;
  }

  /** Forgets the cached JWKS of a server (after it is edited or deleted). */
  forget(serverId: string): void {
    this.#sets.delete(serverId);
  }

  /** Verifies `token` for `server`; throws AdminError with a 401 code on any refusal. */
  async verify(server: JwtServerRecord, token: string, now: Date): Promise<ExternalIdentity> {
    const options = {
      issuer: server.issuer,
      audience: server.audience,
      currentDate: now,
      // IdP and Portcullis clocks drift; a minute matches the content listener's default leeway.
      clockTolerance: 60,
      requiredClaims: ['exp'],
    };
    let payload: JWTPayload;
    try {
      if (server.sharedSecretCiphertext) {
        const key = decryptSecret(
          this.secret,
          server.sharedSecretCiphertext,
          `jwt-server:${server.id}`,
        );
        ({ payload } = await jwtVerify(token, key, { ...options, algorithms: ['HS256'] }));
      } else if (server.jwksUrl) {
        const set = this.#jwks(server, server.jwksUrl);
        ({ payload } = await jwtVerify(token, set, { ...options, algorithms: ['RS256', 'ES256'] }));
      } else {
        throw new AdminError(
          'JWT_SERVER_MISCONFIGURED',
          `JWT server "${server.name}" has neither a jwksUrl nor a shared secret.`,
        );
      }
    } catch (err) {
      throw mapJoseError(err, server);
    }
    const username = payload[server.usernameClaim];
    if (typeof username !== 'string' || username === '') {
      throw new AdminError(
        'UNAUTHENTICATED',
        `The token has no string claim "${server.usernameClaim}".`,
      );
    }
    return { username, role: server.role, serverId: server.id, exp: payload.exp };
  }
}

/** Maps jose/fetch failures to admin problem codes with details that name the server, not the token. */
function mapJoseError(err: unknown, server: JwtServerRecord): AdminError {
  if (err instanceof AdminError) return err;
  const name = `JWT server "${server.name}"`;
  if (err instanceof joseErrors.JWKSTimeout) {
    return new AdminError('JWT_SERVER_UNREACHABLE', `${name}: fetching its JWKS timed out.`);
  }
  if (err instanceof joseErrors.JWKSInvalid || err instanceof joseErrors.JOSENotSupported) {
    return new AdminError(
      'JWT_SERVER_MISCONFIGURED',
      `${name}: its JWKS is not usable (${(err as Error).message}).`,
    );
  }
  if (
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return new AdminError('UNAUTHENTICATED', `${name}: no key in its JWKS matches the token.`);
  }
  if (err instanceof joseErrors.JWTExpired) return new AdminError('TOKEN_EXPIRED');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new AdminError(
      'UNAUTHENTICATED',
      `${name}: claim "${err.claim}" check failed (${err.reason}).`,
    );
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new AdminError(
      'UNAUTHENTICATED',
      `${name}: the token algorithm is not allowed for this server.`,
    );
  }
  if (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') {
    // jose's generic errors here come from the JWKS fetch: a non-200 answer or a non-JSON body.
    return err.message.startsWith('Expected 200')
      ? new AdminError('JWT_SERVER_UNREACHABLE', `${name}: its JWKS URL did not answer 200 OK.`)
      : new AdminError('JWT_SERVER_MISCONFIGURED', `${name}: its JWKS URL did not return JSON.`);
  }
  if (err instanceof joseErrors.JOSEError) {
    return new AdminError('UNAUTHENTICATED', `${name}: the token is not valid.`);
  }
  if (err instanceof Error && (err.name === 'TypeError' || err.name === 'AbortError')) {
    // fetch() rejects with TypeError on connection refused/DNS failure.
    return new AdminError('JWT_SERVER_UNREACHABLE', `${name}: its JWKS URL could not be fetched.`);
  }
  if (err && typeof err === 'object' && 'code' in err && err.code === 'STORE_SECRET_MISMATCH') {
    return new AdminError(
      'JWT_SERVER_MISCONFIGURED',
      `${name}: its shared secret cannot be decrypted with this server secret.`,
    );
  }
  return new AdminError('JWT_SERVER_MISCONFIGURED', `${name}: verification failed unexpectedly.`);
}
