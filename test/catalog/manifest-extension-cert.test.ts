// The device manifest when a device certificate (not a token) admitted the request: the file URL
// inside carries no token, since the device presents its certificate again for the file.
import { describe, expect, it } from 'vitest';
import { createManifestExtension } from '../../src/catalog/manifest-extension.js';
import type { ContentRecord } from '../../src/contracts/content-catalog.js';

const record: ContentRecord = {
  path: 'apps/App One.ipa',
  size: 10,
  sha256: 'a'.repeat(64),
  kind: 'app',
  metadata: { bundleId: 'com.example.one', version: '1.2', name: 'App One' },
  mtimeMs: 0,
  version: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  uploadedBy: null,
};

const ext = createManifestExtension({
  store: { content: { get: async (p) => (p === record.path ? record : undefined) } },
  publicUrl: 'https://dp.example.com',
});

const bodyOf = (plan: Awaited<ReturnType<typeof ext.plan>>): string => {
  if ('refuse' in plan) throw new Error(plan.refuse);
  return String(plan.body);
};

describe('manifest extension', () => {
  const request = {
    method: 'GET' as const,
    rest: 'apps/App%20One.ipa.plist',
    subject: '/apps/App One.ipa',
    ifNoneMatch: undefined,
  };
  const certificate = { subject: 'CN=iPad', serialNumber: '1A', issuer: 'CN=MDM CA' };

  it('writes the file URL without a token for a device certificate', async () => {
    const body = bodyOf(await ext.plan({ ...request, certificate }));
    expect(body).toContain('<string>https://dp.example.com/apps/App%20One.ipa</string>');
    expect(body).not.toContain('token=');
  });

  it('still hands a token on when a token admitted the request', async () => {
    const identity = {
      fingerprint: 'f',
      keyLabel: 'k',
      kid: undefined,
      configurationId: undefined,
    };
    const body = bodyOf(await ext.plan({ ...request, token: { value: 'abc.def.ghi', identity } }));
    expect(body).toContain('token=abc.def.ghi');
  });

  it('plans nothing when neither admitted it', async () => {
    expect(await ext.plan(request)).toEqual({ refuse: 'NOT_FOUND' });
  });
});
