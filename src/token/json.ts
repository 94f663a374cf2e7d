/**
 * JSON object parsing for JOSE headers and claim sets. `JSON.parse` keeps the last of duplicate
 * member names, so `{"alg":"RS256","alg":"none"}` could mean different things to different
 * parsers; RFC 7515 §5.2 lets us refuse such input, and we do, at every nesting level.
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
  return hasDuplicateMembers(text) ? null : (value as Record<string, unknown>);
}

/**
 * Scans already-valid JSON for a repeated member name inside any one object. Names are compared
 * after unescaping, so "a" and "\u0061" count as the same name.
 */
export function hasDuplicateMembers(json: string): boolean {
  // One entry per open container: a Set of names for objects, null for arrays.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const end = stringEnd(json, i);
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.has(name)) return true;
        top.add(name);
        expectKey = false;
      }
      i = end;
    } else if (ch === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
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
