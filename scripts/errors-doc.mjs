// Writes docs/errors.md from the error registries (via the built dist/), so the table users
// read is the table the code answers with. Run: npm run docs:errors
import { writeFileSync } from 'node:fs';
import { renderErrorsMarkdown } from '../dist/errors-table.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
console.log('docs/errors.md written');
