/**
 * JSON object parsing for JOSE headers and claim sets. `JSON.parse` keeps the last of duplicate
 * member names, so `{"alg":"RS256","alg":"none"}` could mean different things to different
 * parsers; RFC 7515 §5.2 lets us refuse such input, and we do, at every nesting level.
 *
 * How: JSON.parse collapses duplicates, so the parsed tree has fewer keys than the text has member
 * names exactly when some object repeats a name. Counting both sides allocates nothing per name,
 * which keeps this off the per-request profile (see docs/decisions.md).
 */

/** Parses `text` as a JSON object; returns `null` for non-objects, invalid JSON or duplicate names. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return countMemberNames(text) === countParsedKeys(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** True when valid JSON `json` repeats a member name inside any one object (names compared unescaped). */
export function hasDuplicateMembers(json: string): boolean {
  return countMemberNames(json) !== countParsedKeys(JSON.parse(json));
}

/** Number of member names written in already-valid JSON text. */
function countMemberNames(json: string): number {
  // Per open container: true for objects (a string after '{' or ',' is a name), false for arrays.
  const inObject: boolean[] = [];
  let expectKey = false;
  let count = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      if (expectKey) {
        count++;
        expectKey = false;
      }
      i = stringEnd(json, i);
    } else if (ch === 0x7b /* { */) {
      inObject.push(true);
      expectKey = true;
    } else if (ch === 0x5b /* [ */) {
      inObject.push(false);
      expectKey = false;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      inObject.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      expectKey = inObject[inObject.length - 1] === true;
    }
  }
  return count;
}

/** Number of own keys over every object in a parsed JSON value. */
function countParsedKeys(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countParsedKeys(item);
    return count;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key))
      count += 1 + countParsedKeys((value as Record<string, unknown>)[key]);
  }
  return count;
}

/** Index of the closing quote of the JSON string that opens at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x5c /* \ */) i++;
    else if (ch === 0x22) return i;
  }
  return json.length - 1;
}
