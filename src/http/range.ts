/**
 * `Range: bytes=...` parsing (RFC 9110 §14.1–14.2), defensive against abuse: the number of
 * range specs parsed is capped, overlapping/adjacent ranges are merged, and several disjoint
 * ranges fall back to one full 200 (as fastify/send does) so a request can never amplify.
 */

/** Result of {@link parseRange}. */
export type RangeResult =
  /** Ignore the header and send the whole representation (absent, malformed, other unit, multi-range). */
  | { kind: 'full' }
  /** Nothing requested lies inside the representation: 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' }
  /** Exactly one satisfiable range; inclusive offsets. */
  | { kind: 'partial'; start: number; end: number };

/** Default cap on comma-separated specs; more than this and the header is ignored (full 200). */
export const MAX_RANGE_SPECS = 100;

const SPEC = /^(\d*)-(\d*)$/;

/** Parses digits; anything beyond 2^53 is treated as "larger than any file". */
function toNumber(digits: string): number {
  return digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
}

/**
 * Plans the byte range to send for a representation of `size` bytes.
 * @example parseRange('bytes=0-99', 1000) // { kind: 'partial', start: 0, end: 99 }
 */
export function parseRange(
  header: string | undefined,
  size: number,
  maxSpecs = MAX_RANGE_SPECS,
): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header.slice(eq + 1).split(',');
  if (specs.length > maxSpecs) return { kind: 'full' };
  const ranges: Array<{ start: number; end: number }> = [];
  let sawValid = false;
  for (const rawSpec of specs) {
    const spec = rawSpec.trim();
    if (spec === '') continue; // RFC 9110 list syntax tolerates empty elements
    const m = SPEC.exec(spec);
    if (!m) return { kind: 'full' };
    const [, first = '', last = ''] = m;
    if (first === '' && last === '') return { kind: 'full' };
    sawValid = true;
    let start: number;
    let end: number;
    if (first === '') {
      // suffix range: the last N bytes; bytes=-0 asks for nothing.
      const suffix = toNumber(last);
      if (suffix === 0) continue;
      start = Math.max(0, size - suffix);
      end = size - 1;
    } else {
      start = toNumber(first);
      end = last === '' ? size - 1 : Math.min(toNumber(last), size - 1);
      if (last !== '' && toNumber(last) < start) return { kind: 'full' }; // invalid spec: ignore header
    }
    if (start >= size || end < start) continue;
    ranges.push({ start, end });
  }
  if (!sawValid) return { kind: 'full' };
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  const merged = mergeRanges(ranges);
  if (merged.length !== 1) return { kind: 'full' };
  const only = merged[0]!;
  return { kind: 'partial', start: only.start, end: only.end };
}

/** Merges overlapping and adjacent ranges (so `0-0,0-0,...` collapses to one). */
function mergeRanges(
  ranges: Array<{ start: number; end: number }>,
): Array<{ start: number; end: number }> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
