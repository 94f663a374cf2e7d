import { describe, expect, it } from 'vitest';
import { checkRequestPath } from '../../src/http/path.js';

describe('checkRequestPath accepts plain and awkward-but-safe names', () => {
  it.each([
    ['/App.ipa', ['App.ipa']],
    ['/apps/My%20App.ipa', ['apps', 'My App.ipa']],
    ['/books/caf%C3%A9.epub', ['books', 'caf\u00e9.epub']], // NFC é
    ['/books/cafe%CC%81.epub', ['books', 'cafe\u0301.epub']], // NFD e + combining acute, kept as sent
    ['/a..b.pkg', ['a..b.pkg']], // looks like .. but is a name
    ['/x...pkg', ['x...pkg']],
    ['/100%25%20done.pdf', ['100% done.pdf']],
    ['/name%2Bplus.pdf', ['name+plus.pdf']],
    ['/%E2%80%AEgpj.exe', ['\u202egpj.exe']], // RTL override is not a path attack; served as named
  ])('%s', (raw, segments) => {
    const r = checkRequestPath(raw);
    expect(r).toMatchObject({ ok: true, segments, directory: false });
  });

  it('keeps NFC and NFD spellings distinct (no normalisation, no aliasing)', () => {
    const nfc = checkRequestPath('/caf%C3%A9.epub');
    const nfd = checkRequestPath('/cafe%CC%81.epub');
    expect(nfc.ok && nfd.ok && nfc.segments[0] !== nfd.segments[0]).toBe(true);
  });

  it('reports the root and trailing slashes as directories', () => {
    expect(checkRequestPath('/')).toEqual({ ok: true, segments: [], path: '/', directory: true });
    expect(checkRequestPath('/apps/')).toMatchObject({
      ok: true,
      segments: ['apps'],
      directory: true,
    });
  });
});

describe('checkRequestPath refuses path attacks', () => {
  it.each([
    ['relative', 'App.ipa', 'not-absolute'],
    ['dot-dot', '/../etc/passwd', 'dot-segment'],
    ['dot-dot in the middle', '/apps/../../etc/passwd', 'dot-segment'],
    ['encoded dot-dot', '/%2e%2e/etc/passwd', 'dot-segment'],
    ['mixed-case encoded dot-dot', '/%2E%2e/secret', 'dot-segment'],
    ['half-encoded dot-dot', '/.%2e/secret', 'dot-segment'],
    ['single dot', '/./App.ipa', 'dot-segment'],
    ['double-encoded dot-dot', '/%252e%252e/etc/passwd', 'double-encoding'],
    ['double-encoded slash', '/a%252fb', 'double-encoding'],
    ['encoded slash', '/apps%2f..%2fsecret', 'encoded-slash'],
    ['encoded slash upper', '/apps%2F..%2Fsecret', 'encoded-slash'],
    ['backslash', '/apps\\..\\secret', 'backslash'],
    ['encoded backslash', '/apps%5c..%5csecret', 'backslash'],
    ['NUL', '/App.ipa%00.txt', 'control-character'],
    ['newline', '/App%0a.ipa', 'control-character'],
    ['DEL', '/App%7f.ipa', 'control-character'],
    ['overlong dot', '/%c0%ae%c0%ae/etc/passwd', 'bad-encoding'],
    ['overlong slash', '/a%c0%afb', 'bad-encoding'],
    ['truncated escape', '/App%2', 'bad-encoding'],
    ['lone surrogate', '/%ed%a0%80.ipa', 'bad-encoding'],
    ['invalid utf-8', '/%ff.ipa', 'bad-encoding'],
    ['dotfile', '/.env', 'dotfile'],
    ['dot-directory', '/.git/config', 'dotfile'],
    ['nested dotfile', '/apps/.htpasswd', 'dotfile'],
    ['encoded dotfile', '/%2egit/config', 'dotfile'],
    ['three dots', '/.../x', 'dotfile'],
    ['empty segment', '/apps//App.ipa', 'empty-segment'],
    ['leading double slash', '//etc/passwd', 'empty-segment'],
    ['too long', `/${'a'.repeat(5000)}`, 'too-long'],
    ['segment too long', `/${'a'.repeat(300)}`, 'too-long'],
  ])('%s', (_name, raw, reason) => {
    expect(checkRequestPath(raw)).toEqual({ ok: false, reason });
  });
});
