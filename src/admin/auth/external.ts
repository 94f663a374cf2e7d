/**
 * "API access with JWT": bearer tokens minted by an external issuer (Okta, Entra ID, GitHub Actions
 * OIDC, a CI system with a shared secret). The token's `iss` selects the configured JWT server;
 * JWKS servers allow RS256/ES256 only, shared-secret servers HS256 only, and the audience is always
 * checked. The caller is anonymous until this succeeds, so every refusal is the same 401
 * (EXTERNAL_REFUSAL_DETAIL): which issuers are configured, whether the IdP is up and which claim
 * failed go to the log only. The one exception, TOKEN_EXPIRED, comes after the signature verified.
 */
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { decryptSecret } from '../../store/secret.js';
import type { AccountRole, JwtServerRecord } from '../../store/types.js';
import { AdminError } from '../errors.js';
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
  }

  /** Verifies `token` for `server`; throws the generic 401 (or TOKEN_EXPIRED) on any refusal. */
  async verify(server: JwtServerRecord, token: string, now: Date): Promise<ExternalIdentity> {
    let payload: JWTPayload;
    try {
      payload = await this.#verify(server, token, now);
    } catch (err) {
      throw this.#refusal(err, server);
    }
    const username = payload[server.usernameClaim];
    if (typeof username !== 'string' || username === '') {
      throw this.#refusal(new Error(`no string claim "${server.usernameClaim}"`), server);
    }
    return { username, role: server.role, serverId: server.id, exp: payload.exp };
  }

  async #verify(server: JwtServerRecord, token: string, now: Date): Promise<JWTPayload> {
    const options = {
      issuer: server.issuer,
      audience: server.audience,
      currentDate: now,
      // IdP and Portcullis clocks drift; a minute matches the content listener's default leeway.
      clockTolerance: 60,
      requiredClaims: ['exp'],
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
