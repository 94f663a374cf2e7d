/**
 * Strict base64url (RFC 4648 §5, no padding) without `node:` imports, so the verify path runs on
 * any runtime. Decoding refuses everything a lenient decoder would silently accept — padding,
 * '+', '/', whitespace, length ≡ 1 (mod 4) and non-zero trailing bits — because two different
 * strings must never decode to the same signed bytes.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? LOOKUP[code]! : -1;
}

/** The slice of Node's Buffer we use when the runtime has it (a global, not a `node:` import). */
interface BufferLike {
  from(
    text: string,
    encoding: 'base64url' | 'latin1',
  ): Uint8Array & { toString(encoding: 'base64url'): string };
}
// Measured: Buffer's native decoder is ~10× faster than the portable loop below for a 342-char
// RS256 signature, which matters on the per-request path (see docs/decisions.md).
const NATIVE = (globalThis as { Buffer?: BufferLike }).Buffer;
const CANONICAL_CHARS = /^[A-Za-z0-9_-]*$/;

/** True when `text` is canonical unpadded base64url: alphabet only, length ≢ 1 (mod 4), zero trailing bits. */
export function isCanonicalBase64Url(text: string): boolean {
  const tail = text.length % 4;
  if (tail === 1 || !CANONICAL_CHARS.test(text)) return false;
  // Non-zero unused low bits would be a second spelling of the same bytes: refuse it.
  if (tail === 2) return (sextet(text, text.length - 1) & 15) === 0;
  if (tail === 3) return (sextet(text, text.length - 1) & 3) === 0;
  return true;
}

/**
 * Decodes canonical unpadded base64url, or returns `null` when the text is not canonical.
 * @example decodeBase64Url('eyJ9') // Uint8Array of '{"}'
 */
export function decodeBase64Url(text: string): Uint8Array | null {
  if (NATIVE !== undefined) {
    // Node's decoder is lenient ('+', '/', '=', stray characters, trailing bits), but the canonical
    // spelling is exactly the one that re-encodes to itself; cheaper than a regex pass first.
    // A Buffer is a Uint8Array; returning it as is saves an allocation per segment.
    const bytes = NATIVE.from(text, 'base64url');
    return bytes.toString('base64url') === text ? bytes : null;
  }
  return decodeBase64UrlPortable(text);
}

/** The portable decoder (any runtime). Same contract as decodeBase64Url; exported for tests. */
export function decodeBase64UrlPortable(text: string): Uint8Array | null {
  const length = text.length;
  const tail = length % 4;
  if (tail === 1) return null;
  const out = new Uint8Array(((length - tail) / 4) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  if (tail === 2) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return null;
    out[o++] = (a << 2) | (b >> 4);
  } else if (tail === 3) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return null;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}

const ENCODER = new TextEncoder();

/** Bytes of an ASCII string (the JWS signing input is ASCII once its segments are canonical). */
export function asciiBytes(text: string): Uint8Array {
  return NATIVE !== undefined ? NATIVE.from(text, 'latin1') : ENCODER.encode(text);
}

/** Encodes bytes or a UTF-8 string as unpadded base64url. */
export function encodeBase64Url(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? ENCODER.encode(input) : input;
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}
