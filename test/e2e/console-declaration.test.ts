/**
 * Issue 16, in headless Chromium against a real `portcullis serve --data <tmp>`: the Declaration
 * panel of an .ipa exports a com.apple.configuration.app.managed declaration whose ManifestURL is
 * a manifest link; the first export with "Create a new link" says a link was created, the second
 * with that link chosen creates none and gives the same JSON (ServerToken included); the JSON is
 * offered for copy and download. Needs `npm run build` and /usr/bin/chromium; fails, never
 * skips, without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationProblems } from '../catalog/apple/schema-check.js';
import {
  assertPrerequisites,
  type ConsoleBrowser,
  makeIpa,
  openBrowser,
  type ServeProcess,
  signInFirstTime,
  startServe,
} from './harness.mjs';

const PASSWORD = 'e2e-declaration-password-2026';
let serve: ServeProcess;
let ui: ConsoleBrowser;
let page: Page;
let work: string;

beforeAll(async () => {
  assertPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'portcullis-e2e-declaration-'));
  serve = await startServe();
  ui = await openBrowser();
  page = ui.page;
  page.setDefaultTimeout(15_000);
  await signInFirstTime(page, serve.adminUrl, serve.oneTimePassword, PASSWORD);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await serve?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const declarationJson = async () =>
  JSON.parse(await page.locator('#declaration-json').inputValue()) as {
    Type: string;
    ServerToken: string;
    Payload: { ManifestURL: string; InstallBehavior?: unknown };
  };

describe('Declaration panel (e2e)', { timeout: 90_000 }, () => {
  it('exports a managed-app declaration with a new manifest link, and says it made one', async () => {
    await page.click('.sidebar >> text=JWT Configurations');
    await page.click('text=+ New');
    await page.fill('#cfg-name', 'Declarations');
    await page.check('#cfg-mode-generate');
    await page.click('button:has-text("Save")');
    await page.waitForSelector('#cfg-fingerprint');
    await page.click('.sidebar >> text=Content');
    await page.fill('#upload-folder', 'apps');
    await page.setInputFiles('#upload-file', makeIpa(work));
    const row = page.locator('tr', { hasText: 'apps/FieldNotes.ipa' });
    await row.waitFor({ state: 'visible' });
    await row.locator('a').click();
    await page.locator('#declaration-type').waitFor();
    expect(await page.locator('#declaration-type').inputValue()).toBe('app.managed');
    await page.fill('#declaration-label', 'DDM: field iPads');
    await page.selectOption('#declaration-install', 'Required');
    await page.click('button:has-text("Export declaration")');
    await page.locator('#declaration-link-created').waitFor();
    expect(await page.locator('#declaration-link-created').textContent()).toContain(
      'DDM: field iPads',
    );
    const d = await declarationJson();
    expect(declarationProblems(d)).toEqual([]);
    expect(d.Type).toBe('com.apple.configuration.app.managed');
    expect(d.Payload.ManifestURL).toMatch(
      /\/_portcullis\/manifest\/apps\/FieldNotes\.ipa\.plist\?token=pml_/,
    );
    expect(d.Payload.InstallBehavior).toEqual({ Install: 'Required' });
  });

  it('exporting again with that link creates nothing and gives the same declaration', async () => {
    const first = await declarationJson();
    const option = page.locator('#declaration-link option', { hasText: 'DDM: field iPads' });
    await option.waitFor({ state: 'attached' });
    await page.selectOption('#declaration-link', (await option.getAttribute('value'))!);
    await page.click('button:has-text("Export declaration")');
    await page.locator('#declaration-link-created').waitFor({ state: 'detached' });
    await expect.poll(async () => (await declarationJson()).ServerToken).toBe(first.ServerToken);
    expect(await declarationJson()).toEqual(first);
    // Only the one link exists.
    expect(await page.locator('#declaration-link option').count()).toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Download .json")'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^portcullis\.app\.managed\.[0-9a-f]{24}\.json$/);
  });
});
