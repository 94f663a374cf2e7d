/**
 * The one place download tokens are minted. It decrypts a configuration's private key from the
 * store (AES-GCM with the store secret, context 'configuration:<id>'), caches the parsed key until
 * the record changes, and signs in Jamf Pro's shape (header {"alg":"RS256"}, claims sub/iss/exp)
 * plus the private `path` claim that binds the token to the one file it was minted for.
 *
 * Minting is one permission, decided here and nowhere else: a route gets a {@link Minter} only
 * for a caller whose role may sign ({@link SIGNING_ROLES}), and every token it mints is written
 * to the change log (who, configuration, path, expiry, token fingerprint — never the token)
 * before it is handed out. There is no other way from a route to a configuration's key.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { ProbeRunner } from '../contracts/probe-runner.js';
import { checkRequestPath } from '../http/path.js';
import { decryptSecret } from '../store/secret.js';
import type { AccountRole, JwtConfigurationRecord, Store } from '../store/types.js';
import { PATH_CLAIM } from '../token/claims.js';
import { tokenFingerprint } from '../token/node.js';
import { signToken } from '../token/sign.js';
import { addTokenToUrl } from '../token/url.js';
import { actorOf } from './actor.js';
import type { Principal } from './auth/authenticate.js';
import { AdminError } from './errors.js';

/** Roles that may mint download tokens (docs/authorization.md). Read-only accounts may not. */
export const SIGNING_ROLES: readonly AccountRole[] = ['admin'];

/** Change-log action of every minted token. */
export const MINT_ACTION = 'token.mint';

/**
 * Longest life of a download token minted for a manifest-link fetch (1 hour). A device fetches
 * the file right after the manifest, a download that started keeps streaming after `exp`, and
 * an interrupted one resumes under resume grace; so an hour is ample, and it bounds how long a
 * revoked link's last manifest still opens the file (docs/catalog.md "Manifest links").
 */
export const LINK_DOWNLOAD_TOKEN_MAX_SECONDS = 3600;

/** Why a token was minted (recorded with it). */
export type MintPurpose = 'signed-url' | 'install' | 'manifest' | 'qr' | 'command' | 'probe';

/** A signed URL and when its token stops working. */
export interface SignedUrl {
  url: string;
  /** ISO-8601 expiry of the token. */
  expiresAt: string;
}

/** One token to mint. */
export interface MintRequest {
  configurationId: string;
  /** The URL the token is appended to. */
  url: string;
  /**
   * The decoded path the content listener serves (`/apps/App.ipa`, as src/http/path.ts returns
   * it): the token's path claim. Manifest URLs are bound to the content path they describe.
   */
  path: string;
  purpose: MintPurpose;
}

/** What the distribution-point probe needs: the key, and the clock its valid token is signed at. */
export interface ProbeGrant {
  privateKey: KeyObject;
  /** The path claim every probe token carries (recorded as the minted token's path). */
  path: string;
  /** Unix seconds to pass as the probe's `now`, so the recorded fingerprint is its valid token's. */
  now: number;
}

/** The minting capability of one authorised caller. */
export interface Minter {
  /** Signs a token bound to `path` with the configuration's key and appends it to `url`. */
  signUrl(request: MintRequest): Promise<SignedUrl>;
  /**
   * The private key for the probe, which crafts its own hostile tokens and one valid Jamf-shaped
   * token (`ProbeRunner.validTokenSeconds`) bound to `url`'s decoded path and sent only there; that
   * token is recorded. A disabled configuration signs nothing, the probe included.
   */
  probeKey(configurationId: string, url: string): Promise<ProbeGrant>;
}

/** Whether a caller may mint download tokens. */
export function maySign(principal: Principal | null): boolean {
  return principal !== null && SIGNING_ROLES.includes(principal.role);
}

/** Decrypts configuration keys and mints download tokens for authorised callers. */
export class ConfigurationSigner {
  readonly #cache = new Map<string, { updatedAt: string; key: KeyObject }>();

  constructor(
    private readonly store: Store,
    private readonly secret: Uint8Array,
    private readonly now: () => number,
    /** The probe's token rules (path claim, lifetime), so the logged token is the one it sends. */
    private readonly probe: Pick<ProbeRunner, 'pathClaim' | 'validTokenSeconds'>,
  ) {}

  /**
   * The caller's minting capability.
   * @throws AdminError UNAUTHENTICATED without a caller, SIGNING_FORBIDDEN for a role that may not sign.
   */
  minterFor(principal: Principal | null): Minter {
    if (!principal) throw new AdminError('UNAUTHENTICATED');
    if (!maySign(principal)) throw new AdminError('SIGNING_FORBIDDEN');
    return this.serverMinter(actorOf(principal));
  }

  /**
   * The server's own minting capability, for tokens it hands out at start-up (the zero-config
   * sample URL). Recorded like every other token under `actor`; never given to a route.
   */
  serverMinter(actor: string): Minter {
    return {
      signUrl: (request) => this.#signUrl(actor, request),
      probeKey: (configurationId, url) => this.#probeKey(actor, configurationId, url),
    };
  }

  /** Drops the cached key of a configuration (after rotate/delete). */
  forget(configurationId: string): void {
    this.#cache.delete(configurationId);
  }

  async #record(configurationId: string): Promise<JwtConfigurationRecord> {
    const record = await this.store.configurations.get(configurationId);
    if (!record) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
    return record;
  }

  #key(record: JwtConfigurationRecord): KeyObject {
    const cached = this.#cache.get(record.id);
    if (cached && cached.updatedAt === record.updatedAt) return cached.key;
    const pem = decryptSecret(
      this.secret,
      record.privateKeyCiphertext,
      `configuration:${record.id}`,
    );
    const key = createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
    this.#cache.set(record.id, { updatedAt: record.updatedAt, key });
    return key;
  }

  /**
   * The content listener's minting for manifest links: one token bound to `path` per manifest
   * fetched with a link, living the shortest of the configuration's token lifetime,
   * {@link LINK_DOWNLOAD_TOKEN_MAX_SECONDS} and what is left of the link (`notAfter`, Unix
   * seconds; at least one second), and no change-log row per
   * token (the fetch's audit row names the link, whose creation is in the change log; see
   * docs/decisions.md "Manifest links"). Handed only to the device-manifest extension, never to
   * an admin route.
   * @throws AdminError NOT_FOUND, CONFIGURATION_DISABLED
   */
  async signForManifestLink(
    configurationId: string,
    path: string,
    notAfter: number,
  ): Promise<string> {
    assertListenerPath(path);
    const record = await this.#record(configurationId);
    if (!record.enabled) throw new AdminError('CONFIGURATION_DISABLED');
    const left = notAfter - Math.floor(this.now() / 1000);
    const lifetime = Math.min(record.tokenExpirySeconds, LINK_DOWNLOAD_TOKEN_MAX_SECONDS, left);
    return this.#sign(record, path, Math.max(1, lifetime)).token;
  }

  /** Jamf Pro's shape byte for byte (no kid, sub/iss/exp in order), then the path binding. */
  #sign(
    record: JwtConfigurationRecord,
    path: string,
    lifetime = record.tokenExpirySeconds,
  ): { token: string; exp: number } {
    const now = Math.floor(this.now() / 1000);
    const token = signToken(this.#key(record), {
      expiresIn: lifetime,
      now,
      claims: { [PATH_CLAIM]: path },
    });
    return { token, exp: now + lifetime };
  }

  async #signUrl(actor: string, request: MintRequest): Promise<SignedUrl> {
    assertListenerPath(request.path);
    const record = await this.#record(request.configurationId);
    if (!record.enabled) throw new AdminError('CONFIGURATION_DISABLED');
    const { token, exp } = this.#sign(record, request.path);
    const expiresAt = new Date(exp * 1000).toISOString();
    await this.#log(actor, record.id, {
      purpose: request.purpose,
      path: request.path,
      expiresAt,
      fingerprint: tokenFingerprint(token),
    });
    return { url: addTokenToUrl(request.url, token), expiresAt };
  }

  async #probeKey(actor: string, configurationId: string, url: string): Promise<ProbeGrant> {
    const path = this.probe.pathClaim(url);
    const record = await this.#record(configurationId);
    if (!record.enabled) throw new AdminError('CONFIGURATION_DISABLED');
    const privateKey = this.#key(record);
    const now = Math.floor(this.now() / 1000);
    // RS256 is deterministic: this is exactly the probe's valid token (same claims, same order),
    // so its fingerprint matches and the recorded path is exactly its claim.
    const token = signToken(privateKey, {
      expiresIn: this.probe.validTokenSeconds,
      now,
      claims: { [PATH_CLAIM]: path },
    });
    await this.#log(actor, configurationId, {
      purpose: 'probe',
      path,
      expiresAt: new Date((now + this.probe.validTokenSeconds) * 1000).toISOString(),
      fingerprint: tokenFingerprint(token),
    });
    return { privateKey, path, now };
  }

  /** One change-log row per minted token; a token whose record fails is never handed out. */
  async #log(actor: string, configurationId: string, details: Record<string, unknown>) {
    await this.store.changes.record({
      actor,
      action: MINT_ACTION,
      targetType: 'configuration',
      targetId: configurationId,
      details,
    });
  }
}

/** Throws TypeError unless `path` is a file path exactly as the content listener decodes it. */
function assertListenerPath(path: string): void {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const checked = checkRequestPath(encoded);
  if (!checked.ok || checked.directory || checked.path !== path) {
    throw new TypeError('a token can only be bound to a file path the content listener serves');
  }
}

/** The raw path of an absolute URL, without query or fragment ('/' when it has none). */
export function rawUrlPath(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m?.[1] || '/';
}
