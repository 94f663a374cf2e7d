/**
 * A small, bounded reader for Apple binary property lists (`bplist00`), the format of
 * Info.plist inside shipped .ipa files. Written here rather than taken from npm because the
 * available parsers follow object references without cycle or fan-out limits and build plain
 * objects from untrusted keys (`__proto__`); see docs/decisions.md.
 *
 * Every read is bounds-checked; cycles, depth, object count and references followed are capped.
 * Each object is decoded once and reused wherever it is referenced (memoised by object index),
 * but every reference still charges the bytes its value stands for to the file's {@link Budget}:
 * one 4 MB string referenced 200 000 times costs one decode and trips the output budget after
 * a handful of references instead of building gigabytes. Dictionaries have a null prototype.
 */
import { Budget } from './budget.js';
import { CatalogError } from './errors.js';

/** A decoded property-list value. Integers beyond 2^53 decode as bigint. */
export type PlistData =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | { UID: number }
  | PlistData[]
  | { [key: string]: PlistData };

/** Limits for {@link parseBinaryPlist}. */
export interface BinaryPlistLimits {
  /** Largest accepted input in bytes (default 4 MiB). */
  maxBytes?: number;
  /** Largest object table (default 100000). */
  maxObjects?: number;
  /** Deepest container nesting (default 64). */
  maxDepth?: number;
  /** References followed, counting shared references each time (default 200000). */
  maxVisits?: number;
}

const MAGIC = 'bplist00';
const TRAILER = 32;
const EPOCH_2001_MS = 978307200000;

/** True when the bytes start with the binary plist magic. */
export function isBinaryPlist(data: Uint8Array): boolean {
  if (data.length < MAGIC.length) return false;
  for (let i = 0; i < 6; i++) if (data[i] !== 'bplist'.charCodeAt(i)) return false;
  return true;
}

/**
 * Decodes a binary property list.
 * @throws CatalogError PLIST_INVALID on malformed input, PLIST_TOO_COMPLEX past a limit,
 *   METADATA_BUDGET_EXCEEDED when the decoded value outgrows `budget`.
 * @example parseBinaryPlist(bytes) // → { CFBundleIdentifier: 'com.example.app', ... }
 */
export function parseBinaryPlist(
  data: Uint8Array,
  limits: BinaryPlistLimits = {},
  budget: Budget = new Budget(),
): PlistData {
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  if (data.length > maxBytes)
    throw new CatalogError('PLIST_TOO_COMPLEX', 'The property list is too large.');
  if (data.length < MAGIC.length + TRAILER + 1) invalid('too short');
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC.charCodeAt(i)) invalid('bad magic');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const t = data.length - TRAILER;
  const offsetSize = view.getUint8(t + 6);
  const refSize = view.getUint8(t + 7);
  const numObjects = readUint(view, t + 8, 8, t + TRAILER);
  const topObject = readUint(view, t + 16, 8, t + TRAILER);
  const tableOffset = readUint(view, t + 24, 8, t + TRAILER);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8) invalid('bad trailer sizes');
  if (numObjects < 1) invalid('no objects');
  if (numObjects > (limits.maxObjects ?? 100_000)) {
    throw new CatalogError('PLIST_TOO_COMPLEX', 'The property list has too many objects.');
  }
  if (topObject >= numObjects) invalid('top object out of range');
  if (tableOffset < MAGIC.length || tableOffset + numObjects * offsetSize > t)
    invalid('offset table out of range');
  const offsets: number[] = new Array(numObjects);
  for (let i = 0; i < numObjects; i++) {
    const off = readUint(view, tableOffset + i * offsetSize, offsetSize, t);
    if (off < MAGIC.length || off >= tableOffset) invalid('object offset out of range');
    offsets[i] = off;
  }
  const ctx: Ctx = {
    view,
    data,
    end: tableOffset,
    offsets,
    refSize,
    onPath: new Set(),
    memo: new Map(),
    height: 0,
    budget,
    visits: 0,
    maxVisits: limits.maxVisits ?? 200_000,
    maxDepth: limits.maxDepth ?? 64,
  };
  return decodeObject(ctx, topObject, 0);
}

interface Ctx {
  view: DataView;
  data: Uint8Array;
  /** Objects live before the offset table; nothing may be read at or past this. */
  end: number;
  offsets: number[];
  refSize: number;
  onPath: Set<number>;
  /** Decoded objects by index: the value, the bytes it stands for, and its nesting height. */
  memo: Map<number, { value: PlistData; bytes: number; height: number }>;
  /** Height of the object decoded last (set by decodeObject for its caller). */
  height: number;
  budget: Budget;
  visits: number;
  maxVisits: number;
  maxDepth: number;
}

/**
 * Longest string decoded (UTF-16 units); the rest of a longer one is never built. No plist string
 * the catalog keeps needs more (ids 256, titles 512), and the sanitiser cuts those further.
 */
export const MAX_STRING_CHARS = 4096;

function invalid(why: string): never {
  throw new CatalogError('PLIST_INVALID', `The binary property list is malformed (${why}).`);
}

/** Reads a big-endian unsigned integer of 1..8 bytes that must end at or before `end`. */
function readUint(view: DataView, offset: number, size: number, end: number): number {
  if (offset < 0 || offset + size > end) invalid('read past end');
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + view.getUint8(offset + i);
  if (!Number.isSafeInteger(value)) invalid('integer too large');
  return value;
}

/** Reads the object length: the low nibble, or a following int object when it is 0xF. */
function readLength(ctx: Ctx, offset: number, nibble: number): { length: number; next: number } {
  if (nibble !== 0x0f) return { length: nibble, next: offset + 1 };
  if (offset + 2 > ctx.end) invalid('length past end');
  const marker = ctx.view.getUint8(offset + 1);
  if (marker >> 4 !== 0x1) invalid('bad length marker');
  const size = 1 << (marker & 0x0f);
  if (size > 8) invalid('length too wide');
  const length = readUint(ctx.view, offset + 2, size, ctx.end);
  return { length, next: offset + 2 + size };
}

/** Follows one reference: a memoised object is reused, but still charged and depth-checked. */
function decodeObject(ctx: Ctx, ref: number, depth: number): PlistData {
  if (ref >= ctx.offsets.length) invalid('reference out of range');
  if (++ctx.visits > ctx.maxVisits) {
    throw new CatalogError('PLIST_TOO_COMPLEX', 'The property list references too many objects.');
  }
  ctx.budget.step();
  if (depth > ctx.maxDepth) tooDeep();
  const hit = ctx.memo.get(ref);
  if (hit) {
    if (depth + hit.height > ctx.maxDepth) tooDeep();
    ctx.budget.output(hit.bytes);
    ctx.height = hit.height;
    return hit.value;
  }
  const before = ctx.budget.outputBytes;
  ctx.height = 0;
  const value = decodeFresh(ctx, ref, depth);
  ctx.memo.set(ref, { value, bytes: ctx.budget.outputBytes - before, height: ctx.height });
  return value;
}

function tooDeep(): never {
  throw new CatalogError('PLIST_TOO_COMPLEX', 'The property list is nested too deeply.');
}

function decodeFresh(ctx: Ctx, ref: number, depth: number): PlistData {
  const offset = ctx.offsets[ref] as number;
  const marker = ctx.view.getUint8(offset);
  const type = marker >> 4;
  const nibble = marker & 0x0f;
  // Scalars stand for a few bytes each; strings and data charge their length below.
  if (type <= 0x3 || type === 0x8) ctx.budget.output(8);
  switch (type) {
    case 0x0:
      return decodeSingleton(marker);
    case 0x1:
      return decodeInt(ctx, offset + 1, 1 << nibble);
    case 0x2:
      return decodeReal(ctx, offset + 1, 1 << nibble);
    case 0x3:
      if (nibble !== 3) invalid('bad date');
      checkRange(ctx, offset + 1, 8);
      return new Date(ctx.view.getFloat64(offset + 1) * 1000 + EPOCH_2001_MS);
    case 0x8:
      return { UID: readUint(ctx.view, offset + 1, nibble + 1, ctx.end) };
    default:
      return decodeSized(ctx, ref, offset, type, nibble, depth);
  }
}

function decodeSized(
  ctx: Ctx,
  ref: number,
  offset: number,
  type: number,
  nibble: number,
  depth: number,
): PlistData {
  const { length, next } = readLength(ctx, offset, nibble);
  switch (type) {
    case 0x4:
      checkRange(ctx, next, length);
      ctx.budget.output(length);
      return ctx.data.slice(next, next + length);
    case 0x5: {
      checkRange(ctx, next, length);
      const kept = Math.min(length, MAX_STRING_CHARS);
      ctx.budget.output(kept);
      return latin1(ctx.data.subarray(next, next + kept));
    }
    case 0x6: {
      checkRange(ctx, next, length * 2);
      const kept = Math.min(length, MAX_STRING_CHARS);
      ctx.budget.output(kept * 2);
      return utf16be(ctx.data.subarray(next, next + kept * 2));
    }
    case 0xa:
    case 0xc:
      return withCycleGuard(ctx, ref, () => decodeArray(ctx, next, length, depth));
    case 0xd:
      return withCycleGuard(ctx, ref, () => decodeDict(ctx, next, length, depth));
    default:
      return invalid(`unknown object type 0x${type.toString(16)}`);
  }
}

function withCycleGuard(ctx: Ctx, ref: number, fn: () => PlistData): PlistData {
  if (ctx.onPath.has(ref)) invalid('reference cycle');
  ctx.onPath.add(ref);
  try {
    return fn();
  } finally {
    ctx.onPath.delete(ref);
  }
}

function decodeArray(ctx: Ctx, start: number, count: number, depth: number): PlistData[] {
  checkRange(ctx, start, count * ctx.refSize);
  const out: PlistData[] = [];
  let height = 0;
  for (let i = 0; i < count; i++) {
    ctx.budget.output(8); // the slot itself
    out.push(
      decodeObject(
        ctx,
        readUint(ctx.view, start + i * ctx.refSize, ctx.refSize, ctx.end),
        depth + 1,
      ),
    );
    height = Math.max(height, ctx.height + 1);
  }
  ctx.height = height;
  return out;
}

function decodeDict(
  ctx: Ctx,
  start: number,
  count: number,
  depth: number,
): { [key: string]: PlistData } {
  checkRange(ctx, start, count * 2 * ctx.refSize);
  const out: { [key: string]: PlistData } = Object.create(null);
  let height = 0;
  for (let i = 0; i < count; i++) {
    const keyRef = readUint(ctx.view, start + i * ctx.refSize, ctx.refSize, ctx.end);
    const valueRef = readUint(ctx.view, start + (count + i) * ctx.refSize, ctx.refSize, ctx.end);
    ctx.budget.output(16); // the two slots
    const key = decodeObject(ctx, keyRef, depth + 1);
    if (typeof key !== 'string') invalid('dictionary key is not a string');
    out[key] = decodeObject(ctx, valueRef, depth + 1);
    height = Math.max(height, ctx.height + 1);
  }
  ctx.height = height;
  return out;
}

function decodeSingleton(marker: number): PlistData {
  if (marker === 0x00) return null;
  if (marker === 0x08) return false;
  if (marker === 0x09) return true;
  if (marker === 0x0f) return null; // fill byte
  return invalid('unknown singleton');
}

function decodeInt(ctx: Ctx, offset: number, size: number): number | bigint {
  if (size > 16) invalid('integer too wide');
  checkRange(ctx, offset, size);
  if (size === 16) {
    // 128-bit ints are written by CoreFoundation only for values above 2^63; keep the low 64.
    return ctx.view.getBigUint64(offset + 8);
  }
  if (size === 8) {
    const v = ctx.view.getBigInt64(offset);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }
  return readUint(ctx.view, offset, size, ctx.end);
}

function decodeReal(ctx: Ctx, offset: number, size: number): number {
  checkRange(ctx, offset, size);
  if (size === 4) return ctx.view.getFloat32(offset);
  if (size === 8) return ctx.view.getFloat64(offset);
  return invalid('bad real size');
}

function checkRange(ctx: Ctx, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > ctx.end) invalid('object past end');
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function utf16be(bytes: Uint8Array): string {
  const codes = new Array<number>(bytes.length / 2);
  for (let i = 0; i < codes.length; i++)
    codes[i] = ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number);
  let s = '';
  for (let i = 0; i < codes.length; i += 4096)
    s += String.fromCharCode(...codes.slice(i, i + 4096));
  return s;
}
