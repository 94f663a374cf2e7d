#!/usr/bin/env node
/**
 * Why: docs/console.md shows every console page, and screenshots drift as the UI changes. This
 * script refreshes docs/screenshots/*.png from a real `portcullis serve --data <tmp>` (started
 * and stopped here, loopback only) driven by headless Chromium: 1280x800 for every page, plus the
 * configuration pages at 768 px (tablet). Run `npm run build` first; then `npm run screenshots`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  assertPrerequisites,
  makeIpa,
  makeRsaKey,
  openBrowser,
  signInFirstTime,
  startServe,
} from '../test/e2e/harness.mjs';

const OUT = resolve(import.meta.dirname, '../docs/screenshots');
const PASSWORD = 'screenshots-password-2026';

/** Saves one screenshot after the page settled. */
async function shot(page, name, opts = {}) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(OUT, `${name}.png`), ...opts });
  console.log(`docs/screenshots/${name}.png`);
}

/** Some downloads and refusals so the dashboard and audit log have something to show. */
async function traffic(serve, api) {
  const { url } = await api('POST', `/api/v1/jwt-configurations/${serve.configId}/signed-urls`, {
    path: 'apps/FieldNotes.ipa',
  });
  for (let i = 0; i < 6; i++) await (await fetch(url)).arrayBuffer();
  const tampered = `${url.slice(0, -4)}${url.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  const refusals = [
    `${serve.contentUrl}/apps/FieldNotes.ipa`,
    `${serve.contentUrl}/apps/FieldNotes.ipa?token=garbage`,
    tampered,
    tampered,
    `${serve.contentUrl}/books/handbook.epub?token=x.y.z`,
  ];
  for (const u of refusals) await (await fetch(u)).arrayBuffer();
}

async function main() {
  assertPrerequisites();
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'portcullis-shots-'));
  const serve = await startServe();
  const ui = await openBrowser({ width: 1280, height: 800 });
  const { page } = ui;
  page.setDefaultTimeout(15_000);
  try {
    await page.goto(`${serve.adminUrl}/admin`);
    await shot(page, 'sign-in');
    await page.fill('#signin-password', serve.oneTimePassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('#pw-new');
    await shot(page, 'change-password');
    await page.evaluate(() => sessionStorage.clear());
    await signInFirstTime(page, serve.adminUrl, serve.oneTimePassword, PASSWORD);

    // A pasted openssl key, as a Jamf Pro admin would have it.
    const keyPath = makeRsaKey(work, 'jamf.pem');
    await page.click('.sidebar >> text=JWT Configurations');
    await page.click('text=+ New');
    await page.fill('#cfg-name', 'Jamf Pro (production)');
    await page.fill('#cfg-key-paste', readFileSync(keyPath, 'utf8'));
    await page.selectOption('#cfg-expiry', '1h');
    await shot(page, 'configuration-new');
    await page.click('button:has-text("Save")');
    await page.waitForSelector('#cfg-fingerprint');
    serve.configId = page.url().split('/').pop();
    await shot(page, 'configuration-detail', { fullPage: true });

    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('portcullis.session')).token,
    );
    const api = async (method, path, body) => {
      const res = await fetch(`${serve.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return res.json();
    };
    await api('POST', '/api/v1/jwt-configurations', {
      displayName: 'Staging',
      key: { generate: { bits: 2048 } },
      tokenExpiry: '15m',
      enabled: false,
    });

    await page.click('.sidebar >> text=Content');
    await page.fill('#upload-folder', 'apps');
    await page.setInputFiles('#upload-file', makeIpa(work));
    await page.locator('tr', { hasText: 'apps/FieldNotes.ipa' }).waitFor();
    await shot(page, 'content');
    await page.locator('tr', { hasText: 'apps/FieldNotes.ipa' }).locator('a').click();
    await page.selectOption('#install-config', serve.configId);
    await page.waitForSelector('#install-download-url');
    await page.waitForFunction(() => (document.querySelector('img.qr')?.naturalWidth ?? 0) > 0);
    await shot(page, 'content-detail', { fullPage: true });

    await traffic(serve, api);
    await page.waitForTimeout(2500); // the audit sink writes in batches
    await page.click('.sidebar >> text=Configurations');
    await page.waitForSelector('table.table');
    await shot(page, 'configurations');
    await page.click('.sidebar >> text=Audit Log');
    await page.waitForSelector('tbody tr');
    await shot(page, 'audit');
    await page.click('.sidebar >> text=Dashboard');
    await page.waitForSelector('.chart');
    await shot(page, 'dashboard');

    await page.click('.sidebar >> text=Tools');
    const signed = await api('POST', `/api/v1/jwt-configurations/${serve.configId}/signed-urls`, {
      path: 'apps/FieldNotes.ipa',
    });
    await page.fill('#inspect-input', `${signed.url.slice(0, -4)}AAAA`);
    await page.click('button:has-text("Inspect")');
    await page.waitForSelector('#inspect-checks');
    await page.fill('#probe-url', `${serve.contentUrl}/apps/FieldNotes.ipa`);
    await page.click('button:has-text("Probe")');
    await page.waitForSelector('#probe-results', { timeout: 60_000 });
    await shot(page, 'tools', { fullPage: true });
    await page.click('.sidebar >> text=Settings');
    await shot(page, 'settings');

    await page.setViewportSize({ width: 768, height: 1024 });
    await page.click('.sidebar >> text=JWT Configurations');
    await page.waitForSelector('table.table');
    await shot(page, 'configurations-tablet');
    await page.click('text=+ New');
    await shot(page, 'configuration-new-tablet');
    if (ui.cspViolations.length > 0)
      throw new Error(`CSP violations: ${ui.cspViolations.join('; ')}`);
  } finally {
    await ui.close();
    await serve.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
