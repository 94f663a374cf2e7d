import { describe, expect, it } from 'vitest';
import { contentTypeFor, isActiveContentType } from '../../src/http/content-type.js';
import { makeEtag } from '../../src/http/etag.js';
import {
  DOWNLOAD_CACHE_CONTROL,
  type FileRequest,
  isPlainRequest,
  planFileResponse,
} from '../../src/http/plan.js';

const FILE = { name: 'App.ipa', size: 1000, mtimeMs: Date.UTC(2025, 5, 1), ino: 77 };
const ETAG = makeEtag(FILE);
const get = (headers: FileRequest['headers'] = {}): FileRequest => ({ method: 'GET', headers });

describe('planFileResponse', () => {
  it('sends the whole file with validators, nosniff-safe type and no-store caching', () => {
    const p = planFileResponse(get(), FILE);
    expect(p).toMatchObject({ status: 200, outcome: 'OK', body: { start: 0, end: 999 } });
    expect(p.headers).toMatchObject({
      etag: ETAG,
      'last-modified': 'Sun, 01 Jun 2025 00:00:00 GMT',
      'accept-ranges': 'bytes',
      'content-length': '1000',
      'content-type': 'application/octet-stream',
      'cache-control': DOWNLOAD_CACHE_CONTROL,
    });
  });

  it('sends types a browser would run as attachments, on 200 and 206 alike', () => {
    for (const name of ['manifest.plist', 'MANIFEST.PLIST']) {
      for (const req of [get(), get({ range: 'bytes=0-9' })]) {
        const p = planFileResponse(req, { ...FILE, name });
        expect(p.headers['content-type']).toBe('application/xml');
        expect(p.headers['content-disposition']).toBe('attachment');
      }
    }
    for (const name of ['App.ipa', 'Agent.pkg', 'Book.epub', 'Guide.pdf', 'page.html', 'x.svg']) {
      expect(planFileResponse(get(), { ...FILE, name }).headers['content-disposition']).toBe(
        undefined,
      );
    }
    expect(isActiveContentType('text/html; charset=utf-8')).toBe(true);
    expect(isActiveContentType('application/rss+xml')).toBe(true);
    expect(isActiveContentType('IMAGE/SVG+XML')).toBe(true);
    expect(isActiveContentType('application/octet-stream')).toBe(false);
    expect(isActiveContentType('application/pdf')).toBe(false);
  });

  it('answers a range with 206 and Content-Range', () => {
    const p = planFileResponse(get({ range: 'bytes=10-19' }), FILE);
    expect(p.status).toBe(206);
    expect(p.headers['content-range']).toBe('bytes 10-19/1000');
    expect(p.headers['content-length']).toBe('10');
    expect(p.body).toEqual({ start: 10, end: 19 });
  });

  it('answers an unsatisfiable range with 416 and bytes */len', () => {
    const p = planFileResponse(get({ range: 'bytes=5000-' }), FILE);
    expect(p).toMatchObject({ status: 416, outcome: 'RANGE_NOT_SATISFIABLE', body: null });
    expect(p.headers['content-range']).toBe('bytes */1000');
  });

  it('ignores Range when If-Range names an older version (resume restarts from 0)', () => {
    const p = planFileResponse(get({ range: 'bytes=10-', 'if-range': '"old"' }), FILE);
    expect(p.status).toBe(200);
    const same = planFileResponse(get({ range: 'bytes=10-', 'if-range': ETAG }), FILE);
    expect(same.status).toBe(206);
  });

  it('ignores Range for HEAD and sends no body', () => {
    const p = planFileResponse({ method: 'HEAD', headers: { range: 'bytes=0-0' } }, FILE);
    expect(p).toMatchObject({ status: 200, body: null });
    expect(p.headers['content-length']).toBe('1000');
  });

  it('plans 304 and 412 without a body', () => {
    expect(planFileResponse(get({ 'if-none-match': ETAG }), FILE)).toMatchObject({
      status: 304,
      body: null,
    });
    expect(planFileResponse(get({ 'if-match': '"nope"' }), FILE)).toMatchObject({
      status: 412,
      body: null,
    });
  });

  it('does not plan a body for an empty file', () => {
    expect(planFileResponse(get(), { ...FILE, size: 0 })).toMatchObject({
      status: 200,
      body: null,
    });
  });

  it('makes weak etags on request and changes the tag when the inode changes', () => {
    expect(planFileResponse(get(), FILE, { weakEtag: true }).headers.etag).toBe(`W/${ETAG}`);
    expect(makeEtag({ ...FILE, ino: 78 })).not.toBe(ETAG);
  });
});

describe('isPlainRequest', () => {
  it('is true only without Range and every precondition header', () => {
    expect(isPlainRequest({})).toBe(true);
    for (const name of [
      'range',
      'if-match',
      'if-none-match',
      'if-modified-since',
      'if-unmodified-since',
      'if-range',
    ] as const) {
      expect(isPlainRequest({ [name]: 'x' }), name).toBe(false);
    }
  });

  it('agrees with the planner: a plain request is a 200 whatever the validators', () => {
    expect(planFileResponse(get(), FILE).status).toBe(200);
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['App.ipa', 'application/octet-stream'],
    ['Installer.PKG', 'application/octet-stream'],
    ['Bundle.mpkg', 'application/octet-stream'],
    ['Disk.dmg', 'application/x-apple-diskimage'],
    ['manifest.plist', 'application/xml'],
    ['wifi.mobileconfig', 'application/x-apple-aspen-config'],
    ['Book.epub', 'application/epub+zip'],
    ['Book.ibooks', 'application/x-ibooks+zip'],
    ['Guide.pdf', 'application/pdf'],
    ['noextension', 'application/octet-stream'],
    ['page.html', 'application/octet-stream'],
  ])('%s → %s', (name, type) => {
    expect(contentTypeFor(name)).toBe(type);
  });
});
