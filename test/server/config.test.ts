import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNameOf, loadServeConfig, resolveServeConfig } from '../../src/server/config.js';
import { removeDir, tempDir } from './serve-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => removeDir(dir));

describe('loadServeConfig', () => {
  it('has safe defaults', () => {
    const c = loadServeConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      admin: true,
      adminHost: '127.0.0.1',
      adminPort: 8081,
      bearer: true,
      resumeGrace: 0,
      shutdownTimeout: 30,
      workers: 0,
      issuer: ['JSS'],
      subject: ['AppManifest'],
      audience: null,
      leeway: 60,
      root: null,
      upstream: null,
      keys: [],
    });
  });

  it('applies flags > env > file', async () => {
    const file = join(dir, 'portcullis.yaml');
    await writeFile(
      file,
      'port: 9000\nadmin-port: 9001\nresume-grace: 10m\nkeys:\n  - a.pem\n  - b.pem\nhost: 0.0.0.0\n',
    );
    const c = loadServeConfig({
      flags: { port: '7000' },
      env: { PORTCULLIS_ADMIN_PORT: '7001', PORTCULLIS_WORKERS: '3' },
      file,
    });
    expect(c).toMatchObject({
      port: 7000,
      adminPort: 7001,
      resumeGrace: 600,
      keys: ['a.pem', 'b.pem'],
      host: '0.0.0.0',
      workers: 3,
    });
  });

  it('takes leeway as seconds or a duration from flags, env and file, like verify and inspect', async () => {
    expect(loadServeConfig({ flags: { leeway: '90s' } }).leeway).toBe(90);
    expect(loadServeConfig({ flags: { leeway: '1m' } }).leeway).toBe(60);
    expect(loadServeConfig({ env: { PORTCULLIS_LEEWAY: '45' } }).leeway).toBe(45);
    const file = join(dir, 'leeway.json');
    await writeFile(file, JSON.stringify({ leeway: 30 }));
    expect(loadServeConfig({ file }).leeway).toBe(30);
    expect(() => loadServeConfig({ flags: { leeway: '2h' } })).toThrow(
      'invalid setting "leeway" (from --leeway): expected seconds (60) or a duration (90s, 1m)',
    );
  });

  it('reads JSON files and comma-separated env lists', async () => {
    const file = join(dir, 'portcullis.json');
    await writeFile(file, JSON.stringify({ root: '/srv/content', issuer: ['JSS', 'Other'] }));
    const c = loadServeConfig({
      env: { PORTCULLIS_CONFIG: file, PORTCULLIS_KEYS: 'x.pem, y.pem', PORTCULLIS_ADMIN: 'false' },
    });
    expect(c).toMatchObject({
      root: '/srv/content',
      issuer: ['JSS', 'Other'],
      keys: ['x.pem', 'y.pem'],
      admin: false,
    });
  });

  it.each([
    [
      { env: { PORTCULLIS_PORT: 'abc' } },
      'portcullis: invalid setting "port" (from PORTCULLIS_PORT): expected an integer 0-65535',
    ],
    [
      { env: { PORTCULLIS_PORT: '70000' } },
      'invalid setting "port" (from PORTCULLIS_PORT): expected an integer 0-65535',
    ],
    [
      { flags: { adminPort: '-1' } },
      'invalid setting "adminPort" (from --admin-port): expected an integer 0-65535',
    ],
    [
      { flags: { resumeGrace: 'forever' } },
      'invalid setting "resumeGrace" (from --resume-grace): expected a duration',
    ],
    [
      { flags: { upstream: 'ftp://x' } },
      'invalid setting "upstream" (from --upstream): expected an http:// or https:// URL',
    ],
    [
      { flags: { publicUrl: 'https://dl.example.com/base?q=1' } },
      'invalid setting "publicUrl" (from --public-url): must not have a query (?…)',
    ],
    [
      { flags: { publicUrl: 'https://dl.example.com/base?' } },
      'invalid setting "publicUrl" (from --public-url): must not have a query (?…)',
    ],
    [
      { env: { PORTCULLIS_PUBLIC_URL: 'https://dl.example.com/#frag' } },
      'invalid setting "publicUrl" (from PORTCULLIS_PUBLIC_URL): must not have a fragment (#…)',
    ],
    [{ flags: { root: '/a', upstream: 'http://x' } }, 'give either root or upstream'],
    [{ flags: { tlsCert: 'c.pem' } }, 'tlsCert and tlsKey must be given together'],
    [
      { env: { PORTCULLIS_LOG_LEVEL: 'loud' } },
      'invalid setting "logLevel" (from PORTCULLIS_LOG_LEVEL)',
    ],
  ])('names the setting and source: %j', (input, message) => {
    expect(() => loadServeConfig(input)).toThrow(message);
  });

  it('refuses a public URL with a query or fragment in the config file too', async () => {
    const file = join(dir, 'public-url.yaml');
    await writeFile(file, 'publicUrl: "https://dl.example.com/base?q=1#frag"\n');
    expect(() => loadServeConfig({ file })).toThrow(
      'invalid setting "publicUrl" (from config file): must not have a query (?…)',
    );
    expect(
      loadServeConfig({ flags: { publicUrl: 'https://dl.example.com/base/' } }).publicUrl,
    ).toBe('https://dl.example.com/base');
  });

  it('refuses unknown settings and unreadable files', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'prot: 80\n');
    expect(() => loadServeConfig({ file })).toThrow('unknown setting "prot" (from config file)');
    expect(() => loadServeConfig({ file: join(dir, 'missing.yaml') })).toThrow(
      'cannot read the config file',
    );
    await writeFile(file, '- a\n- b\n');
    expect(() => loadServeConfig({ file })).toThrow('must hold a mapping');
  });

  it('carries error code CONFIG_INVALID and never echoes file paths', () => {
    try {
      loadServeConfig({ file: join(dir, 'secret-dir', 'x.yaml') });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('CONFIG_INVALID');
      expect((err as Error).message).not.toContain(dir);
    }
  });

  it('re-validates resolved configs unchanged (startServer path)', () => {
    const c = loadServeConfig({ flags: { port: '0', resumeGrace: '1h' } });
    expect(resolveServeConfig(c)).toEqual(c);
  });

  it('derives env names from settings', () => {
    expect(envNameOf('adminPort')).toBe('PORTCULLIS_ADMIN_PORT');
    expect(envNameOf('tlsCert')).toBe('PORTCULLIS_TLS_CERT');
  });
});

describe('docs/configuration.md', () => {
  it('documents every setting with its environment variable and default', async () => {
    const { readFileSync } = await import('node:fs');
    const { ServeConfigSchema } = await import('../../src/server/config.js');
    const doc = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const table = doc.slice(
      doc.indexOf('<!-- serve-settings:start -->'),
      doc.indexOf('<!-- serve-settings:end -->'),
    );
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()));
    const names = rows.map((r) => r[1]!.replace(/`/g, ''));
    expect(names.sort()).toEqual(Object.keys(ServeConfigSchema.shape).sort());
    for (const r of rows) expect(r[3]).toBe(`\`${envNameOf(r[1]!.replace(/`/g, ''))}\``);
  });
});
