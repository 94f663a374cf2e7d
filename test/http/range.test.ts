import { describe, expect, it } from 'vitest';
import { MAX_RANGE_SPECS, parseRange } from '../../src/http/range.js';

const SIZE = 1000;

describe('parseRange', () => {
  it.each([
    ['absent', undefined, { kind: 'full' }],
    ['first bytes', 'bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['open end', 'bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['suffix', 'bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['suffix longer than file', 'bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['end clamped', 'bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['last byte', 'bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['unit case-insensitive', 'Bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['whitespace around specs', 'bytes= 0-9 , 5-19 ', { kind: 'partial', start: 0, end: 19 }],
    ['overlapping merge', 'bytes=0-499,100-999', { kind: 'partial', start: 0, end: 999 }],
    ['adjacent merge', 'bytes=0-9,10-19', { kind: 'partial', start: 0, end: 19 }],
    ['disjoint ranges fall back to 200', 'bytes=0-9,20-29', { kind: 'full' }],
    ['start beyond end', 'bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', 'bytes=-0', { kind: 'unsatisfiable' }],
    ['all unsatisfiable', 'bytes=2000-3000,5000-', { kind: 'unsatisfiable' }],
    [
      'one satisfiable among unsatisfiable',
      'bytes=5000-,0-0',
      { kind: 'partial', start: 0, end: 0 },
    ],
    ['huge end', 'bytes=0-99999999999999999999999', { kind: 'partial', start: 0, end: 999 }],
    ['huge start', 'bytes=99999999999999999999999-', { kind: 'unsatisfiable' }],
    ['huge suffix', 'bytes=-99999999999999999999999', { kind: 'partial', start: 0, end: 999 }],
    ['last < first is invalid', 'bytes=50-10', { kind: 'full' }],
    ['other unit', 'items=0-5', { kind: 'full' }],
    ['no equals', 'bytes 0-5', { kind: 'full' }],
    ['garbage', 'bytes=abc', { kind: 'full' }],
    ['negative start', 'bytes=--5', { kind: 'full' }],
    ['bare dash', 'bytes=-', { kind: 'full' }],
    ['empty set', 'bytes=', { kind: 'full' }],
    ['plus sign', 'bytes=+1-5', { kind: 'full' }],
    ['fraction', 'bytes=1.5-5', { kind: 'full' }],
  ] as const)('%s', (_name, header, expected) => {
    expect(parseRange(header, SIZE)).toEqual(expected);
  });

  it('collapses 1000 copies of 0-0 into one byte when under the cap, and ignores the header above it', () => {
    const under = `bytes=${Array(MAX_RANGE_SPECS).fill('0-0').join(',')}`;
    expect(parseRange(under, SIZE)).toEqual({ kind: 'partial', start: 0, end: 0 });
    const over = `bytes=${Array(1000).fill('0-0').join(',')}`;
    expect(parseRange(over, SIZE)).toEqual({ kind: 'full' });
  });

  it('never plans more bytes than the file holds, whatever the overlap', () => {
    const many = `bytes=${Array.from({ length: 90 }, (_, i) => `${i}-${i + 500}`).join(',')}`;
    const r = parseRange(many, SIZE);
    expect(r).toEqual({ kind: 'partial', start: 0, end: 589 });
  });

  it('treats every range of an empty file as unsatisfiable', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
