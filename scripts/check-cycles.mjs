/**
 * Fails CI on a new circular import under src/ (issue 11 item 8). Cycles tie folders together
 * so neither can be read, tested or moved alone. A cycle that only the composition-root move
 * can remove is listed in scripts/known-cycles.json and tolerated; a listed cycle that no
 * longer exists also fails, so the list shrinks as the moves land and stays true.
 * Type-only imports count too: they still make two files impossible to understand apart.
 * Usage: npm run check:cycles
 */
import { readFileSync } from 'node:fs';
import madge from 'madge';

const ROOT = new URL('../', import.meta.url);

/** One cycle as a stable string: rotated to start at its smallest file, so order of discovery does not matter. */
function cycleKey(files) {
  let start = 0;
  for (let i = 1; i < files.length; i++) if (files[i] < files[start]) start = i;
  return [...files.slice(start), ...files.slice(0, start)].join(' > ');
}

const known = JSON.parse(readFileSync(new URL('scripts/known-cycles.json', ROOT), 'utf8'));
const allowed = new Map(known.cycles.map((c) => [cycleKey(c.files), c.why]));

const graph = await madge(new URL('src/', ROOT).pathname, {
  fileExtensions: ['ts'],
  tsConfig: new URL('tsconfig.json', ROOT).pathname,
});
const found = graph.circular().map(cycleKey);

const fresh = found.filter((key) => !allowed.has(key));
const stale = [...allowed.keys()].filter((key) => !found.includes(key));

for (const key of found.filter((k) => allowed.has(k))) console.log(`known cycle: ${key}`);
for (const key of fresh) console.error(`NEW circular import: ${key}`);
for (const key of stale) {
  console.error(`gone, remove it from scripts/known-cycles.json and ARCHITECTURE.md: ${key}`);
}
if (fresh.length > 0 || stale.length > 0) process.exit(1);
console.log(`no new circular imports (${found.length} known)`);
