/**
 * Builds the admin console (Preact, no UI framework) into dist/admin-web/, served by
 * src/admin/console-route.ts at /admin. Everything is bundled: the console works offline and
 * under a strict CSP (no inline scripts or styles), so the module-preload polyfill that Vite
 * would inline is turned off.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/admin/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/admin-web/', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    // Small assets must stay files: data: URIs for scripts/styles would not pass the CSP.
    assetsInlineLimit: 0,
  },
});
