import { describe, expect, it } from 'vitest';
import {
  evaluateConditions,
  ifRangeAllows,
  parseEntityTagList,
} from '../../src/http/conditional.js';

const MTIME = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const V = { etag: '"abc"', lastModifiedMs: MTIME };
const LM = new Date(Math.floor(MTIME / 1000) * 1000).toUTCString();
const BEFORE = new Date(MTIME - 60_000).toUTCString();
const AFTER = new Date(MTIME + 60_000).toUTCString();

describe('evaluateConditions (RFC 9110 §13.2.2 order)', () => {
  it.each([
    ['no conditions', {}, 'proceed'],
    ['If-None-Match same tag', { 'if-none-match': '"abc"' }, 'not-modified'],
    [
      'If-None-Match weak form of tag (weak comparison)',
      { 'if-none-match': 'W/"abc"' },
      'not-modified',
    ],
    ['If-None-Match list', { 'if-none-match': '"x", "abc"' }, 'not-modified'],
    ['If-None-Match star', { 'if-none-match': '*' }, 'not-modified'],
    ['If-None-Match other tag', { 'if-none-match': '"zzz"' }, 'proceed'],
    ['If-Modified-Since equal', { 'if-modified-since': LM }, 'not-modified'],
    ['If-Modified-Since later', { 'if-modified-since': AFTER }, 'not-modified'],
    ['If-Modified-Since earlier', { 'if-modified-since': BEFORE }, 'proceed'],
    ['If-Modified-Since garbage is ignored', { 'if-modified-since': 'yesterday' }, 'proceed'],
    [
      'INM beats IMS (tag differs, date says unmodified)',
      { 'if-none-match': '"zzz"', 'if-modified-since': AFTER },
      'proceed',
    ],
    [
      'INM beats IMS (tag matches, date says modified)',
      { 'if-none-match': '"abc"', 'if-modified-since': BEFORE },
      'not-modified',
    ],
    ['If-Match same', { 'if-match': '"abc"' }, 'proceed'],
    ['If-Match star', { 'if-match': '*' }, 'proceed'],
    ['If-Match other', { 'if-match': '"zzz"' }, 'precondition-failed'],
    [
      'If-Match weak never matches (strong comparison)',
      { 'if-match': 'W/"abc"' },
      'precondition-failed',
    ],
    ['If-Unmodified-Since earlier', { 'if-unmodified-since': BEFORE }, 'precondition-failed'],
    ['If-Unmodified-Since equal', { 'if-unmodified-since': LM }, 'proceed'],
    [
      'If-Match wins over If-Unmodified-Since',
      { 'if-match': '"abc"', 'if-unmodified-since': BEFORE },
      'proceed',
    ],
    ['412 before 304', { 'if-match': '"zzz"', 'if-none-match': '"abc"' }, 'precondition-failed'],
  ] as const)('%s', (_n, headers, expected) => {
    expect(evaluateConditions('GET', headers, V)).toBe(expected);
  });

  it('uses 412 instead of 304 for unsafe methods', () => {
    expect(evaluateConditions('PUT', { 'if-none-match': '"abc"' }, V)).toBe('precondition-failed');
  });

  it('compares If-Match strongly against a weak current tag', () => {
    expect(evaluateConditions('GET', { 'if-match': 'W/"abc"' }, { ...V, etag: 'W/"abc"' })).toBe(
      'precondition-failed',
    );
    expect(evaluateConditions('GET', { 'if-none-match': '"abc"' }, { ...V, etag: 'W/"abc"' })).toBe(
      'not-modified',
    );
  });
});

describe('ifRangeAllows', () => {
  it.each([
    ['absent', undefined, true],
    ['same strong tag', '"abc"', true],
    ['other tag', '"zzz"', false],
    ['weak tag never', 'W/"abc"', false],
    ['exact Last-Modified date', LM, true],
    ['other date', BEFORE, false],
    ['garbage', 'nonsense', false],
  ] as const)('%s', (_n, value, expected) => {
    expect(ifRangeAllows(value, V)).toBe(expected);
  });
});

describe('parseEntityTagList', () => {
  it('parses lists with commas inside tags and rejects junk', () => {
    expect(parseEntityTagList('"a,b", W/"c"')).toEqual([
      { weak: false, opaque: 'a,b' },
      { weak: true, opaque: 'c' },
    ]);
    expect(parseEntityTagList('abc')).toBeNull();
    expect(parseEntityTagList('"a" junk')).toBeNull();
  });
});
