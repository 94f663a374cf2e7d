/**
 * src/contracts is the layer every other folder may import, so it must stay types only: if a
 * constant or a helper crept in, importing a port would load code (and whatever it imports) into
 * the token core's WebCrypto runtimes and into every worker. Each file, compiled the way tsc
 * builds the package, must emit nothing but the empty module marker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/contracts');
const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));

describe('src/contracts', () => {
  it('has the ports', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'admin-extension.ts',
        'audit-sink.ts',
        'content-catalog.ts',
        'content-extension.ts',
        'content-storage.ts',
        'download-event.ts',
        'key-source.ts',
        'token-identity.ts',
        'verification-key.ts',
        'index.ts',
      ]),
    );
  });

  it.each(files)(
    '%s compiles to no runtime code and imports nothing of ours outside contracts',
    (name) => {
      const source = readFileSync(join(dir, name), 'utf8');
      const out = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
          removeComments: true,
        },
        fileName: name,
      }).outputText;
      expect(out.trim()).toBe('export {};');
      // Type imports are erased, but they still tie the layer to what they name: only sibling
      // contracts and third-party type packages (node:http, fastify, pino) are allowed.
      for (const [, spec] of source.matchAll(/from '([^']+)'/g)) {
        expect(spec!.startsWith('./') || !spec!.startsWith('.'), `${name} imports ${spec}`).toBe(
          true,
        );
      }
    },
  );
});
