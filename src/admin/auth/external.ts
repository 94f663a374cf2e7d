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
import {
  claimRefusal,
  type ExternalRefusal,
  externalVerifyOptions,
  refusalOf,
} from './external-checks.js';
import { externalUsername, policyRefusal } from './jwt-server-policy.js';
import {
  DEFAULT_JWKS_MAX_BYTES,
  DEFAULT_JWKS_TIMEOUT_MS,
  fetchJwksDocument,
  type JwksLogger,
  type JwksResolver,
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
    const result = await this.evaluate(server, token, now, sessionMaxSeconds);
    if (result.accepted) return result.identity;
    const { refusal } = result;
    if (refusal.code === 'SERVER_POLICY_REFUSED') {
      // Once per server until it is edited: anonymous callers must not be able to flood the log.
      if (!this.#warned.has(server.id)) {
        this.#warned.add(server.id);
        this.opts.logger?.warn(
          { jwtServerId: server.id, jwtServer: server.name, reason: refusal.reason },
          'JWT server refused: its configuration trusts every tenant of a shared issuer',
        );
      }
      throw new AdminError('UNAUTHENTICATED', EXTERNAL_REFUSAL_DETAIL);
    }
    // jose checks the signature before exp, so only the key's holder learns "expired".
    if (refusal.code === 'TOKEN_EXPIRED') throw new AdminError('TOKEN_EXPIRED');
    if (refusal.code !== 'JWKS_UNAVAILABLE') {
      this.opts.logger?.debug?.(
        { jwtServerId: server.id, jwtServer: server.name, reason: refusal.reason },
        'external JWT refused',
      );
    }
    throw new AdminError('UNAUTHENTICATED', EXTERNAL_REFUSAL_DETAIL);
  }

  /**
   * What {@link verify} decides for `token`, as data: the identity, or the refusal with its code.
   * `keys` replaces the cached JWKS (the admin's connection test passes a freshly fetched one).
   */
  async evaluate(
    server: JwtServerRecord,
    token: string,
    now: Date,
    sessionMaxSeconds: number,
    keys?: JwksResolver,
  ): Promise<ExternalEvaluation> {
    // An entry stored before the multi-tenant rule existed fails closed, loudly.
    const misconfigured = policyRefusal(server);
    if (misconfigured) {
      return { accepted: false, refusal: { code: 'SERVER_POLICY_REFUSED', reason: misconfigured } };
    }
    const maxLifetime = Math.min(server.maxTokenLifetimeSeconds, sessionMaxSeconds);
    let payload: JWTPayload;
    try {
      payload = await this.#verify(server, token, now, maxLifetime, keys);
    } catch (err) {
      return { accepted: false, refusal: refusalOf(err, now) };
    }
    const claims = claimRefusal(server, payload, maxLifetime);
    if (claims) return { accepted: false, refusal: claims };
    const username = externalUsername(server.name, payload[server.usernameClaim]);
    if (username === undefined) {
      const reason = `claim "${server.usernameClaim}" is not a usable name`;
      return { accepted: false, refusal: { code: 'USERNAME_CLAIM_UNUSABLE', reason } };
    }
    return {
      accepted: true,
      identity: { username, role: server.role, serverId: server.id, exp: payload.exp },
    };
  }

  /** Fetches `url` now, with the same deadline and byte cap as the cached fetches. */
  fetchJwks(url: string): Promise<unknown> {
    return fetchJwksDocument(url, {
      timeoutMs: this.opts.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
      maxBytes: this.opts.maxBytes ?? DEFAULT_JWKS_MAX_BYTES,
    });
  }

  async #verify(
    server: JwtServerRecord,
    token: string,
    now: Date,
    maxLifetime: number,
    keys: JwksResolver | undefined,
  ): Promise<JWTPayload> {
    const options = externalVerifyOptions(server, now, maxLifetime);
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
    if (keys) return (await jwtVerify(token, keys, jwks)).payload;
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
}

/** What {@link ExternalJwtVerifier.evaluate} found. */
export type ExternalEvaluation =
  | { accepted: true; identity: ExternalIdentity }
  | { accepted: false; refusal: ExternalRefusal };
