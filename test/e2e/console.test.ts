/**
 * End to end through the admin console in headless Chromium against a real
 * `portcullis serve --data <tmp>`: first sign-in with the one-time password, JWT configurations
 * made three ways (paste, upload, generate), toggle and delete, an .ipa uploaded and downloaded
 * through its signed link, a refusal visible in the audit log and a bad token in the inspector.
 * Throughout: no CSP violation and no request to any host but 127.0.0.1.
 * Needs `npm run build` (npm test does it) and /usr/bin/chromium; fails, never skips, without them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assertPrerequisites,
  type ConsoleBrowser,
  makeIpa,
  makeRsaKey,
  openBrowser,
  publicPemOf,
  type ServeProcess,
  signInFirstTime,
  startServe,
} from './harness.mjs';

const NEW_PASSWORD = 'e2e-console-password-2026';
let serve: ServeProcess;
let ui: ConsoleBrowser;
let page: Page;
let work: string;

beforeAll(async () => {
  assertPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'portcullis-e2e-files-'));
  serve = await startServe();
  ui = await openBrowser();
  page = ui.page;
  page.setDefaultTimeout(15_000);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await serve?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function createConfiguration(
  name: string,
  fill: (p: Page) => Promise<void>,
): Promise<string> {
  await page.click('.sidebar >> text=JWT Configurations');
  await page.click('text=+ New');
  await page.fill('#cfg-name', name);
  await fill(page);
  await page.selectOption('#cfg-expiry', '1h');
  await page.click('button:has-text("Save")');
  await page.waitForSelector('#cfg-fingerprint');
  expect(await page.locator('h1').textContent()).toBe(name);
  return page.url().split('/').pop()!;
}

async function rowCount(): Promise<number> {
  return page.locator('table.table tbody tr').count();
}

describe('admin console (e2e)', { timeout: 60_000 }, () => {
  let pastedId = '';

  it('first sign-in forces the one-time password to be replaced, without asking for it twice', async () => {
    await page.goto(`${serve.adminUrl}/admin`);
    await page.fill('#signin-password', serve.oneTimePassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('#pw-new');
    // The page remembers the password just typed (memory only): no second "current password".
    expect(await page.locator('#pw-current').count()).toBe(0);
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...sessionStorage, ...localStorage, cookie: document.cookie }),
    );
    expect(stored).not.toContain(serve.oneTimePassword);
    // A reload forgets it: the form asks, and a wrong one is an error next to it, not a sign-out.
    await page.reload();
    await page.waitForSelector('#pw-current');
    await page.fill('#pw-current', 'not-the-password');
    await page.fill('#pw-new', NEW_PASSWORD);
    await page.fill('#pw-repeat', NEW_PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('#pw-current-error').waitFor();
    await page.evaluate(() => sessionStorage.clear());
    await signInFirstTime(page, serve.adminUrl, serve.oneTimePassword, NEW_PASSWORD);
    const res = await fetch(`${serve.adminUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`admin:${serve.oneTimePassword}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(401);
  });

  it('serves the console with the strict CSP and framing refused', async () => {
    const res = await fetch(`${serve.adminUrl}/admin/configurations`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('creates a configuration by pasting an openssl key, showing the matching public key', async () => {
    const keyPath = makeRsaKey(work, 'pasted.pem');
    pastedId = await createConfiguration('Pasted key', async (p) => {
      await p.check('#cfg-mode-paste');
      await p.fill('#cfg-key-paste', readFileSync(keyPath, 'utf8'));
    });
    const shown = await page.inputValue('#cfg-public-key');
    expect(shown.replace(/\s+/g, '')).toBe(publicPemOf(keyPath).replace(/\s+/g, ''));
  });

  it('shows a refused key next to the key field', async () => {
    await page.click('.sidebar >> text=JWT Configurations');
    await page.click('text=+ New');
    await page.fill('#cfg-name', 'Broken');
    await page.fill(
      '#cfg-key-paste',
      '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n',
    );
    await page.click('button:has-text("Save")');
    await page.locator('#cfg-key-paste-error').waitFor({ state: 'visible' });
    expect(await page.getAttribute('#cfg-key-paste', 'aria-invalid')).toBe('true');
  });

  it('creates a configuration by uploading a .pem file', async () => {
    const keyPath = makeRsaKey(work, 'uploaded.pem');
    await createConfiguration('Uploaded key', async (p) => {
      await p.check('#cfg-mode-upload');
      await p.setInputFiles('#cfg-key-upload', keyPath);
    });
    const shown = await page.inputValue('#cfg-public-key');
    expect(shown.replace(/\s+/g, '')).toBe(publicPemOf(keyPath).replace(/\s+/g, ''));
  });

  it('creates a configuration with a generated key', async () => {
    await createConfiguration('Generated key', async (p) => {
      await p.check('#cfg-mode-generate');
      await p.selectOption('#cfg-key-generate', '2048');
    });
    expect(await page.inputValue('#cfg-jwk')).toContain('"kty": "RSA"');
  });

  it('toggles and deletes in the list without a reload', async () => {
    await page.click('.sidebar >> text=JWT Configurations');
    await page.waitForSelector('table.table');
    // The zero-configuration start may have imported its key as "Default" too.
    const before = await rowCount();
    expect(before).toBeGreaterThanOrEqual(3);
    const toggle = page.locator('tr', { hasText: 'Generated key' }).locator('input.switch');
    await toggle.click();
    await vi.waitFor(async () => expect(await toggle.isChecked()).toBe(false));
    // Escape closes the confirmation without deleting.
    await page
      .locator('tr', { hasText: 'Uploaded key' })
      .locator('button:has-text("Delete")')
      .click();
    await page.waitForSelector('[role=dialog]');
    // Focus starts on Cancel (the safe choice) and Tab never leaves the dialog.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    for (let i = 0; i < 5; i++) {
      expect(await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).toBe(
        true,
      );
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Escape');
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    // Focus returns to the button that opened the dialog.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Delete');
    expect(await rowCount()).toBe(before);
    await page
      .locator('tr', { hasText: 'Uploaded key' })
      .locator('button:has-text("Delete")')
      .click();
    await page.click('[role=dialog] button:has-text("Delete")');
    await vi.waitFor(async () => expect(await rowCount()).toBe(before - 1), {
      timeout: 10_000,
    });
  });

  it('rotates a key from the list: the row shows the new fingerprint', async () => {
    const row = page.locator('tr', { hasText: 'Generated key' });
    const oldFingerprint = await row.locator('td.mono').getAttribute('title');
    await row.locator('button:has-text("Rotate")').click();
    await page.check('#rotate-mode-generate');
    await page.click('[role=dialog] button:has-text("Rotate key")');
    await page.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 20_000 });
    await vi.waitFor(async () =>
      expect(await row.locator('td.mono').getAttribute('title')).not.toBe(oldFingerprint),
    );
  });

  it('labels every form control on every page', async () => {
    for (const path of [
      '/configurations/new',
      '/content',
      '/audit',
      '/tools',
      '/settings',
      '/accounts',
      '/jwt-servers',
      '/jwt-servers/new',
      `/configurations/${pastedId}`,
    ]) {
      await page.goto(`${serve.adminUrl}/admin${path}`);
      await page.waitForSelector('main h1');
      await page.waitForTimeout(300);
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input, select, textarea'))
          .filter(
            (el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label'),
          )
          .map((el) => el.id || el.outerHTML.slice(0, 60)),
      );
      expect(unlabelled, path).toEqual([]);
    }
  });

  it('uploads an .ipa, reads its metadata, and downloads it through the signed link', async () => {
    const ipa = makeIpa(work);
    await page.click('.sidebar >> text=Content');
    await page.fill('#upload-folder', 'apps');
    await page.setInputFiles('#upload-file', ipa);
    const row = page.locator('tr', { hasText: 'apps/FieldNotes.ipa' });
    await row.waitFor({ state: 'visible' });
    expect(await row.textContent()).toContain('com.example.fieldnotes');
    await row.locator('a').click();
    await page.selectOption('#install-config', pastedId);
    const link = await page.locator('#install-download-url').inputValue({ timeout: 15_000 });
    expect(link.startsWith(`${serve.contentUrl}/apps/FieldNotes.ipa?`)).toBe(true);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(ipa))).toBe(true);
  });

  it('uploads by drag and drop onto the content page', async () => {
    await page.click('.sidebar >> text=Content');
    await page.fill('#upload-folder', 'books');
    const zone = await page.locator('.dropzone').elementHandle();
    await page.evaluate((el) => {
      const data = new DataTransfer();
      data.items.add(
        new File(['%PDF-1.4\n% dropped\n%%EOF\n'], 'Guide.pdf', { type: 'application/pdf' }),
      );
      el!.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
      el!.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
    }, zone);
    await page.locator('tr', { hasText: 'books/Guide.pdf' }).waitFor();
    // Back to the app for the next test.
    await page.locator('tr', { hasText: 'apps/FieldNotes.ipa' }).locator('a').click();
    await page.selectOption('#install-config', pastedId);
  });

  it('shows the install QR code and downloads the manifest through a blob: URL', async () => {
    // The QR image comes from the API with the bearer token and is shown via blob: (allowed by the CSP).
    const qr = page.locator('img.qr');
    await qr.waitFor();
    await vi.waitFor(async () =>
      expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0),
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Manifest plist")'),
    ]);
    const manifest = readFileSync((await download.path())!, 'utf8');
    expect(manifest).toContain('software-package');
    expect(manifest).toContain('com.example.fieldnotes');
  });

  it('shows a refused download in the audit log', async () => {
    const refused = await fetch(`${serve.contentUrl}/apps/FieldNotes.ipa?token=not.a.token`);
    expect(refused.status).toBe(401);
    await page.click('.sidebar >> text=Audit Log');
    await page.fill('#audit-path', 'apps/FieldNotes.ipa');
    // The audit sink writes in batches: apply the filter until the refusal is there.
    await vi.waitFor(
      async () => {
        await page.click('button:has-text("Apply")');
        await page.locator('tbody tr', { hasText: '401' }).first().waitFor({ timeout: 1000 });
      },
      { timeout: 15_000, interval: 500 },
    );
    await page.locator('tbody tr', { hasText: '200' }).first().waitFor();
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export CSV")'),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text).toContain('TOKEN_MALFORMED');
    expect(text).not.toContain('not.a.token');
  });

  it('explains a tampered token in the inspector', async () => {
    const link = await (
      await fetch(`${serve.adminUrl}/api/v1/jwt-configurations/${pastedId}/signed-urls`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await sessionToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ path: 'apps/FieldNotes.ipa' }),
      })
    ).json();
    const token = new URL(link.url).searchParams.get('token')!;
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await page.click('.sidebar >> text=Tools');
    await page.fill('#inspect-input', tampered);
    await page.click('button:has-text("Inspect")');
    await page.locator('#inspect-checks', { hasText: 'SIGNATURE_INVALID' }).waitFor();
    await page.locator('.pill', { hasText: /^invalid$/ }).waitFor();
  });

  it('a read-only account sees the data but no control that changes it', async () => {
    const created = await fetch(`${serve.adminUrl}/api/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await sessionToken()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        username: 'auditor',
        password: 'auditor-password-2026',
        role: 'read-only',
        mustChangePassword: false,
      }),
    });
    expect(created.status).toBe(201);
    const reader = await ui.context.newPage(); // its own sessionStorage: a separate session
    try {
      await reader.goto(`${serve.adminUrl}/admin/configurations`);
      await reader.fill('#signin-username', 'auditor');
      await reader.fill('#signin-password', 'auditor-password-2026');
      await reader.click('button[type=submit]');
      await reader.waitForSelector('table.table tbody tr');
      expect(await reader.locator('text=+ New').count()).toBe(0);
      expect(await reader.locator('button:has-text("Delete")').count()).toBe(0);
      expect(await reader.locator('input.switch:not([disabled])').count()).toBe(0);
      await reader.click('.sidebar >> text=Content');
      await reader.waitForSelector('table.table tbody tr');
      expect(await reader.locator('#upload-file').count()).toBe(0);
      // Install links carry download tokens: a read-only account is offered none to mint.
      await reader.locator('tr', { hasText: 'apps/FieldNotes.ipa' }).locator('a').click();
      await reader.waitForSelector('text=need an admin account');
      expect(await reader.locator('#install-config').count()).toBe(0);
      expect(await reader.locator('#install-download-url').count()).toBe(0);
      await reader.click('.sidebar >> text=Tools');
      await reader.waitForSelector('#inspect-input');
      expect(await reader.locator('#probe-url').count()).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('kept every promise: no CSP violation, nothing requested outside 127.0.0.1', () => {
    expect(ui.cspViolations).toEqual([]);
    expect(ui.foreignRequests).toEqual([]);
  });
});

/** The console's bearer token, read from sessionStorage (the API never uses cookies). */
async function sessionToken(): Promise<string> {
  const raw = await page.evaluate(() => sessionStorage.getItem('portcullis.session'));
  return (JSON.parse(raw ?? '{}') as { token: string }).token;
}
