import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseBinaryPlist } from '../../src/catalog/bplist.js';
import { Budget } from '../../src/catalog/budget.js';
import { CatalogError } from '../../src/catalog/errors.js';
import { sharedStringBplist } from '../helpers/hostile-files.mjs';

/** Binary plist bytes written by Python's plistlib (an independent writer). */
function pythonBplist(expr: string): Uint8Array {
  const out = execFileSync('python3', [
    '-c',
    `import plistlib,sys,datetime;sys.stdout.buffer.write(plistlib.dumps(${expr},fmt=plistlib.FMT_BINARY))`,
  ]);
  return new Uint8Array(out);
}

/** Assembles a bplist from raw object encodings (1-byte refs and offsets) for hostile cases. */
function rawBplist(objects: number[][], top = 0, patch?: (trailer: DataView) => void): Uint8Array {
  const head = [...Buffer.from('bplist00')];
  const offsets: number[] = [];
  const body: number[] = [];
  for (const o of objects) {
    offsets.push(head.length + body.length);
    body.push(...o);
  }
  const tableOffset = head.length + body.length;
  const trailer = new DataView(new ArrayBuffer(32));
  trailer.setUint8(6, 1);
  trailer.setUint8(7, 1);
  trailer.setBigUint64(8, BigInt(objects.length));
  trailer.setBigUint64(16, BigInt(top));
  trailer.setBigUint64(24, BigInt(tableOffset));
  patch?.(trailer);
  return new Uint8Array([...head, ...body, ...offsets, ...new Uint8Array(trailer.buffer)]);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof CatalogError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parseBinaryPlist', () => {
  it('decodes every common type written by plistlib', () => {
    const bytes = pythonBplist(
      "{'s':'hello','u':'h\\u00e9llo \\u2603','i':42,'neg':-7,'big':2**40,'f':1.5,'t':True,'n':False," +
        "'d':datetime.datetime(2030,1,2,3,4,5),'b':b'\\x00\\x01','a':[1,'x',[2]],'nested':{'k':'v'}}",
    );
    const v = parseBinaryPlist(bytes) as Record<string, unknown>;
    expect(v.s).toBe('hello');
    expect(v.u).toBe('héllo ☃');
    expect(v.i).toBe(42);
    expect(v.neg).toBe(-7);
    expect(v.big).toBe(2 ** 40);
    expect(v.f).toBe(1.5);
    expect(v.t).toBe(true);
    expect(v.n).toBe(false);
    expect((v.d as Date).toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect([...(v.b as Uint8Array)]).toEqual([0, 1]);
    expect(v.a).toEqual([1, 'x', [2]]);
    expect({ ...(v.nested as object) }).toEqual({ k: 'v' });
  });

  it('decodes long strings and arrays that need extended length markers', () => {
    const bytes = pythonBplist("{'long':'x'*300,'arr':list(range(20))}");
    const v = parseBinaryPlist(bytes) as Record<string, unknown>;
    expect(v.long).toBe('x'.repeat(300));
    expect(v.arr).toEqual([...Array(20).keys()]);
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const bytes = pythonBplist("{'__proto__':{'polluted':'yes'}}");
    const v = parseBinaryPlist(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a reference cycle', () => {
    // object 0: array of one element → itself
    expect(codeOf(() => parseBinaryPlist(rawBplist([[0xa1, 0]])))).toBe('PLIST_INVALID');
  });

  it('refuses an exponential fan-out of shared references', () => {
    // Each array holds its successor twice: decoded once each, but the value stands for 2^40
    // slots, which the output budget refuses within a few dozen references.
    const objects: number[][] = [];
    for (let i = 0; i < 40; i++) objects.push([0xa2, i + 1, i + 1]);
    objects.push([0x09]);
    expect(codeOf(() => parseBinaryPlist(rawBplist(objects)))).toBe('METADATA_BUDGET_EXCEEDED');
  });

  it('refuses offsets, references and lengths that point past the data', () => {
    expect(codeOf(() => parseBinaryPlist(rawBplist([[0xa1, 9]])))).toBe('PLIST_INVALID');
    expect(codeOf(() => parseBinaryPlist(rawBplist([[0x5f, 0x10, 0xff]])))).toBe('PLIST_INVALID');
    expect(
      codeOf(() => parseBinaryPlist(rawBplist([[0x09]], 0, (t) => t.setBigUint64(24, 10_000n)))),
    ).toBe('PLIST_INVALID');
    expect(codeOf(() => parseBinaryPlist(rawBplist([[0x09]], 5)))).toBe('PLIST_INVALID');
    expect(codeOf(() => parseBinaryPlist(rawBplist([[0x09]], 0, (t) => t.setUint8(7, 0))))).toBe(
      'PLIST_INVALID',
    );
  });

  it('refuses an object table larger than the limit and non-string keys', () => {
    expect(
      codeOf(() => parseBinaryPlist(rawBplist([[0x09]], 0, (t) => t.setBigUint64(8, 10n ** 12n)))),
    ).toBe('PLIST_TOO_COMPLEX');
    expect(
      codeOf(() =>
        parseBinaryPlist(
          rawBplist([
            [0xd1, 1, 1],
            [0x10, 5],
          ]),
        ),
      ),
    ).toBe('PLIST_INVALID');
  });

  it('refuses truncated input and the wrong magic', () => {
    const good = pythonBplist("{'a':'b'}");
    expect(codeOf(() => parseBinaryPlist(good.subarray(0, good.length - 5)))).toBe('PLIST_INVALID');
    const bad = Uint8Array.from(good);
    bad[7] = 0x31;
    expect(codeOf(() => parseBinaryPlist(bad))).toBe('PLIST_INVALID');
  });
});

describe('parseBinaryPlist: shared objects under the output budget', () => {
  /** `{ s: <string of n bytes>, a: [s × refs] }`; plistlib writes the string once. */
  function sharedString(n: number, refs: number): Uint8Array {
    return pythonBplist(`{'s':'x'*${n},'a':['x'*${n}]*${refs}}`);
  }

  it('decodes a string referenced many times once and returns the same value', () => {
    const v = parseBinaryPlist(sharedString(1000, 500)) as { s: string; a: string[] };
    expect(v.a).toHaveLength(500);
    expect(v.a.every((x) => x === v.s)).toBe(true);
  });

  it('refuses a large string referenced 200 000 times quickly, without building it each time', () => {
    const bytes = sharedStringBplist({ stringBytes: 3_700_000, refs: 200_000 });
    const started = performance.now();
    expect(codeOf(() => parseBinaryPlist(bytes))).toBe('METADATA_BUDGET_EXCEEDED');
    // Decoding every reference anew would take seconds and gigabytes; memoised it is one decode.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('charges the whole file to one budget shared with other readers', () => {
    const budget = new Budget({ maxOutputBytes: 5000 });
    budget.output(4000);
    expect(codeOf(() => parseBinaryPlist(sharedString(1000, 1), {}, budget))).toBe(
      'METADATA_BUDGET_EXCEEDED',
    );
  });

  it('refuses a reference cycle through a dictionary', () => {
    // 0: { 1: 0 } — the dictionary is its own value
    expect(
      codeOf(() =>
        parseBinaryPlist(
          rawBplist([
            [0xd1, 1, 0],
            [0x51, 0x6b],
          ]),
        ),
      ),
    ).toBe('PLIST_INVALID');
  });

  it('checks nesting depth for a reused object reached deeper than first seen', () => {
    // 0: [tail, chain]. The tail (10 nested arrays) is first decoded at depth 1 and memoised;
    // the chain (60 nested arrays) reaches it again at depth 61, where it would end 71 deep.
    const objects: number[][] = [];
    const chainStart = 1;
    const chainLen = 60;
    const tailStart = chainStart + chainLen;
    objects.push([0xa2, tailStart, chainStart]);
    for (let i = 0; i < chainLen; i++)
      objects.push([0xa1, i === chainLen - 1 ? tailStart : chainStart + i + 1]);
    for (let i = 0; i < 10; i++) objects.push([0xa1, tailStart + i + 1]);
    objects.push([0x09]);
    expect(codeOf(() => parseBinaryPlist(rawBplist(objects)))).toBe('PLIST_TOO_COMPLEX');
  });
});
