/**
 * One phrase per kind of validation failure, used as zod's per-parse error map. A phrase starts
 * in lower case and follows the field's label ("is required", "must be at least 12
 * characters"); a failure of the request as a whole gets a whole sentence. The input value is
 * never quoted back: it may be a password or a token. Zod hands a union's or a record key's
 * nested issues paths relative to that union or key, so whether a failure concerns the request
 * as a whole is decided later, from the full path (validation.ts).
 */
import type { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  url: 'must be a full http:// or https:// URL',
  datetime: 'must be a date and time such as 2026-12-05T10:00:00Z',
  regex: 'contains characters that are not allowed',
};

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function sizePhrase(issue: RawIssue, bound: 'min' | 'max'): string {
  const limit = Number(bound === 'min' ? issue.minimum : issue.maximum);
  const word = bound === 'min' ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      if (bound === 'min' && limit <= 1) return 'is required';
      return `must be ${word} ${plural(limit, 'character')}`;
    case 'array':
    case 'set':
      if (bound === 'min' && limit <= 1) return 'needs at least one entry';
      return `must have ${word} ${plural(limit, 'entry').replace('entrys', 'entries')}`;
    case 'number':
    case 'int':
    case 'bigint':
      return `must be ${word} ${limit}`;
    default:
      return bound === 'min' ? 'is too small' : 'is too large';
  }
}

function typePhrase(issue: RawIssue): string {
  if (issue.input === undefined) return 'is required';
  const expected = String(issue.expected ?? '');
  if (expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
  if (expected === 'number' && typeof issue.input === 'number') return 'must be a finite number';
  return `must be ${TYPE_WORDS[expected] ?? 'a different kind of value'}`;
}

/** Zod error map: the phrase for one failure (see the file comment). */
export function failurePhrase(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return typePhrase(issue);
    case 'too_small':
      return sizePhrase(issue, 'min');
    case 'too_big':
      return sizePhrase(issue, 'max');
    case 'invalid_format':
      return FORMAT_WORDS[String(issue.format)] ?? `must be a valid ${String(issue.format)}`;
    case 'invalid_value':
      return Array.isArray(issue.values) && issue.values.length <= 8
        ? `must be one of: ${issue.values.map(String).join(', ')}`
        : 'is not one of the accepted values';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'is not in an accepted form';
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an entry that is not valid';
    default:
      return 'is not valid';
  }
}
