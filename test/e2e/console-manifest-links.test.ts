/**
 * Manifest links in the console, in headless Chromium against a real `portcullis serve --data`:
 * an admin creates a link on an app's page and copies its URL once; the URL fetched from the real
 * content listener answers a manifest whose package URL downloads the app; the list shows label,
 * status, expiry and last use and never a token; Show URL gives the same URL again; Revoke asks
 * for confirmation and the next fetch is refused; a read-only account sees the list without a
 * control that mints or revokes. No CSP violation, nothing requested off 127.0.0.1.
 * Needs `npm run build` and /usr/bin/chromium; fails, never skips, without them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPrerequisites,
  type ConsoleBrowser,
  makeIpa,
  openBrowser,
  type ServeProcess,
  signInFirstTime,
  startServe,
} from './harness.mjs';

const PASSWORD = 'e2e-manifest-links-password-2026';
let serve: ServeProcess;
let ui: ConsoleBrowser;
let page: Page;
let work: string;
let ipa = '';
let linkUrl = '';

async function api(
  method: string,
  path: string,
  body?: unknown,
  user = 'admin',
  password = PASSWORD,
) {
  const signIn = await fetch(`${serve.adminUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  });
  const { token } = (await signIn.json()) as { token: string };
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let payload: string | Uint8Array<ArrayBuffer> | undefined;
  if (Buffer.isBuffer(body)) {
    headers['content-type'] = 'application/octet-stream';
    payload = new Uint8Array(body);
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return fetch(`${serve.adminUrl}${path}`, {
    method,
    headers,
    ...(payload ? { body: payload } : {}),
  });
}

beforeAll(async () => {
  assertPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'portcullis-e2e-links-'));
  serve = await startServe();
  ui = await openBrowser();
  page = ui.page;
  page.setDefaultTimeout(15_000);
  await signInFirstTime(page, serve.adminUrl, serve.oneTimePassword, PASSWORD);
  const cfg = await api('POST', '/api/v1/jwt-configurations', { displayName: 'Links key' });
  expect(cfg.status).toBe(201);
  ipa = makeIpa(work);
  const put = await api('PUT', '/api/v1/content/apps/FieldNotes.ipa', readFileSync(ipa));
  expect(put.status).toBe(201);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await serve?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openItem(p: Page): Promise<void> {
  await p.goto(`${serve.adminUrl}/admin/content/apps/FieldNotes.ipa`);
  await p.waitForSelector('#manifest-links');
}

describe('manifest links in the console (e2e)', { timeout: 60_000 }, () => {
  it('creates a link and shows its URL once; the URL serves a manifest with a working download', async () => {
    await openItem(page);
    await page.locator('#manifest-links-empty').waitFor();
    await page.fill('#manifest-link-label', 'DDM: Field iPads');
    await page.fill('#manifest-link-days', '30');
    await page.selectOption('#manifest-link-config', { label: 'Links key' });
    await page.click('button:has-text("Create link")');
    linkUrl = await page.locator('#manifest-link-url').inputValue();
    expect(linkUrl).toMatch(
      new RegExp(
        `^${serve.contentUrl.replace(/[.]/g, '\\.')}/_portcullis/manifest/apps/FieldNotes\\.ipa\\.plist\\?token=pml_[\\w-]{64}$`,
      ),
    );
    const row = page.locator('#manifest-links-table tbody tr', { hasText: 'DDM: Field iPads' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Active');
    expect(await page.locator('#manifest-links-table').textContent()).not.toContain('pml_');

    const manifest = await fetch(linkUrl);
    expect(manifest.status).toBe(200);
    const body = await manifest.text();
    const download = /<string>(http[^<]+\/apps\/FieldNotes\.ipa\?token=ey[^<]+)<\/string>/.exec(
      body,
    )?.[1];
    expect(download).toBeDefined();
    const file = await fetch(download!.replaceAll('&amp;', '&'));
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(readFileSync(ipa))).toBe(true);

    // Shown once: a reload lists the link without its URL; Show URL gives the same one again.
    await openItem(page);
    await row.waitFor();
    expect(await page.locator('#manifest-link-url').count()).toBe(0);
    await row.locator('button:has-text("Show URL")').click();
    expect(await page.locator('#manifest-link-url').inputValue()).toBe(linkUrl);
  });

  it('shows a refused create next to nothing secret (a lifetime over two years)', async () => {
    await openItem(page);
    await page.fill('#manifest-link-label', 'Too long');
    // The browser's own max check is bypassed the way a pasted value would be.
    await page.locator('#manifest-link-days').evaluate((el) => el.removeAttribute('max'));
    await page.fill('#manifest-link-days', '731');
    await page.click('button:has-text("Create link")');
    await page.locator('form[aria-label="Create a manifest link"] .banner.error').waitFor();
    expect(
      await page.locator('#manifest-links-table tbody tr', { hasText: 'Too long' }).count(),
    ).toBe(0);
  });

  it('a read-only account sees the list but no control that mints or revokes', async () => {
    const created = await api('POST', '/api/v1/accounts', {
      username: 'auditor',
      password: 'auditor-password-2026',
      role: 'read-only',
      mustChangePassword: false,
    });
    expect(created.status).toBe(201);
    const reader = await ui.context.newPage();
    try {
      await reader.goto(`${serve.adminUrl}/admin/content/apps/FieldNotes.ipa`);
      await reader.fill('#signin-username', 'auditor');
      await reader.fill('#signin-password', 'auditor-password-2026');
      await reader.click('button[type=submit]');
      await reader
        .locator('#manifest-links-table tbody tr', { hasText: 'DDM: Field iPads' })
        .waitFor();
      expect(await reader.locator('#manifest-link-label').count()).toBe(0);
      expect(await reader.locator('#manifest-links button:has-text("Show URL")').count()).toBe(0);
      expect(await reader.locator('#manifest-links button:has-text("Revoke")').count()).toBe(0);
      expect(await reader.content()).not.toContain('pml_');
    } finally {
      await reader.close();
    }
  });

  it('revokes after a confirmation; the next fetch is refused', async () => {
    await openItem(page);
    const row = page.locator('#manifest-links-table tbody tr', { hasText: 'DDM: Field iPads' });
    await row.locator('button:has-text("Revoke")').click();
    const dialog = page.locator('[role=dialog]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('DDM: Field iPads');
    // Cancel has focus first; Escape keeps the link.
    await page.keyboard.press('Escape');
    expect((await fetch(linkUrl)).status).toBe(200);
    await row.locator('button:has-text("Revoke")').click();
    await dialog.locator('button:has-text("Revoke")').click();
    await page.locator('#manifest-links-table tbody tr', { hasText: 'Revoked' }).waitFor();
    const refused = await fetch(linkUrl);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('LINK_REFUSED');
    expect(ui.cspViolations).toEqual([]);
    expect(ui.foreignRequests).toEqual([]);
  });
});
