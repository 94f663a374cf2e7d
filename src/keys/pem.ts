/**
 * Tolerant PEM reading. Admins paste keys from e-mails, web pages and Windows editors, so the
 * armor is found anywhere in the text and the body is rebuilt: CRLF line ends, indentation, and
 * spaces in place of line breaks are all accepted. The base64 itself must be exact.
 */
import { Buffer } from 'node:buffer';
import { KeyError } from './errors.js';

/** One `-----BEGIN X----- … -----END X-----` block, decoded. */
export interface PemBlock {
  /** The armor label, e.g. `RSA PRIVATE KEY`. */
  label: string;
  /** Legacy RFC 1421 headers (`Proc-Type`, `DEK-Info`) of encrypted PKCS#1 keys, else empty. */
  headers: Array<[name: string, value: string]>;
  /** The decoded body. */
  der: Buffer;
}

// Labels are upper-case words; the back-reference makes BEGIN and END agree.
const BLOCK = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)*)-----([\s\S]*?)-----END \1-----/g;
const BEGIN = /-----BEGIN [A-Z0-9 ]+-----/g;
// Legacy encrypted PKCS#1: "Proc-Type: 4,ENCRYPTED" then "DEK-Info: CIPHER,IV", possibly on one line.
const LEGACY_HEADERS = /^Proc-Type:\s*([0-9A-Z,]+)\s+DEK-Info:\s*([A-Z0-9-]+),([0-9A-Fa-f]+)\s/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_BLOCKS = 100;

/** True when the text contains PEM armor (complete or not). */
export function hasPemArmor(text: string): boolean {
  return text.includes('-----BEGIN ');
}

/**
 * Finds every PEM block in `text` and decodes it.
 * @throws KeyError KEY_UNREADABLE when a block is truncated (BEGIN without END) or its base64 is bad.
 */
export function findPemBlocks(text: string): PemBlock[] {
  const begins = text.match(BEGIN)?.length ?? 0;
  // Each unmatched BEGIN costs a scan to the end of the text; bound that work on hostile input.
  if (begins > MAX_BLOCKS) {
    throw new KeyError('KEY_UNREADABLE', `more than ${MAX_BLOCKS} PEM blocks`);
  }
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    blocks.push(decodeBlock(match[1]!, match[2]!));
  }
  if (begins !== blocks.length) {
    throw new KeyError('KEY_UNREADABLE', 'PEM block without a matching END line (truncated?)');
  }
  return blocks;
}

function decodeBlock(label: string, rawBody: string): PemBlock {
  let body = `${rawBody.trim()}\n`;
  const headers: Array<[string, string]> = [];
  const legacy = LEGACY_HEADERS.exec(body);
  if (legacy) {
    headers.push(
      ['Proc-Type', legacy[1]!],
      ['DEK-Info', `${legacy[2]},${legacy[3]!.toUpperCase()}`],
    );
    body = body.slice(legacy[0].length);
  }
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new KeyError('KEY_UNREADABLE', `PEM "${label}" has a damaged body`);
  }
  return { label, headers, der: Buffer.from(compact, 'base64') };
}

/** Encodes a canonical PEM block: 64-column base64, LF line ends, trailing newline. */
export function toPem(
  label: string,
  der: Uint8Array,
  headers: ReadonlyArray<readonly [string, string]> = [],
): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = [`-----BEGIN ${label}-----`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (headers.length > 0) lines.push('');
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${label}-----`, '');
  return lines.join('\n');
}

/** Re-encodes a decoded block canonically (what OpenSSL and sshpk expect). */
export function blockToPem(block: PemBlock): string {
  return toPem(block.label, block.der, block.headers);
}

/**
 * Decodes armor-less base64 (a key pasted without its BEGIN/END lines), or returns undefined
 * when the text is not plausibly that.
 */
export function decodeBareBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  // 100 characters is below any RSA key; shorter strings are not worth guessing at.
  if (compact.length < 100 || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
