/**
 * Signing with a configuration's private key: decrypts it from the store (AES-GCM with the
 * store secret, context 'configuration:<id>'), caches the parsed key until the record changes,
 * and mints tokens in exactly Jamf Pro's shape: header {"alg":"RS256"} (no kid),
 * claims {"sub":"AppManifest","iss":"JSS","exp":…}.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { decryptSecret } from '../store/secret.js';
import type { JwtConfigurationRecord, Store } from '../store/types.js';
import { signToken } from '../token/sign.js';
import { addTokenToUrl } from '../token/url.js';
import { AdminError } from './errors.js';

/** A signed URL and when its token stops working. */
export interface SignedUrl {
  url: string;
  /** ISO-8601 expiry of the token. */
  expiresAt: string;
}

/** Decrypts configuration keys and signs Jamf-shaped tokens with them. */
export class ConfigurationSigner {
  readonly #cache = new Map<string, { updatedAt: string; key: KeyObject }>();

  constructor(
    private readonly store: Store,
    private readonly secret: Uint8Array,
    private readonly now: () => number,
  ) {}

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

  /** The decrypted private key of a configuration. */
  async privateKey(configurationId: string): Promise<KeyObject> {
    return this.#key(await this.#record(configurationId));
  }

  /** Signs a Jamf-shaped token with the configuration's key and lifetime. */
  async signToken(configurationId: string): Promise<{ token: string; exp: number }> {
    const record = await this.#record(configurationId);
    if (!record.enabled) throw new AdminError('CONFIGURATION_DISABLED');
    const exp = Math.floor(this.now() / 1000) + record.tokenExpirySeconds;
    // signToken's defaults are Jamf Pro's shape byte for byte (no kid, sub/iss/exp in order).
    const token = signToken(this.#key(record), {
      expiresIn: record.tokenExpirySeconds,
      now: exp - record.tokenExpirySeconds,
    });
    return { token, exp };
  }

  /** Appends a freshly signed token to `url`. */
  async signUrl(configurationId: string, url: string): Promise<SignedUrl> {
    const { token, exp } = await this.signToken(configurationId);
    return { url: addTokenToUrl(url, token), expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Drops the cached key of a configuration (after rotate/delete). */
  forget(configurationId: string): void {
    this.#cache.delete(configurationId);
  }
}
