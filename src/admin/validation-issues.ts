/**
 * Zod issues → one {@link FieldIssue} per failing field, with the label in front of the phrase.
 * Unions and record keys carry their own failures nested inside; those are looked into, so a
 * wrong key size reads "Key size must be one of: 2048, 3072, 4096" rather than "Key is not in an
 * accepted form".
 */
import type { z } from 'zod';
import { fieldLabel } from './field-labels.js';

/**
 * One failing field: `field` is its dotted path (`displayName`, `key.pem`; empty for the request
 * as a whole), `message` a sentence for people. `path` repeats `field` for clients written
 * against the first version of this shape.
 */
export interface FieldIssue {
  field: string;
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** Longest field path echoed back (record keys come from the request). */
const MAX_FIELD = 100;
/** Most field issues in one answer: a record with thousands of bad keys gets a bounded reply. */
export const MAX_FIELD_ISSUES = 50;

/** A field issue from a path and a message; a message starting in lower case follows the label. */
export function fieldIssue(field: string, message: string): FieldIssue {
  const name = field.slice(0, MAX_FIELD);
  let text = message;
  if (/^[a-z]/.test(message)) {
    if (name !== '') text = `${fieldLabel(name)} ${message}`;
    else text = message === 'is required' ? 'A JSON body is required.' : `The request ${message}.`;
  }
  return { field: name, path: name, message: text.charAt(0).toUpperCase() + text.slice(1) };
}

const join = (base: readonly string[], rest: readonly PropertyKey[]) => [
  ...base,
  ...rest.map(String),
];

/** True for a branch that failed on the value's shape at the union itself (a wrong kind of value). */
function wrongShape(branch: readonly Issue[]): boolean {
  return branch.some(
    (i) => i.path.length === 0 && (i.code === 'unrecognized_keys' || i.code === 'invalid_type'),
  );
}

function unionIssues(issue: Issue & { errors: Issue[][] }, at: string[]): FieldIssue[] {
  const branches = issue.errors;
  const singles = branches.map((b) => (b.length === 1 ? b[0] : undefined));
  const field = at.join('.');
  // A choice of literals (2048 | 3072 | 4096): name them all.
  if (singles.every((i) => i?.code === 'invalid_value' && i.path.length === 0)) {
    const values = singles.flatMap((i) => (i?.code === 'invalid_value' ? i.values : []));
    return [fieldIssue(field, `must be one of: ${values.map(String).join(', ')}`)];
  }
  // Alternatives that each need one field ({url} | {path}): say that one of them is required.
  if (
    singles.every(
      (i) => i?.code === 'invalid_type' && i.path.length === 1 && i.message === 'is required',
    )
  ) {
    const labels = singles.map((i) => fieldLabel(join(at, i?.path ?? []).join('.')));
    return [fieldIssue(field, `${labels.join(' or ')} is required.`)];
  }
  // Otherwise the branch whose shape matched, if exactly one did.
  const matching = branches.filter((b) => !wrongShape(b));
  if (matching.length === 1 && matching[0]) return matching[0].flatMap((i) => toIssues(i, at));
  const kinds = new Set(
    branches.flat().map((i) => (i.path.length === 0 && i.code === 'invalid_type' ? i.message : '')),
  );
  if (kinds.size === 1 && !kinds.has('')) return [fieldIssue(field, [...kinds][0] ?? '')];
  return [fieldIssue(field, issue.message)];
}

function toIssues(issue: Issue, base: readonly string[]): FieldIssue[] {
  const at = join(base, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.slice(0, 10).map((key) => {
        const field = [...at, key].join('.').slice(0, MAX_FIELD);
        return fieldIssue(field, `Unknown field "${field}": remove it.`);
      });
    case 'invalid_union':
      return unionIssues(issue, at);
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.length ? issue.issues.flatMap((i) => toIssues(i, at)) : [];
    default:
      return [fieldIssue(at.join('.'), issue.message)];
  }
}

/** Converts zod issues (parsed with the phrase error map) to field issues, one per failure. */
export function toFieldIssues(issues: readonly Issue[]): FieldIssue[] {
  const out = issues.flatMap((issue) => toIssues(issue, []));
  // One message per field and text: unions can report the same failure twice.
  const seen = new Set<string>();
  return out
    .filter((i) => {
      const key = `${i.field}\n${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_FIELD_ISSUES);
}
