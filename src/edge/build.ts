/**
 * `portcullis edge build`: bundles the edge runtime (src/edge/runtime/) with its configuration
 * embedded as data, using esbuild (see docs/decisions.md for why esbuild). The Worker bundle is
 * checked to import no Node.js built-in and to call no `require(`, and the build fails otherwise.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { TOKEN_ERRORS } from '../token/errors.js';
import { EdgeError } from './errors.js';
import { bundleReadme, wranglerToml } from './readme.js';
import { EDGE_SERVE_CODES, type EdgeConfig } from './runtime/config.js';
import type { EdgeTarget } from './target.js';

/** Input of {@link buildEdgeBundle}. */
export interface EdgeBuildOptions {
  target: EdgeTarget;
  config: EdgeConfig;
  outDir: string;
  /** Replace files already in `outDir`. */
  force?: boolean;
}

/** What was written. */
export interface EdgeBuildResult {
  /** The code file (`worker.js` or `index.js`). */
  bundle: string;
  files: string[];
  bytes: number;
  gzipBytes: number;
}

const ENTRY: Record<EdgeTarget, { module: string; file: string }> = {
  cloudflare: { module: 'worker', file: 'worker.js' },
  'lambda-edge': { module: 'lambda-edge', file: 'index.js' },
};

/**
 * Bundles, checks and writes one edge deployment.
 * @example await buildEdgeBundle({ target: 'cloudflare', config, outDir: 'edge-worker' })
 */
export async function buildEdgeBundle(opts: EdgeBuildOptions): Promise<EdgeBuildResult> {
  assertComplete(opts.config);
  const code = await bundle(opts.target, opts.config);
  if (opts.target === 'cloudflare') assertNoNodeImports(code);
  const files: Array<[string, string]> = [
    [ENTRY[opts.target].file, code],
    ['README.md', bundleReadme(opts.target, opts.config)],
  ];
  if (opts.target === 'cloudflare') files.push(['wrangler.toml', wranglerToml(opts.config)]);
  await mkdir(opts.outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(opts.outDir, name);
    try {
      await writeFile(path, text, { flag: opts.force ? 'w' : 'wx' });
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      const why = exists ? `${name} already exists in --out (add --force)` : `cannot write ${name}`;
      throw new EdgeError('EDGE_OPTION_INVALID', why, { cause: err });
    }
    written.push(path);
  }
  const bytes = Buffer.byteLength(code);
  return {
    bundle: written[0]!,
    files: written,
    bytes,
    gzipBytes: gzipSync(code, { level: 9 }).length,
  };
}

/** The bundle's code as a string (exported for the size check and the bench). */
export async function bundle(target: EdgeTarget, config: EdgeConfig): Promise<string> {
  const { module } = ENTRY[target];
  const source = runtimeModule(module);
  const factory = target === 'cloudflare' ? 'createWorker' : 'createViewerRequestHandler';
  const data = JSON.stringify(config);
  const contents =
    target === 'cloudflare'
      ? `import { ${factory} } from ${JSON.stringify(source)};\nexport default ${factory}(${data});\n`
      : `import { ${factory} } from ${JSON.stringify(source)};\nexport const handler = ${factory}(${data});\n`;
  const result = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    legalComments: 'none',
    format: target === 'cloudflare' ? 'esm' : 'cjs',
    platform: target === 'cloudflare' ? 'neutral' : 'node',
    target: target === 'cloudflare' ? 'es2022' : 'node20',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The runtime module's file: compiled `.js` next to this file, or the `.ts` source under vitest. */
function runtimeModule(name: string): string {
  const js = fileURLToPath(new URL(`./runtime/${name}.js`, import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}

const NODE_IMPORT = /(?:from\s*|import\s*\(?\s*)["']node:|\brequire\s*\(/;

/** Refuses a Worker bundle that reaches for Node.js: workerd has no `node:` modules by default. */
export function assertNoNodeImports(code: string): void {
  if (NODE_IMPORT.test(code)) throw new EdgeError('EDGE_BUNDLE_UNSAFE');
}

function assertComplete(config: EdgeConfig): void {
  if (config.keys.length === 0 && config.jwksUrl === undefined) throw new EdgeError('EDGE_NO_KEYS');
  for (const code of [...Object.keys(TOKEN_ERRORS), ...EDGE_SERVE_CODES]) {
    if (config.refusals[code] === undefined) throw new TypeError(`refusal for ${code} missing`);
  }
}
