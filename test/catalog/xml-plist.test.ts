/**
 * XML plists are read by the catalog's bounded XML reader: same values as the `plist` package
 * gave for real files (so metadata does not change), refusals with stable codes for deep, huge
 * or entity-laden documents.
 */
import { execFileSync } from 'node:child_process';
import { parse as parseWithPlistPackage } from 'plist';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/catalog/budget.js';
import { CatalogError } from '../../src/catalog/errors.js';
import { readPlistDict } from '../../src/catalog/plist-read.js';
import { parseXmlPlist } from '../../src/catalog/xml-plist.js';
import { deepXmlPlist } from '../helpers/hostile-files.mjs';

/** XML plist text written by Python's plistlib (an independent writer). */
function pythonXmlPlist(expr: string): string {
  return execFileSync('python3', [
    '-c',
    `import plistlib,sys,datetime;sys.stdout.buffer.write(plistlib.dumps(${expr},fmt=plistlib.FMT_XML))`,
  ]).toString('utf8');
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

describe('parseXmlPlist', () => {
  it('decodes what the plist package decoded, for every type plistlib writes', () => {
    const text = pythonXmlPlist(
      "{'CFBundleIdentifier':'com.example.app','CFBundleDisplayName':'Caf\\u00e9 & <Co>','i':42,'neg':-7," +
        "'f':1.5,'t':True,'n':False,'d':datetime.datetime(2030,1,2,3,4,5),'b':b'\\x00\\x01\\xff'," +
        "'UIDeviceFamily':[1,2],'nested':{'k':['v',{'deep':'x'}]},'empty':'','ea':[],'ed':{}}",
    );
    expect(parseXmlPlist(text)).toEqual(parseWithPlistPackage(text));
  });

  it('keeps CDATA, entities and whitespace inside strings as the plist package did', () => {
    const text =
      '<?xml version="1.0"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">' +
      '<plist version="1.0"><dict><key>a</key><string> x &amp; y </string><key>b</key><string><![CDATA[<raw>]]></string>' +
      '<key>c</key><string>&#x263A;&#65;</string></dict></plist>';
    expect(parseXmlPlist(text)).toEqual(parseWithPlistPackage(text));
  });

  it('refuses a deeply nested document quickly and without building it', () => {
    const started = performance.now();
    expect(codeOf(() => readPlistDict(deepXmlPlist()))).toBe('PLIST_TOO_COMPLEX');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a document whose text outgrows the budget', () => {
    const text = pythonXmlPlist("{'a':'x'*100000}");
    expect(codeOf(() => parseXmlPlist(text, new Budget({ maxOutputBytes: 50_000 })))).toBe(
      'METADATA_BUDGET_EXCEEDED',
    );
    expect(codeOf(() => parseXmlPlist(text, new Budget({ maxSteps: 3 })))).toBe(
      'METADATA_BUDGET_EXCEEDED',
    );
  });

  it('refuses malformed plists, unknown elements and entity declarations', () => {
    expect(codeOf(() => parseXmlPlist('<plist><dict><key>a</key>'))).toBe('PLIST_INVALID');
    expect(codeOf(() => parseXmlPlist('<plist><dict><string>a</string></dict></plist>'))).toBe(
      'PLIST_INVALID',
    );
    expect(codeOf(() => parseXmlPlist('<plist><script>x</script></plist>'))).toBe('PLIST_INVALID');
    expect(codeOf(() => parseXmlPlist('<html/>'))).toBe('PLIST_INVALID');
    expect(
      codeOf(() =>
        readPlistDict(Buffer.from('<!DOCTYPE p [<!ENTITY a "aaaa">]><plist><dict></dict></plist>')),
      ),
    ).toBe('PLIST_INVALID');
  });

  it('keeps a __proto__ key as data on a dictionary without a prototype', () => {
    const v = parseXmlPlist(
      '<plist><dict><key>__proto__</key><dict><key>polluted</key><string>yes</string></dict></dict></plist>',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
