/**
 * Token-crafting helpers for tests: build compact JWS from raw JSON text (so tests can put
 * duplicate members, odd whitespace or wrong types exactly where they want) and sign with node:crypto.
 */
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { encodeBase64Url } from '../../src/token/base64url.js';

/** A 2048-bit RSA pair; generate once per test file. */
export function rsaPair(bits = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: bits });
}

/** b64url(header).b64url(payload).b64url(RS256 signature) from raw JSON text. */
export function craft(headerJson: string, payloadJson: string, privateKey: KeyObject): string {
  const input = `${encodeBase64Url(headerJson)}.${encodeBase64Url(payloadJson)}`;
  return `${input}.${encodeBase64Url(sign('sha256', Buffer.from(input), privateKey))}`;
}

/** Same, from objects. */
export function craftJson(header: unknown, payload: unknown, privateKey: KeyObject): string {
  return craft(JSON.stringify(header), JSON.stringify(payload), privateKey);
}

/** An HS256 token keyed with `secret` (the classic public-key-as-HMAC-secret confusion attack). */
export function craftHs256(header: unknown, payload: unknown, secret: string | Buffer): string {
  const input = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(payload))}`;
  return `${input}.${encodeBase64Url(createHmac('sha256', secret).update(input).digest())}`;
}

/** Fixed "now" used across token tests (2027-01-14T08:00:00Z). */
export const NOW = 1_799_913_600;

/** Jamf-shaped claims expiring 15 minutes after NOW. */
export function jamfClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'AppManifest', iss: 'JSS', exp: NOW + 900, ...extra };
}
