// The listener's memo for long keys (token fingerprints): keyed by a short key for speed, but
// a key is only ever answered with what was computed for that very key.
// (The listener's short key is tokenMapKey: a token's end, tested with the cache.)
import { describe, expect, it } from 'vitest';
import { memoizeByShortKey } from '../../src/server/lru.js';

describe('memoizeByShortKey', () => {
  it('computes once per key and never answers one key with another sharing its end', () => {
    const calls: string[] = [];
    const upper = memoizeByShortKey(
      100,
      (k) => k.slice(-8),
      (k: string) => {
        calls.push(k);
        return k.toUpperCase();
      },
    );
    const end = 'z'.repeat(20);
    expect(upper(`a${end}`)).toBe(`A${end.toUpperCase()}`);
    expect(upper(`a${end}`)).toBe(`A${end.toUpperCase()}`);
    expect(upper(`b${end}`)).toBe(`B${end.toUpperCase()}`);
    expect(upper('short')).toBe('SHORT');
    expect(upper('short')).toBe('SHORT');
    expect(calls).toEqual([`a${end}`, `b${end}`, 'short']);
  });

  it('stays bounded', () => {
    let computed = 0;
    const id = memoizeByShortKey(
      10,
      (k) => k.slice(-4),
      (k: string) => {
        computed++;
        return k;
      },
    );
    for (let i = 0; i < 1000; i++) expect(id(`key-${i}`)).toBe(`key-${i}`);
    expect(computed).toBe(1000);
    // The last one is still held; one from long ago was dropped and is computed again.
    id('key-999');
    expect(computed).toBe(1000);
    id('key-0');
    expect(computed).toBe(1001);
  });
});
