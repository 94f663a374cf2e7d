/**
 * Runs once before any test file: metadata extraction runs in a worker thread, and under vitest
 * that worker is the compiled one in dist/ (Node 20 cannot start a TypeScript worker; see
 * src/catalog/extract-pool.ts). Any test that uploads or rescans content reaches it, so dist/
 * must match src/ — rebuilt here when stale, a no-op after `npm test`'s own build.
 */
import { ensureBuilt } from './dist.js';

/** Vitest global setup hook. */
export default function setup(): void {
  ensureBuilt();
}
