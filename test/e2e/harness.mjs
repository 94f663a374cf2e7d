/**
 * Shared by the console e2e test and scripts/screenshots.mjs (plain JS so both can use it; types
 * in harness.d.mts): starts a real
 * `portcullis serve --data <tmp>` (the built binary), reads the one-time admin password from the
 * 0600 file it writes when stderr is not a terminal, launches Debian's headless Chromium through playwright-core and records anything that
 * would break the console's promises (CSP violations, requests leaving 127.0.0.1).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

/** Debian's Chromium; the e2e test fails (never skips) when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const REPO = resolve(import.meta.dirname, '../..');
const CLI = join(REPO, 'dist/cli/main.js');

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(what, fn, output, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}; server output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Fails with the fix when the build or Chromium is missing (CI must not silently skip). */
export function assertPrerequisites() {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js missing: run npm run build first');
  if (!existsSync(join(REPO, 'dist/admin-web/index.html')))
    throw new Error('dist/admin-web missing: run npm run build first');
}

/** Starts the built binary on two free loopback ports with a fresh data directory. */
export async function startServe() {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const contentUrl = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const args = [CLI, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', String(port)];
  args.push(
    '--admin-host',
    '127.0.0.1',
    '--admin-port',
    String(adminPort),
    '--workers',
    '1',
    '--public-url',
    contentUrl,
  );
  // The store secret comes from the data directory, never from the developer's environment.
  const env = { ...process.env };
  delete env.PORTCULLIS_SECRET;
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const output = () => text;
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // stderr is a pipe, not a terminal: the banner goes to a 0600 file in the data directory.
    const bannerFile = join(dataDir, 'first-admin-password.txt');
    const oneTimePassword = await waitFor(
      'the one-time password file',
      async () => {
        if (exited) throw new Error(`portcullis serve exited:\n${text}`);
        if (!existsSync(bannerFile)) return undefined;
        return /password:\s*(\S+)/.exec(readFileSync(bannerFile, 'utf8'))?.[1];
      },
      output,
    );
    await waitFor(
      'the admin listener',
      async () => ((await fetch(`${adminUrl}/admin`)).ok ? true : undefined),
      output,
    );
    await waitFor(
      'the content listener',
      async () => ((await fetch(`${contentUrl}/_portcullis/healthz`)).ok ? true : undefined),
      output,
    );
    return { dataDir, contentUrl, adminUrl, oneTimePassword, output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Launches headless Chromium with CSP-violation and foreign-host recording. */
export async function openBrowser(viewport = { width: 1280, height: 800 }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const cspViolations = [];
  const foreignRequests = [];
  await context.exposeBinding('__reportCsp', (_source, text) => void cspViolations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCsp(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return { browser, context, page, cspViolations, foreignRequests, close: () => browser.close() };
}

/**
 * Signs in with the one-time password and replaces it, ending on the dashboard. The change form
 * does not ask for the one-time password again (the page keeps it in memory from the sign-in).
 */
export async function signInFirstTime(page, adminUrl, oneTimePassword, newPassword) {
  await page.goto(`${adminUrl}/admin`);
  await page.fill('#signin-username', 'admin');
  await page.fill('#signin-password', oneTimePassword);
  await page.click('button[type=submit]');
  await page.waitForSelector('#pw-new');
  await page.fill('#pw-new', newPassword);
  await page.fill('#pw-repeat', newPassword);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:has-text("Dashboard")');
}

/** Builds a minimal .ipa (zip with Payload/<App>.app/Info.plist as XML) with python3's zipfile. */
export function makeIpa(dir, name = 'Field Notes') {
  const plist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.example.fieldnotes</string>
<key>CFBundleShortVersionString</key><string>2.4.1</string>
<key>CFBundleVersion</key><string>241</string>
<key>CFBundleDisplayName</key><string>${name}</string>
<key>MinimumOSVersion</key><string>16.0</string>
<key>UIDeviceFamily</key><array><integer>1</integer><integer>2</integer></array>
</dict></plist>`;
  const plistPath = join(dir, 'Info.plist');
  writeFileSync(plistPath, plist);
  const out = join(dir, 'FieldNotes.ipa');
  const script =
    'import sys, zipfile\n' +
    'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n' +
    '    z.write(sys.argv[2], "Payload/FieldNotes.app/Info.plist")\n' +
    '    z.writestr("Payload/FieldNotes.app/FieldNotes", b"\\x00" * 4096)\n';
  execFileSync('python3', ['-c', script, out, plistPath]);
  return out;
}

/** `openssl genrsa` like a Jamf admin would; returns the PEM path. */
export function makeRsaKey(dir, name) {
  const path = join(dir, name);
  execFileSync('openssl', ['genrsa', '-out', path, '2048'], { stdio: 'ignore' });
  return path;
}

/** The public key of a private key file, as openssl prints it. */
export function publicPemOf(keyPath) {
  return execFileSync('openssl', ['rsa', '-in', keyPath, '-pubout'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
}
