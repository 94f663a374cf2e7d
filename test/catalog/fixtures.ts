/**
 * Builds catalog fixtures for a test file into a fresh temp dir: apps and books via
 * scripts/make-catalog-fixtures.py (Python zipfile/plistlib + OpenSSL CMS, independent of our
 * readers) and flat packages via test/helpers/xar-writer.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildXar, distributionXml, packageInfoXml } from '../helpers/xar-writer.js';

const SCRIPT = new URL('../../scripts/make-catalog-fixtures.py', import.meta.url).pathname;

/** A directory of fixtures and its cleanup. */
export interface Fixtures {
  dir: string;
  path(name: string): string;
  cleanup(): void;
}

/** Makes fixtures; `basic` skips the slow hostile archives (zip bomb, 100k entries, ...). */
export function makeFixtures(opts: { basic?: boolean } = {}): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-catfix-'));
  execFileSync('python3', [SCRIPT, dir, ...(opts.basic ? ['--basic'] : [])], { stdio: 'pipe' });
  writeFileSync(
    join(dir, 'component.pkg'),
    buildXar([
      { path: 'PackageInfo', data: packageInfoXml('com.example.agent', '3.1.0', '/Library/Agent') },
      { path: 'Bom', data: Buffer.alloc(64, 1) },
      { path: 'Payload', data: Buffer.alloc(4096, 7), encoding: 'none' },
    ]),
  );
  writeFileSync(
    join(dir, 'product.pkg'),
    buildXar([
      {
        path: 'Distribution',
        data: distributionXml('Example Suite', { id: 'com.example.suite', version: '5.0' }, [
          { id: 'com.example.suite.core', version: '5.0.1' },
          { id: 'com.example.suite.helper', version: '1.2' },
        ]),
      },
      { path: 'core.pkg/PackageInfo', data: packageInfoXml('com.example.suite.core', '5.0.1') },
      { path: 'core.pkg/Payload', data: Buffer.alloc(1024, 3), encoding: 'none' },
      { path: 'helper.pkg/PackageInfo', data: packageInfoXml('com.example.suite.helper', '1.2') },
    ]),
  );
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
