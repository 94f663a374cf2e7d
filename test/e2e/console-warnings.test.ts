/**
 * Issue 12, in headless Chromium against a real `portcullis serve --data <tmp>`: the console
 * shows the API's warnings where the admin acts — the same key in two configurations (after
 * create and after rotate, naming the others), Install links that devices refuse (the harness
 * serves an http:// public URL) and a package whose bundle values could not be read, whose
 * InstallEnterpriseApplication command then needs the admin's own values, checked as the API does.
 * No CSP violation, nothing requested off 127.0.0.1.
 * Needs `npm run build` and /usr/bin/chromium; fails, never skips, without them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPrerequisites,
  type ConsoleBrowser,
  makeIpa,
  makeRsaKey,
  openBrowser,
  type ServeProcess,
  signInFirstTime,
  startServe,
} from './harness.mjs';

const PASSWORD = 'e2e-warnings-password-2026';
let serve: ServeProcess;
let ui: ConsoleBrowser;
let page: Page;
let work: string;
let sharedPem = '';
let firstId = '';

beforeAll(async () => {
  assertPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'portcullis-e2e-warnings-'));
  sharedPem = readFileSync(makeRsaKey(work, 'jamf.pem'), 'utf8');
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

/** Creates a configuration through the New sheet; returns its id (the page it lands on). */
async function createConfiguration(name: string, pem?: string): Promise<string> {
  await page.click('.sidebar >> text=JWT Configurations');
  await page.click('text=+ New');
  await page.fill('#cfg-name', name);
  if (pem === undefined) await page.check('#cfg-mode-generate');
  else {
    await page.check('#cfg-mode-paste');
    await page.fill('#cfg-key-paste', pem);
  }
  await page.click('button:has-text("Save")');
  await page.waitForSelector('#cfg-fingerprint');
  expect(await page.locator('h1').textContent()).toBe(name);
  return decodeURIComponent(page.url().split('/').pop()!);
}

/** Uploads a file from disk into `folder` and opens its item page. */
async function uploadAndOpen(file: string, folder: string, path: string): Promise<void> {
  await page.click('.sidebar >> text=Content');
  await page.fill('#upload-folder', folder);
  await page.setInputFiles('#upload-file', file);
  const row = page.locator('tr', { hasText: path });
  await row.waitFor({ state: 'visible' });
  await row.locator('a').click();
  await page.selectOption('#install-config', firstId);
  await page.locator('#install-download-url').waitFor();
}

describe('console warnings (e2e)', { timeout: 90_000 }, () => {
  it('creating a configuration with a new key shows no warning', async () => {
    firstId = await createConfiguration('Jamf Pro', sharedPem);
    expect(await page.locator('#cfg-warnings').count()).toBe(0);
  });

  it('creating a second configuration with the same key names the first, with a link to it', async () => {
    await createConfiguration('Jamf Pro copy', sharedPem);
    const banner = page.locator('#cfg-warnings');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('already uses this key');
    expect(await banner.textContent()).toContain('KEY_ALREADY_CONFIGURED');
    await banner.locator('a', { hasText: 'Jamf Pro' }).click();
    await page.waitForSelector('h1:has-text("Jamf Pro")');
    expect(decodeURIComponent(page.url().split('/').pop()!)).toBe(firstId);
    // The warning belonged to the create answer: the other page, or a reload, has none.
    expect(await page.locator('#cfg-warnings').count()).toBe(0);
  });

  it('rotating a configuration to a key others hold names both, on its page', async () => {
    await createConfiguration('Staging');
    expect(await page.locator('#cfg-warnings').count()).toBe(0);
    await page.click('button:has-text("Rotate key")');
    await page.check('#rotate-mode-paste');
    await page.fill('#rotate-key-paste', sharedPem);
    await page.click('[role=dialog] button:has-text("Rotate key")');
    await page.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 20_000 });
    const banner = page.locator('#cfg-warnings');
    await banner.waitFor();
    const names = await banner.locator('a').allTextContents();
    expect(names.sort()).toEqual(['Jamf Pro', 'Jamf Pro copy']);
  });

  it('rotating from the list to a fresh key shows no warning there', async () => {
    await page.click('.sidebar >> text=JWT Configurations');
    const row = page.locator('tr', { hasText: 'Staging' });
    await row.locator('button:has-text("Rotate")').click();
    await page.check('#rotate-mode-generate');
    await page.click('[role=dialog] button:has-text("Rotate key")');
    await page.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 20_000 });
    expect(await page.locator('#cfg-warnings').count()).toBe(0);
  });

  it('rotating from the list to a key others hold shows the warning above the list', async () => {
    const row = page.locator('tr', { hasText: 'Staging' });
    await row.locator('button:has-text("Rotate")').click();
    await page.check('#rotate-mode-paste');
    await page.fill('#rotate-key-paste', sharedPem);
    await page.click('[role=dialog] button:has-text("Rotate key")');
    await page.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 20_000 });
    const banner = page.locator('#cfg-warnings');
    await banner.waitFor();
    expect((await banner.locator('a').allTextContents()).sort()).toEqual([
      'Jamf Pro',
      'Jamf Pro copy',
    ]);
  });

  it('warns in the Install panel that http:// links are refused by devices, and what to change', async () => {
    await uploadAndOpen(makeIpa(work), 'apps', 'apps/FieldNotes.ipa');
    const banner = page.locator('#install-warnings');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('INSECURE_DEVICE_LINKS');
    expect(text).toContain('--public-url');
    expect(text).toContain('https://');
    // A readable app: no bundle-values warning and no fields asking for them.
    expect(text).not.toContain('BUNDLE_VALUES_MISSING');
    expect(await page.locator('#bundle-id').count()).toBe(0);
    expect(await page.locator('#install-itms-url').inputValue()).toMatch(/^itms-services:/);
  });

  it('for an unreadable package, warns and offers no manifest, QR code or InstallApplication', async () => {
    const pkg = join(work, 'Broken.pkg');
    writeFileSync(pkg, randomBytes(4096));
    await uploadAndOpen(pkg, 'mac', 'mac/Broken.pkg');
    const banner = page.locator('#install-warnings');
    await banner.locator('[data-code=BUNDLE_VALUES_MISSING]').waitFor();
    expect(await banner.textContent()).toContain('Enter the bundle identifier and version below');
    await page.locator('#bundle-id').waitFor();
    const buttons = (await page.locator('.install button').allTextContents()).map((t) => t.trim());
    expect(buttons).not.toContain('InstallApplication command plist');
    expect(buttons).not.toContain('InstallEnterpriseApplication command plist');
    expect(buttons).not.toContain('Manifest plist');
    expect(buttons).toContain('Download InstallEnterpriseApplication command plist');
    expect(await page.locator('img.qr').count()).toBe(0);
  });

  it('checks the bundle values as the API does, next to each field, before asking', async () => {
    let asked = 0;
    page.on('request', (r) => {
      if (r.url().includes('/commands/InstallEnterpriseApplication.plist')) asked++;
    });
    const submit = page.locator('button:has-text("Download InstallEnterpriseApplication")');
    await submit.click();
    expect(await page.locator('#bundle-id-error').textContent()).toBe(
      'Bundle identifier is required',
    );
    expect(await page.locator('#bundle-version-error').textContent()).toBe(
      'Bundle version is required',
    );
    expect(await page.getAttribute('#bundle-id', 'aria-invalid')).toBe('true');
    await page.fill('#bundle-id', 'com.example tool');
    await page.fill('#bundle-version', '-1');
    await submit.click();
    expect(await page.locator('#bundle-id-error').textContent()).toContain('com.example.tool');
    expect(await page.locator('#bundle-version-error').textContent()).toContain('1.2.3');
    expect(asked).toBe(0);
  });

  it("shows the API's own field refusal next to its field", async () => {
    // The page's rules equal the API's, so a value the page lets through is one the API takes.
    // To see the API's answer rendered, this one request is sent on with a bundleId the API
    // refuses: the refusal itself comes from the real server.
    await page.route('**/commands/InstallEnterpriseApplication.plist*', (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('bundleId', '.starts-with-a-dot');
      return route.continue({ url: url.toString() });
    });
    await page.fill('#bundle-id', 'com.example.tool');
    await page.fill('#bundle-version', '2.1');
    await page.click('button:has-text("Download InstallEnterpriseApplication")');
    const error = page.locator('#bundle-id-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(
      'Bundle identifier must look like com.example.tool (letters, digits, dots, hyphens)',
    );
    expect(await page.locator('#bundle-version-error').count()).toBe(0);
    await page.unroute('**/commands/InstallEnterpriseApplication.plist*');
  });

  it('downloads the command with the values typed, and nothing made up', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Download InstallEnterpriseApplication")'),
    ]);
    expect(download.suggestedFilename()).toBe('InstallEnterpriseApplication.plist');
    const plist = readFileSync((await download.path())!, 'utf8');
    expect(plist).toMatch(/<key>bundle-identifier<\/key>\s*<string>com\.example\.tool<\/string>/);
    expect(plist).toMatch(/<key>bundle-version<\/key>\s*<string>2\.1<\/string>/);
    // The file name is only the title the device shows; it is never the bundle identifier.
    expect(plist).not.toMatch(/<key>bundle-identifier<\/key>\s*<string>Broken\.pkg/);
    expect(plist).not.toContain('<string>1.0</string>');
    expect(await page.locator('#bundle-id-error').count()).toBe(0);
  });

  it('kept every promise: no CSP violation, nothing requested outside 127.0.0.1', () => {
    expect(ui.cspViolations).toEqual([]);
    expect(ui.foreignRequests).toEqual([]);
  });
});
