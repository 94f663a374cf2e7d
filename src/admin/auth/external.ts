/**
 * "API access with JWT": bearer tokens minted by an external issuer (Okta, Entra ID, GitHub Actions
 * OIDC, a CI system with a shared secret). The token's `iss` selects the configured JWT server;
 * JWKS servers allow RS256/ES256 only, shared-secret servers HS256 only, and the audience is always
 * checked. After the signature: `iat` and `exp` must be present and `exp - iat` within the
 * server's maxTokenLifetimeSeconds and the admin session lifetime, the server's required claims
 * must match, and the caller is named `jwt-server:<server>/<value>` (jwt-server-policy.ts).
 * The caller is anonymous until this succeeds, so every refusal is the same 401
 * (EXTERNAL_REFUSAL_DETAIL): which issuers are configured, whether the IdP is up and which claim
 * failed go to the log only. The one exception, TOKEN_EXPIRED, comes after the signature verified.
 */
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { decryptSecret } from '../../store/secret.js';
import type { AccountRole, JwtServerRecord } from '../../store/types.js';
import { AdminError } from '../errors.js';
import { externalUsername, policyRefusal, unmetClaim } from './jwt-server-policy.js';
import {
  type JwksLogger,
  type JwksResolver,
  JwksUnavailable,
  RemoteJwksCache,
  type RemoteJwksCacheOptions,
} from './remote-jwks.js';

/** Identity produced by an external JWT. */
export interface ExternalIdentity {
  username: string;
  role: AccountRole;
  serverId: string;
  exp: number | undefined;
}

/** Tunables for remote JWKS fetching (see RemoteJwksCacheOptions for the defaults). */
export interface RemoteJwksOptions extends RemoteJwksCacheOptions {
  /** Where refusal reasons go (debug) besides fetch failures (warn). */
  logger?: JwksLogger & { debug?(details: Record<string, unknown>, message: string): void };
}

/**
 * The detail of every refusal of an external token, whatever the reason — an unknown issuer
 * included (src/admin/auth/authenticate.ts uses it too), so the answer reveals nothing.
 */
export const EXTERNAL_REFUSAL_DETAIL = 'The bearer token was not accepted.';

/** Verifies external bearer tokens against configured JWT servers; caches one JWKS per server. */
export class ExternalJwtVerifier {
  readonly #jwks: RemoteJwksCache;
  /** Servers whose refused configuration has been logged already. */
  readonly #warned = new Set<string>();

  constructor(
    private readonly secret: Uint8Array,
    private readonly opts: RemoteJwksOptions = {},
  ) {
    this.#jwks = new RemoteJwksCache(opts);
  }

  /** Outbound JWKS fetches started so far. */
  get jwksFetches(): number {
    return this.#jwks.fetches;
  }

  /** Forgets the cached JWKS of a server (after it is edited or deleted). */
  forget(serverId: string): void {
    this.#jwks.forget(serverId);
    this.#warned.delete(serverId);
  }

  /**
   * Verifies `token` for `server`; throws the generic 401 (or TOKEN_EXPIRED) on any refusal.
   * `sessionMaxSeconds` is the admin session lifetime: no external token may outlive it.
   */
  async verify(
    server: JwtServerRecord,
    token: string,
    now: Date,
    sessionMaxSeconds: number,
  ): Promise<ExternalIdentity> {
    // An entry stored before the multi-tenant rule existed fails closed, loudly.
    const misconfigured = policyRefusal(server);
    if (misconfigured) {
      // Once per server until it is edited: anonymous callers must not be able to flood the log.
      if (!this.#warned.has(server.id)) {
        this.#warned.add(server.id);
        this.opts.logger?.warn(
          { jwtServerId: server.id, jwtServer: server.name, reason: misconfigured },
          'JWT server refused: its configuration trusts every tenant of a shared issuer',
        );
      }
      throw new AdminError('UNAUTHENTICATED', EXTERNAL_REFUSAL_DETAIL);
    }
    const maxLifetime = Math.min(server.maxTokenLifetimeSeconds, sessionMaxSeconds);
    let payload: JWTPayload;
    try {
      payload = await this.#verify(server, token, now, maxLifetime);
    } catch (err) {
      throw this.#refusal(err, server);
    }
    const claims = this.#checkClaims(server, payload, maxLifetime);
    if (claims) throw this.#refusal(new Error(claims), server);
    const username = externalUsername(server.name, payload[server.usernameClaim]);
    if (username === undefined) {
      throw this.#refusal(
        new Error(`claim "${server.usernameClaim}" is not a usable name`),
        server,
      );
    }
    return { username, role: server.role, serverId: server.id, exp: payload.exp };
  }

  /** Why a signature-verified payload is still refused (lifetime, required claims), or undefined. */
  #checkClaims(
    server: JwtServerRecord,
    payload: JWTPayload,
    maxLifetime: number,
  ): string | undefined {
    // jose has checked both are numbers and iat is not in the future.
    const lifetime = (payload.exp as number) - (payload.iat as number);
    if (lifetime > maxLifetime) {
      return `lifetime ${lifetime}s (exp - iat) exceeds ${maxLifetime}s`;
    }
    const unmet = unmetClaim(payload, server.requiredClaims);
    return unmet === undefined ? undefined : `required claim "${unmet}" does not match`;
  }

  async #verify(
    server: JwtServerRecord,
    token: string,
    now: Date,
    maxLifetime: number,
  ): Promise<JWTPayload> {
    const options = {
      issuer: server.issuer,
      audience: server.audience,
      currentDate: now,
      // IdP and Portcullis clocks drift; a minute matches the content listener's default leeway.
      clockTolerance: 60,
      requiredClaims: ['exp', 'iat'],
      // Also refuses an iat in the future, which would otherwise stretch exp - iat past now.
      maxTokenAge: maxLifetime,
    };
    if (server.sharedSecretCiphertext) {
      const key = decryptSecret(
        this.secret,
        server.sharedSecretCiphertext,
        `jwt-server:${server.id}`,
      );
      return (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
    }
    if (!server.jwksUrl) throw new Error('neither a jwksUrl nor a shared secret');
    const jwks = { ...options, algorithms: ['RS256', 'ES256'] };
    const resolver = await this.#jwks.resolver(server.id, server.jwksUrl);
    try {
      return (await jwtVerify(token, resolver, jwks)).payload;
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // An unknown kid: the IdP may have rotated. One refetch per cooldown, shared by all callers.
      const fresh: JwksResolver = await this.#jwks.resolver(server.id, server.jwksUrl, resolver);
      if (fresh === resolver) throw err;
      return (await jwtVerify(token, fresh, jwks)).payload;
    }
  }

  /** The caller's answer (generic) and the log's (the reason, naming the server, never the token). */
  #refusal(err: unknown, server: JwtServerRecord): AdminError {
    // jose checks the signature before exp, so only the key's holder learns "expired".
    if (err instanceof joseErrors.JWTExpired) return new AdminError('TOKEN_EXPIRED');
    if (!(err instanceof JwksUnavailable)) {
      this.opts.logger?.debug?.(
        { jwtServerId: server.id, jwtServer: server.name, reason: reasonOf(err) },
        'external JWT refused',
      );
    }
    return new AdminError('UNAUTHENTICATED', EXTERNAL_REFUSAL_DETAIL);
  }
}

/** A short reason for the log: jose's message, or what kind of failure it was. */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${err.claim}" check failed (${err.reason})`;
  if (err && typeof err === 'object' && 'code' in err && err.code === 'STORE_SECRET_MISMATCH')
    return 'its shared secret cannot be decrypted with this server secret';
  return err instanceof Error ? err.message : 'verification failed';
}
