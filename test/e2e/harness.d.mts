/** Types of harness.mjs (kept as JavaScript so scripts/screenshots.mjs can import it too). */
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium path. */
export declare const CHROMIUM: string;

/** A running `portcullis serve --data`. */
export interface ServeProcess {
  dataDir: string;
  contentUrl: string;
  adminUrl: string;
  oneTimePassword: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** A browser page plus what it saw that the console promises never happens. */
export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  cspViolations: string[];
  foreignRequests: string[];
  close: () => Promise<void>;
}

/** Throws with the fix when Chromium or the build is missing. */
export declare function assertPrerequisites(): void;
/** Starts the built binary on free loopback ports with a fresh data directory. */
export declare function startServe(): Promise<ServeProcess>;
/** Launches headless Chromium with CSP-violation and foreign-host recording. */
export declare function openBrowser(viewport?: {
  width: number;
  height: number;
}): Promise<ConsoleBrowser>;
/** Signs in with the one-time password and replaces it (not asked for again), ending on the dashboard. */
export declare function signInFirstTime(
  page: Page,
  adminUrl: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<void>;
/** Builds a minimal .ipa with python3's zipfile; returns its path. */
export declare function makeIpa(dir: string, name?: string): string;
/** `openssl genrsa -out <dir>/<name> 2048`; returns the path. */
export declare function makeRsaKey(dir: string, name: string): string;
/** `openssl rsa -pubout` of a private key file. */
export declare function publicPemOf(keyPath: string): string;
